"""Leaves a busy thread and a double-forked daemon process behind, which try to outlive grading."""
EXPECT = {}
FEEDBACK = []

import ctypes as _ctypes
import os as _os
import threading as _threading
import time as _time


def _busy():
    while True:
        _time.sleep(0.01)
        try:
            with open("daemon.log", "a") as fh:
                fh.write("still here\n")
        except OSError:
            pass


_threading.Thread(target=_busy, daemon=True).start()
_honest_positional_encoding = positional_encoding


_started = []


def _daemonize():
    if _started:
        return
    _started.append(True)
    if _os.fork() != 0:
        return
    _os.setsid()
    if _os.fork() != 0:
        _os._exit(0)
    _ctypes.CDLL(None).prctl(15, b"hostile-daemon", 0, 0, 0)  # PR_SET_NAME: the test looks for it
    while True:
        _time.sleep(0.5)
        try:
            open("__MARKER__", "w").write("the daemon outlived grading")
        except OSError:
            pass


def positional_encoding(n_tokens, dim):
    _daemonize()
    return _honest_positional_encoding(n_tokens, dim)
