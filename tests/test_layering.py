"""Layering rules of the read layer (issue 12), checked on the source (AST), not at run time.

1. View modules (`api.py`, `web.py`, `api_*.py`, `web_*.py`, or anything in an `api/` or
   `web/` package) of practice, clients, sessions and insights get records through the
   app's selectors and are guarded by capabilities, so they never name
   - `Client.objects` (scoping lives in `clients/selectors.py` accessors),
   - `AuditAction.READ` (a selector that returns clinical content records the read),
   - a role literal in a comparison or membership test (`role != Role.THERAPIST`,
     `role in (Role.MANAGER, Role.ADMIN)`, `user.role == "client"`): guards consult
     `practice/roles.py` capabilities.
2. Services, selectors and models never import the HTTP layer (DRF, practice.api_support,
   practice.permissions): their errors are practice/errors.py's.
3. Task modules (`tasks.py`, `*_tasks.py`, or anything in a `tasks/` package) call domain
   functions, never services: no import of a `services` module (`x.services`,
   `x.services.notes`, `from x import services`, `from .services import ...`).

Each failure lists file:line and the offending source.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from practice.roles import Role

ROOT = Path(__file__).resolve().parent.parent
APPS = ("practice", "clients", "sessions", "insights")
ROLE_VALUES = frozenset(role.value for role in Role)
ROLE_MEMBERS = frozenset(role.name for role in Role)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    source: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.source}"


def _python_files() -> list[Path]:
    files: list[Path] = []
    for app in APPS:
        files += [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    return sorted(files)


def is_view_module(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    packages = relative.parts[1:-1]
    name = path.stem
    return (
        name in {"api", "web"}
        or name.startswith(("api_", "web_"))
        or any(part in {"api", "web"} or part.startswith(("api_", "web_")) for part in packages)
    )


def is_task_module(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    return path.stem == "tasks" or path.stem.endswith("_tasks") or "tasks" in relative.parts[1:-1]


def _segment(source: str, node: ast.AST) -> str:
    return (ast.get_source_segment(source, node) or ast.dump(node))[:120]


def _aliases(tree: ast.Module, name: str) -> set[str]:
    """`name` and whatever it is imported as in this module (`from x import Client as C`)."""
    found = {name}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found |= {alias.asname for alias in node.names if alias.name == name and alias.asname}
    return found


def _names(node: ast.AST, names: set[str]) -> bool:
    """`Client` or `anything.Client` (with `names` the aliases of `Client`)."""
    return (isinstance(node, ast.Name) and node.id in names) or (isinstance(node, ast.Attribute) and node.attr in names)


def _is_role_literal(node: ast.AST, role_names: set[str]) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in ROLE_MEMBERS and _names(node.value, role_names):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_role_literal(element, role_names) for element in node.elts)
    return False


def _mentions_role(node: ast.AST) -> bool:
    return any(
        (isinstance(child, ast.Name) and "role" in child.id.lower())
        or (isinstance(child, ast.Attribute) and "role" in child.attr.lower())
        for child in ast.walk(node)
    )


def _is_role_string(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in ROLE_VALUES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_role_string(element) for element in node.elts)
    return False


def view_violations(path: str, source: str) -> list[Violation]:
    tree = ast.parse(source)
    client_names = _aliases(tree, "Client")
    audit_names = _aliases(tree, "AuditAction")
    role_names = _aliases(tree, "Role")
    found: list[Violation] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects" and _names(node.value, client_names):
            found.append(Violation(path, node.lineno, "names Client.objects", _segment(source, node)))
        elif isinstance(node, ast.Attribute) and node.attr == "READ" and _names(node.value, audit_names):
            found.append(Violation(path, node.lineno, "names AuditAction.READ", _segment(source, node)))
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_role_literal(operand, role_names) for operand in operands) or (
                any(_is_role_string(operand) for operand in operands) and _mentions_role(node)
            ):
                found.append(Violation(path, node.lineno, "compares against a role literal", _segment(source, node)))
    return sorted(found, key=lambda violation: (violation.line, violation.rule))


def _is_service_module(module: str) -> bool:
    return "services" in module.split(".")


def task_violations(path: str, source: str) -> list[Violation]:
    found: list[Violation] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names if _is_service_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            imported = (
                [module]
                if _is_service_module(module)
                else [f"{module}.{alias.name}" for alias in node.names if alias.name == "services"]
            )
        else:
            continue
        if imported:
            found.append(Violation(path, node.lineno, f"task module imports {imported[0]}", _segment(source, node)))
    return sorted(found, key=lambda violation: violation.line)


def _scan(select, check) -> tuple[list[Path], list[Violation]]:
    paths = [path for path in _python_files() if select(path)]
    violations: list[Violation] = []
    for path in paths:
        violations += check(str(path.relative_to(ROOT)), path.read_text())
    return paths, violations


def _report(heading: str, violations: list[Violation]) -> str:
    return f"{heading} ({len(violations)}):\n" + "\n".join(str(violation) for violation in violations)


def test_view_modules_use_selectors_and_capabilities():
    paths, violations = _scan(is_view_module, view_violations)
    assert len(paths) >= 10, f"found only {len(paths)} view modules: has the layout changed?"
    if violations:
        pytest.fail(_report("View modules that scope, audit or check roles themselves", violations), pytrace=False)


def test_task_modules_do_not_import_services():
    paths, violations = _scan(is_task_module, task_violations)
    assert len(paths) >= 3, f"found only {len(paths)} task modules: has the layout changed?"
    if violations:
        pytest.fail(_report("Task modules that import a service module", violations), pytrace=False)


HTTP_LAYER = ("rest_framework", "practice.api_support", "practice.permissions", "drf_spectacular")


def is_domain_module(path: Path) -> bool:
    """Services, selectors and models: the layers below the views (STYLE.md: domain code never
    imports the API layer; its errors live in practice/errors.py)."""
    relative = path.relative_to(ROOT)
    return path.stem in {"selectors", "models"} or "services" in relative.parts or path.stem == "services"


def _is_http_layer(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in HTTP_LAYER)


def domain_violations(path: str, source: str) -> list[Violation]:
    violations = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        else:
            continue
        violations += [
            Violation(path, node.lineno, "domain module imports the HTTP layer", module)
            for module in modules
            if _is_http_layer(module)
        ]
    return violations


def test_domain_modules_do_not_import_the_http_layer():
    paths, violations = _scan(is_domain_module, domain_violations)
    assert len(paths) >= 8, f"found only {len(paths)} domain modules: has the layout changed?"
    if violations:
        pytest.fail(_report("Services, selectors or models that import the HTTP layer", violations), pytrace=False)


def test_domain_check_catches_an_api_support_import():
    source = "from practice.api_support import DomainError\nimport rest_framework.exceptions\n"
    assert [violation.source for violation in domain_violations("x.py", source)] == [
        "practice.api_support",
        "rest_framework.exceptions",
    ]
    assert domain_violations("x.py", "from practice.errors import DomainError\n") == []


# ---------------------------------------------------------------------------
# The checks themselves catch what they are meant to (and nothing else)


def test_view_check_catches_each_kind_of_violation():
    source = """
