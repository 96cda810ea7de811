"""The built-ins as they were before any student code ran, for the modules that run next to it.

Student code in a sandboxed child shares the interpreter with the child's runtime: it can replace
``builtins.len``, ``builtins.isinstance`` or ``builtins.type`` for everyone. A module whose
functions must keep working as written (the runtime, the encoders of replies, the sync of
arguments, the framing) binds this copy as its own built-ins, first thing::

    from .pristine import BUILTINS as __builtins__  # noqa: F401 - see pristine.py

Functions take their built-ins from their module's ``__builtins__`` when they are defined, so
every function defined below that line looks names up in this copy, which student code does not
reach through ``builtins``. The copy is taken when this module is first imported: in the fork
server's preload, long before a child imports a submission. (The grader's own process runs no
student code; there the copy is merely equal to the real built-ins.)
"""
import builtins

BUILTINS = dict(builtins.__dict__)
