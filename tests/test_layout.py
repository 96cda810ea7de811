"""The package's import graph: no cycles, and no module reaches for another module's private names.

Every import counts, function-local ones included (a cycle hidden by a local import is still a
cycle a reader has to untangle). Read with ``ast`` from the source: nothing is imported here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import autograder

PACKAGE = Path(autograder.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name ``from <node.module> import ...`` refers to, in ``module``."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import in ``module`` of one of ours."""
    tree = ast.parse(MODULES[module].read_text(), str(MODULES[module]))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names if alias.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:  # ``from . import sibling``
                    found.append((f"{target}.{alias.name}", "", node.lineno))
                elif target in MODULES:
                    found.append((target, alias.name, node.lineno))
    return found


def graph() -> dict[str, set[str]]:
    edges = {m: set() for m in MODULES}
    for module in MODULES:
        for target, _name, _line in imports(module):
            if target != module and not module.startswith(target + "."):  # a package's own __init__
                edges[module].add(target)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle (as a path that starts and ends at the same module), or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_import_graph_has_no_cycle():
    cycle = _cycle(graph())
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(edges) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_a_private_name_of_another():
    private = [f"{module} line {line}: {name} from {target}"
               for module in MODULES for target, name, line in imports(module)
               if name.startswith("_") and not name.startswith("__") and target != module]
    assert not private, "private names imported across modules:\n" + "\n".join(private)


def test_the_import_reader_sees_relative_and_local_imports():
    found = {(t, n) for t, n, _ in imports("autograder.sandbox.judge")}
    assert ("autograder.suite", "") in found, found          # from .. import suite
    assert ("autograder.explain", "first_leaf") in found, found  # from ..explain import first_leaf
    assert any(t == "autograder.sandbox.session" for t, _ in found), found
