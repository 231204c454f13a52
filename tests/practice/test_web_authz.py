"""Web authorization matrix for the practice pages: home, sign-out, two-factor, API docs.

Sign-in itself (`login`) is public and listed in tests/test_route_coverage.py.
"""

from __future__ import annotations

import pytest

from tests.authz import ACTORS
from tests.web_authz import ANY_MEMBER, STAFF, WebRow, only, run_web_row

WRONG_CODE = {"otp": "000000"}


def settings_form(ctx) -> dict:
    return {
        "name": "Northside Therapy and Counselling",
        "country": "GB",
        "time_zone": "Europe/London",
        "locale": "en-GB",
        "urgent_ack_minutes": "45",
        "concern_ack_business_days": "2",
        "backup_clinician": str(ctx["actors"]["colleague"].membership.pk),
        "note_overdue_hours": "48",
        "not_on_track_session": "6",
        "pcl5_cutoff": "33",
    }


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
    # Practice settings and crisis lines: admins only (CONFIGURE_PRACTICE); the page does not
    # exist for any other role.
    WebRow("practice-settings", "get", only(200, "admin")),
    WebRow("practice-settings", "post", only(302, "admin"), data=settings_form),
    WebRow("practice-settings", "post", only(400, "admin"), data=lambda ctx: {"name": ""}),
    WebRow("practice-crisis-lines", "get", only(200, "admin")),
    WebRow("practice-crisis-lines", "post", only(302, "admin"), data=lambda ctx: {"action": "reset"}),
    # The audit log: admins only (VIEW_AUDIT); the export is a POST (it records an EXPORT).
    WebRow("audit-log", "get", only(200, "admin")),
    WebRow("audit-log", "get", only(200, "admin"), query="client={client.pk}&since=2020-01-01"),
    WebRow("audit-log", "get", only(400, "admin"), query="since=yesterday"),
    WebRow("audit-log-export", "post", only(200, "admin"), data=lambda ctx: {"client": ctx["client"].pk}),
    WebRow("audit-log-export", "get", only(405, "admin")),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_practice_page_authorization(row, ctx):
    run_web_row(row, ctx)
