"""Web authorization matrix for the practice pages: home, sign-out, two-factor, API docs.

Sign-in itself (`login`) is public and listed in tests/test_route_coverage.py.
"""

from __future__ import annotations

import pytest

from tests.authz import ACTORS
from tests.web_authz import ANY_MEMBER, STAFF, WebRow, run_web_row

WRONG_CODE = {"otp": "000000"}

WEB_MATRIX = [
    # Home sends each role to its own start page.
    WebRow("home", "get", {**dict.fromkeys(ACTORS, 302)}),
    WebRow("logout", "post", {**dict.fromkeys(ACTORS, 302)}),
    WebRow("logout", "get", {**dict.fromkeys(ACTORS, 405)}),
    WebRow("mfa_verify", "get", ANY_MEMBER),
    WebRow("mfa_verify", "post", ANY_MEMBER, data=lambda ctx: WRONG_CODE),
    WebRow("mfa_setup", "get", ANY_MEMBER),
    WebRow("mfa_setup", "post", ANY_MEMBER, data=lambda ctx: WRONG_CODE),
    # The OpenAPI schema and its docs page: signed-in staff only (API.md). Served by DRF, so a
    # refusal is 403 (the docs are no secret), for an anonymous visitor too.
    WebRow("schema", "get", {**dict.fromkeys(ACTORS, 403), **dict.fromkeys(STAFF, 200)}),
    WebRow("api-docs", "get", {**dict.fromkeys(ACTORS, 403), **dict.fromkeys(STAFF, 200)}),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_practice_page_authorization(row, ctx):
    run_web_row(row, ctx)