from clients.models import Client as Record
from practice.audit import AuditAction
from practice.roles import Role

def view(request):
    client = Record.objects.get(pk=1)
    audit_record(action=AuditAction.READ)
    if request.user.role != Role.THERAPIST:
        raise Http404
    if role in (Role.MANAGER, Role.ADMIN):
        pass
    if request.user.role == "client":
        pass
    if Role.CLIENT == user.membership.role:
        pass
"""
    rules = [(violation.line, violation.rule) for violation in view_violations("x/web.py", source)]
    assert rules == [
        (7, "names Client.objects"),
        (8, "names AuditAction.READ"),
        (9, "compares against a role literal"),
        (11, "compares against a role literal"),
        (13, "compares against a role literal"),
        (15, "compares against a role literal"),
    ]


def test_view_check_allows_selectors_capabilities_and_role_filters():
    source = """
from clients import selectors
from practice.roles import Capability, Role, has_capability

def view(request, pk):
    client = selectors.client_for_read(user=request.user, client_id=pk)
    if not has_capability(request.user.role, Capability.VIEW_ROSTER):
        raise Http404
    therapists = Membership.objects.filter(role=Role.THERAPIST)
    audit_record(action=AuditAction.UPDATE)
    return client.status == "active"
"""
    assert view_violations("x/web.py", source) == []


def test_task_check_catches_every_form_of_service_import():
    source = """
import sessions.services
from clients.services.measures import assessment_record
from insights.ai import services
from .services import notes

def task(pk):
    from sessions.services import homework
"""
    lines = [violation.line for violation in task_violations("x/tasks.py", source)]
    assert lines == [2, 3, 4, 5, 8]


def test_task_check_allows_domain_imports():
    source = """
from clients.models import Client
from insights import engagement
from insights.ai import recommend
from practice.tasks_support import run_once
"""
    assert task_violations("x/tasks.py", source) == []


def test_module_classification():
    assert is_view_module(ROOT / "clients" / "web_chart.py")
    assert is_view_module(ROOT / "practice" / "api.py")
    assert is_view_module(ROOT / "insights" / "ai" / "api.py")
    assert is_view_module(ROOT / "clients" / "web" / "chart.py")
    assert not is_view_module(ROOT / "clients" / "selectors.py")
    assert is_task_module(ROOT / "insights" / "safety_tasks.py")
    assert is_task_module(ROOT / "insights" / "tasks" / "engagement.py")
    assert is_task_module(ROOT / "insights" / "ai" / "tasks.py")
    assert not is_task_module(ROOT / "practice" / "tasks_support.py")
