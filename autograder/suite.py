"""Run an assignment's pytest suite in this process, any number of times, for any assignment.

With ``--import-mode=importlib`` pytest names a test module after its path below ``--rootdir``
(the suite's ``tests/`` folder), so ``a1/tests/test_data.py`` and ``a5/tests/test_data.py`` are
both ``test_data``, and pytest reuses a module already in ``sys.modules`` under that name. A
second in-process run (collection, ``check``, an isolated grading run) would then silently get the
first assignment's tests, markers and points. :func:`in_process` drops those modules before and
after each run and restores ``sys.path``, which pytest's ``pythonpath``/rootdir handling extends.

It also activates the grading plugin (``autograder.pytest_plugin``) for that one run, through
pytest's ``PYTEST_PLUGINS`` variable: the plugin is no entry point, so pytest runs that the
autograder did not start never see it.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from .course import Assignment

PLUGIN = "autograder.pytest_plugin"


def forget_suite_modules(assignment: Assignment) -> None:
    """Drop every module imported from the course's ``solutions/``/``assignments/`` folders or the suite."""
    roots = (str(assignment.root / "solutions") + "/", str(assignment.root / "assignments") + "/",
             str(assignment.tests_dir()) + "/")
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(roots):
            del sys.modules[name]


@contextlib.contextmanager
def in_process(assignment: Assignment) -> Iterator[None]:
    """Wrap one ``pytest.main`` call on ``assignment``'s suite so that it sees only its own modules."""
    saved_path = list(sys.path)
    saved_plugins = os.environ.get("PYTEST_PLUGINS")
    os.environ["PYTEST_PLUGINS"] = ",".join(filter(None, [saved_plugins, PLUGIN]))
    forget_suite_modules(assignment)
    try:
        yield
    finally:
        sys.path[:] = saved_path
        if saved_plugins is None:
            os.environ.pop("PYTEST_PLUGINS", None)
        else:
            os.environ["PYTEST_PLUGINS"] = saved_plugins
        forget_suite_modules(assignment)
