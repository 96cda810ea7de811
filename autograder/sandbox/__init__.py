"""Grading untrusted code: student modules run in an isolated child, tests and verdicts here.

One room per protocol:

    judge.py       the isolated grading of one folder: ``suite.run`` with the sandbox's plugin
    session.py     one submission's children, deadlines and restarts (grader side)
    proxy.py       grader-side stand-ins for objects that live in the child
    child.py       the runtime inside the child: imports the submission, answers requests
    values.py      plain-data encoding of results (child) and its strict decoder (grader)
    sync.py        in-place changes to arguments, RNG states and output files: both halves
    wire.py        the grader <-> child socket protocol (frames from ``autograder.framing``)
    files.py       a submission's files: collected, staged, safely named, scratch cleaned up
    forkserver.py  the warm process that forks sandboxes (its loop) and the grader's client of it
    jail.py        the three processes of a sandbox (A, B, C) and their typed ``Spec``; namespaces,
                   the minimal root file system, limits, privilege drop, Landlock
    linux.py       ctypes wrappers for the Linux calls jail.py needs
    pristine.py    the built-ins before student code ran, for the modules that run next to it
    limits.py      time, memory, process and file limits
    errors.py      what a test raises when the sandbox stopped student code
    fixture.py     the ``submission`` fixture of an isolated run
"""
