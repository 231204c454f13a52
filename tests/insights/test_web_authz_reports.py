"""Web authorization matrix for the report's "Refresh figures" POST: managers and admins
(VIEW_REPORTS); every other role 404 and nothing recomputed."""

from __future__ import annotations

import pytest

from tests.web_authz import WebRow, only, run_web_row

WEB_MATRIX = [
    WebRow("reports-refresh", "post", only(302, "manager", "admin"), data=lambda ctx: {"start": "2026-01-01"}),
    WebRow("reports-refresh", "get", only(405, "manager", "admin")),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_report_refresh_authorization(row, ctx):
    run_web_row(row, ctx)
