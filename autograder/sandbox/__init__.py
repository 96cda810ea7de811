"""Grading untrusted code: student modules run in an isolated child, tests and verdicts here.

    judge.py       run an assignment's pytest suite against a sandboxed submission
    session.py     one submission's children, deadlines and restarts (grader side)
    proxy.py       grader-side stand-ins for objects that live in the child
    values.py      plain-data encoding of results (child) and its strict decoder (grader)
    wire.py        socket framing between grader and child
    child.py       the runtime inside the child
    forkserver.py  the warm process that forks children; the grader's client of it
    jail.py        namespaces, the minimal root file system, limits, privilege drop, Landlock
    linux.py       ctypes wrappers for the Linux calls jail.py needs
    limits.py      time, memory, process and file limits
    errors.py      what a test raises when the sandbox stopped student code
"""
