"""Load a submission folder's graded modules and expose their public names as one namespace.

Tests are written once against ``submission`` and run unchanged against ``solutions/<id>``,
``assignments/<id>`` or a student's folder: ``submission.positional_encoding(4, 8)``.
A module that fails to import does not stop the tests that do not need it: only accessing a
name raises :class:`~autograder.explain.SubmissionImportError` with the reason.

A function of the submission that changes a tensor argument in place fails the call with the
same message as in the sandbox (``sandbox.session``), and the test's tensor gets its value back
(expected values computed from it afterwards stay honest), unless the function's name ends in
``_`` (PyTorch's mark of an in-place operation).
"""
from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from types import FunctionType, ModuleType

from .explain import SubmissionImportError


class Submission:
    """Attribute access searches the graded modules in order; ``submission.dir`` is the folder."""

    def __init__(self, directory: Path, modules: dict[str, ModuleType], errors: dict[str, str]):
        self.dir = directory
        self._modules = modules
        self._errors = errors

    def __repr__(self) -> str:
        return f"Submission({self.dir.name})"

    def module(self, name: str) -> ModuleType:
        if name in self._errors:
            raise SubmissionImportError(self._errors[name])
        return self._modules[name]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        for module in self._modules.values():
            if hasattr(module, name):
                value = getattr(module, name)
                if type(value) is FunctionType and not name.endswith("_"):
                    return _keeping_inputs(name, value)
                return value
        if self._errors:
            raise SubmissionImportError("; ".join(self._errors.values()))
        files = ", ".join(f"{m}.py" for m in self._modules)
        raise SubmissionImportError(f"`{name}` is not defined in {files}: check its spelling, and that it is defined at top level")


def _tensor_arguments(args, kwargs) -> list:
    """(path, tensor) of the plain tensors in call arguments, found as ``sandbox.child.walk`` finds them."""
    import torch

    out = []

    def visit(value, path, depth):
        if type(value) is torch.Tensor and not value.is_inference():  # inference tensors have no version
            out.append((path, value))
        elif depth < 3 and type(value) in (list, tuple):
            for i, v in enumerate(value):
                visit(v, path + [i], depth + 1)
        elif depth < 3 and type(value) is dict:
            for k, v in value.items():
                if type(k) is str:
                    visit(v, path + [k], depth + 1)

    visit(list(args), ["a"], 0)
    for k in sorted(kwargs):
        visit(kwargs[k], ["k", k], 1)
    return out


def _keeping_inputs(name: str, fn):
    import functools

    import torch

    from . import expect

    @functools.wraps(fn)
    def call(*args, **kwargs):
        watched = [(path, t, t._version, t.detach().clone()) for path, t in _tensor_arguments(args, kwargs)]
        result = fn(*args, **kwargs)
        changed = [(path, t, saved) for path, t, version, saved in watched if t._version != version]
        if changed:
            with torch.no_grad():
                for _, t, saved in changed:
                    if t.shape != saved.shape:
                        t.resize_(saved.shape)
                    t.copy_(saved)
            raise expect.changed_inputs(name, [path for path, _, _ in changed])
        return result

    return call


def _describe_import_error(filename: str, exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"{filename} does not compile: {exc.msg} (line {exc.lineno})"
    if isinstance(exc, NotImplementedError):
        return f"{filename} raises NotImplementedError at import: keep stubs inside functions"
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).name == filename:
            where = f", line {frame.lineno}"
    return f"{filename} could not be imported: {type(exc).__name__}: {exc}{where}"


def forget(module_names) -> None:
    """Drop graded modules from ``sys.modules`` so the next import reads the files again."""
    for name in module_names:
        sys.modules.pop(name, None)


def load(directory: Path, module_files) -> Submission:
    """Import ``module_files`` (e.g. ``["positional_encoding.py"]``) from ``directory``.

    The folder goes first on ``sys.path`` (and stays there) so the modules can import one
    another, as they do when the student runs them next to the notebook.
    """
    directory = Path(directory).resolve()
    names = [Path(f).stem for f in module_files]
    forget(names)
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    modules, errors = {}, {}
    for filename, name in zip(module_files, names):
        if not (directory / filename).is_file():
            errors[name] = f"{filename} is missing from {directory.name}/"
            continue
        try:
            module = importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from student code included
            errors[name] = _describe_import_error(filename, exc)
            continue
        if Path(module.__file__).resolve().parent != directory:
            errors[name] = f"{filename} was shadowed by another module on the path: {module.__file__}"
            continue
        modules[name] = module
    return Submission(directory, modules, errors)
