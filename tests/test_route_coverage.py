"""Every route has a row in some authorization matrix: API routes (under /api/v1/) in an API
matrix (`MATRIX` of `tests.authz.Row`), every other route (the HTML pages, the schema and its
docs) in a web matrix (`WEB_MATRIX` of `tests.web_authz.WebRow`).

A matrix module listed here that cannot be imported, or has no matrix, fails the test: a
renamed or deleted module must not quietly stop guarding its routes.
"""

from __future__ import annotations

import importlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.authz import Row
from tests.web_authz import WebRow

MATRIX_MODULES = [
    "tests.practice.test_authz",
    "tests.clients.test_authz",
    "tests.sessions.test_authz_notes",
    "tests.sessions.test_authz_homework",
    "tests.sessions.test_authz_appointments",
    "tests.sessions.test_authz_drafting",
    "tests.insights.test_authz",
    "tests.insights.test_authz_reports",
    "tests.insights.test_authz_ai",
    "tests.insights.test_authz_alerts",
]
WEB_MATRIX_MODULES = [
    "tests.practice.test_web_authz",
    "tests.practice.test_web_authz_accounts",
    "tests.practice.test_web_authz_ai_policy",
    "tests.clients.test_web_authz",
    "tests.clients.test_web_authz_safety_plan",
    "tests.sessions.test_web_authz",
    "tests.sessions.test_web_authz_appointments",
    "tests.sessions.test_web_authz_workspace",
    "tests.sessions.test_web_authz_drafting",
    "tests.insights.test_web_authz",
    "tests.insights.test_web_authz_reports",
]
# Routes that are deliberately public: they authenticate the caller themselves.
PUBLIC_ROUTES = {"api-token", "api-accept-invite"}
# Pages reached before signing in, and the health probes a load balancer calls.
PUBLIC_WEB_ROUTES = {"login", "portal-accept-invite", "health-live", "health-ready"}
# Reached before signing in: asking for a password reset, following its link, accepting a staff invite.
PUBLIC_WEB_ROUTES |= {
    "password_reset",
    "password_reset_sent",
    "password_reset_done",
    "password_reset_confirm",
    "staff-accept-invite",
}
API_PREFIX = "api/v1/"


def _routes() -> list[tuple[str, str | None]]:
    """(route, name) of every URL pattern, nested includes walked."""
    found: list[tuple[str, str | None]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append((route, pattern.name))

    walk(get_resolver().url_patterns, "")
    return found


def api_route_names() -> set[str]:
    names: set[str] = set()
    for route, name in _routes():
        if route.startswith(API_PREFIX):
            assert name, f"API route {route} has no name"
            names.add(name)
    return names


def web_route_names() -> set[str]:
    names: set[str] = set()
    for route, name in _routes():
        if not route.startswith(API_PREFIX):
            assert name, f"route /{route} has no name"
            names.add(name)
    return names


def matrix_rows(module_names: list[str], attribute: str, row_type: type) -> list:
    """Every row of the listed modules; a missing module or matrix fails, never skips."""
    rows, problems = [], []
    for module_name in module_names:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            problems.append(f"{module_name}: cannot be imported ({error})")
            continue
        matrix = getattr(module, attribute, None)
        if not matrix:
            problems.append(f"{module_name}: no {attribute}")
            continue
        wrong = [row for row in matrix if not isinstance(row, row_type)]
        if wrong:
            problems.append(f"{module_name}: {attribute} holds {len(wrong)} rows that are not {row_type.__name__}")
        rows.extend(matrix)
    if problems:
        pytest.fail("Authorization matrix modules missing or broken:\n" + "\n".join(problems))
    return rows


def covered_route_names() -> set[str]:
    return {row.url_name for row in matrix_rows(MATRIX_MODULES, "MATRIX", Row)}


def covered_web_route_names() -> set[str]:
    return {row.url_name for row in matrix_rows(WEB_MATRIX_MODULES, "WEB_MATRIX", WebRow)}


def test_every_api_route_has_an_authorization_matrix_row():
    missing = api_route_names() - covered_route_names() - PUBLIC_ROUTES
    assert not missing, f"API routes without an authorization matrix row: {sorted(missing)}"


def test_every_web_route_has_a_web_authorization_matrix_row():
    missing = web_route_names() - covered_web_route_names() - PUBLIC_WEB_ROUTES
    assert not missing, f"HTML routes without a web authorization matrix row: {sorted(missing)}"


def test_matrices_name_only_routes_that_exist():
    """A row for a renamed route would cover nothing (and the route it meant would be missed)."""
    stale = (covered_route_names() - api_route_names()) | (covered_web_route_names() - web_route_names())
    assert not stale, f"matrix rows for routes that do not exist: {sorted(stale)}"


def test_public_exceptions_are_real_routes():
    assert not PUBLIC_ROUTES - api_route_names()
    assert not PUBLIC_WEB_ROUTES - web_route_names()


def test_route_walk_finds_the_core_routes():
    assert {"api-clients", "api-client-detail", "api-audit", "api-members"} <= api_route_names()
    assert {"home", "login", "client-chart", "dashboard", "portal-home", "reports"} <= web_route_names()
    assert not api_route_names() & web_route_names()


def test_a_missing_matrix_module_fails_rather_than_skips():
    with pytest.raises(pytest.fail.Exception, match=r"tests\.nowhere\.test_authz: cannot be imported"):
        matrix_rows(["tests.nowhere.test_authz"], "MATRIX", Row)
    with pytest.raises(pytest.fail.Exception, match="no WEB_MATRIX"):
        matrix_rows(["tests.practice.test_authz"], "WEB_MATRIX", WebRow)
