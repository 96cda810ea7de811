"""Run part of a suite: ``check --task K`` and pytest-style ``-k EXPR`` as pytest arguments.

:func:`choose` turns the choice into a :class:`Selection`: the test files that can hold task K's
tests (they replace the suite folder on pytest's command line, so the other files are not even
imported: a one-task check starts faster), and the options ``--task=K`` (the grading plugin
deselects every test of another task, whatever file it is in) and ``-k EXPR``. Tasks are read from the test files
without importing them: each file's module-level ``pytestmark = pytest.mark.task("K", "title")``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Selection:
    """The tests of one partial run: pytest's positional ``paths`` (test files or node ids, absolute
    or relative to the suite folder) and its selection ``options`` (``--task=K``, ``-k EXPR``)."""
    paths: tuple[str, ...]
    options: tuple[str, ...] = ()


class UnknownTask(ValueError):
    """A ``--task`` that no test of the suite belongs to."""


def _module_task(test_file: Path) -> tuple[str, str] | None:
    """(key, title) of the file's module-level task marker; None if it has none we can read."""
    try:
        tree = ast.parse(test_file.read_text())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark"
                                                     for t in node.targets)):
            continue
        marks = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
        for mark in marks:
            if (isinstance(mark, ast.Call) and isinstance(mark.func, ast.Attribute) and mark.func.attr == "task"
                    and mark.args and isinstance(mark.args[0], ast.Constant)):
                title = mark.args[1].value if len(mark.args) > 1 and isinstance(mark.args[1], ast.Constant) else ""
                return str(mark.args[0].value), str(title)
    return None


def test_files(tests_dir: Path) -> dict[Path, tuple[str, str] | None]:
    """Every test file of the suite and its module-level task (None: not known without importing it)."""
    return {f: _module_task(f) for f in sorted(Path(tests_dir).rglob("test_*.py"))}


def tasks(tests_dir: Path) -> dict[str, str]:
    """{task key: title} of the tasks the suite's test files declare, in task order."""
    from .results import natural_key

    found = {known[0]: known[1] for known in test_files(tests_dir).values() if known}
    return {k: found[k] for k in sorted(found, key=natural_key)}


def listing(known: dict[str, str]) -> str:
    """The tasks as lines a student can copy from: ``  --task 2   positional_encoding``."""
    return "\n".join(f"  --task {k:<4} {title}".rstrip() for k, title in known.items())


def choose(tests_dir: Path, *, task: str | None = None, keyword: str | None = None) -> Selection:
    """The :class:`Selection` for ``task`` and ``keyword`` (``-k``); the whole suite folder when
    neither is given. Raises :class:`UnknownTask` (naming the tasks) for a task no test file declares."""
    tests_dir = Path(tests_dir)
    paths = [str(tests_dir)]
    options: list[str] = []
    if task is not None:
        task = str(task).strip()
        files = test_files(tests_dir)
        known = tasks(tests_dir)
        if task not in known and all(files.values()):
            raise UnknownTask(f"there is no task {task!r} in this assignment. Its tasks:\n{listing(known)}")
        paths = [str(f) for f, declared in files.items() if declared is None or declared[0] == task]
        options.append(f"--task={task}")
    if keyword:
        options += ["-k", keyword]
    return Selection(tuple(paths), tuple(options))
