"""Every API route has a row in some authorization matrix."""

from __future__ import annotations

import importlib

from django.urls import URLPattern, URLResolver, get_resolver

MATRIX_MODULES = [
    "tests.practice.test_authz",
    "tests.clients.test_authz",
    "tests.sessions.test_authz_notes",
    "tests.sessions.test_authz_homework",
    "tests.insights.test_authz",
    "tests.insights.test_authz_reports",
    "tests.insights.test_authz_ai",
    "tests.insights.test_authz_alerts",
]
# Routes that are deliberately public: they authenticate the caller themselves.
PUBLIC_ROUTES = {"api-token", "api-accept-invite"}


def api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                assert pattern.name, f"API route {route} has no name"
                names.add(pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def covered_route_names() -> set[str]:
    names: set[str] = set()
    for module_name in MATRIX_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        names.update(row.url_name for row in module.MATRIX)
    return names


def test_every_api_route_has_an_authorization_matrix_row():
    missing = api_route_names() - covered_route_names() - PUBLIC_ROUTES
    assert not missing, f"API routes without an authorization matrix row: {sorted(missing)}"


def test_route_walk_finds_the_core_routes():
    names = api_route_names()
    assert {"api-clients", "api-client-detail", "api-audit", "api-members"} <= names
