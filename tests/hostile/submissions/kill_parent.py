"""Tries to kill its parent, the grader (by pid), every process it can see, and -1; honest work."""
EXPECT = {}
FEEDBACK = []

import os as _os
import signal as _signal


def _kill_everyone():
    targets = [_os.getppid(), 1, __GRADER_PID__]
    try:
        targets += [int(p) for p in _os.listdir("/proc") if p.isdigit()]
    except OSError:
        pass
    for pid in targets:
        if pid != _os.getpid():
            try:
                _os.kill(pid, _signal.SIGKILL)
            except OSError:
                pass
    try:
        _os.kill(-1, _signal.SIGKILL)
    except OSError:
        pass


_kill_everyone()
_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    _kill_everyone()
    return _honest_attention_scores(X, E, mode)
