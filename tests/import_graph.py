"""The project's import graph, read from the source (AST), for the layering tests.

Nothing is imported: each module of the four apps is parsed and its ``import`` statements
are read, at module level only (``deferred=False``: what runs when the module is imported) or
everywhere, function bodies included (``deferred=True``). ``from package import name`` is an
edge to ``package.name`` when that is a module, otherwise to ``package``: importing a submodule
of a package that is still initialising is not a cycle, reading one of its attributes is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("practice", "clients", "sessions", "insights")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every Python module of the apps (migrations excluded), by dotted name."""
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


@cache
def tree(module: str) -> ast.Module:
    return ast.parse(modules()[module].read_text(encoding="utf-8"), filename=str(modules()[module]))


def _statements(module: str, deferred: bool) -> Iterable[ast.stmt]:
    if deferred:
        return (node for node in ast.walk(tree(module)) if isinstance(node, ast.stmt))
    return _module_level(tree(module).body)


def _module_level(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements that run on import: the body, and the branches of top-level if/try blocks."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If | ast.Try):
            branches = [statement.body, statement.orelse]
            if isinstance(statement, ast.Try):
                branches += [handler.body for handler in statement.handlers] + [statement.finalbody]
            for branch in branches:
                yield from _module_level(branch)


def _is_type_checking(statement: ast.stmt) -> bool:
    test = statement.test if isinstance(statement, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(module: str, *, deferred: bool) -> set[str]:
    """Every dotted name the module imports (project or not), as written."""
    names: set[str] = set()
    skipped: set[int] = set()
    for statement in _statements(module, deferred):
        if _is_type_checking(statement):
            # Annotations only: never executed, so not an import edge.
            skipped |= {id(node) for node in ast.walk(statement) if node is not statement}
            continue
        if id(statement) in skipped:
            continue
        if isinstance(statement, ast.Import):
            names |= {alias.name for alias in statement.names}
        elif isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
            for alias in statement.names:
                submodule = f"{statement.module}.{alias.name}"
                names.add(submodule if submodule in modules() else statement.module)
    return names


def project_imports(module: str, *, deferred: bool) -> set[str]:
    """The project modules this module imports (edges of the graph)."""
    return {name for name in imported_names(module, deferred=deferred) if name in modules()} - {module}


def cycles(names: Iterable[str], *, deferred: bool) -> list[list[str]]:
    """Strongly connected components of more than one module among `names` (Tarjan)."""
    nodes = set(names)
    graph = {name: project_imports(name, deferred=deferred) & nodes for name in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph[node]):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(found)
