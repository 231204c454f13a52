"""Web authorization matrix for the AI policy page (practice admins and managers only).

A denied request changes nothing (no profile, no consent text version, no audit event); an
answered GET writes nothing but the READ event of the run log.
"""

from __future__ import annotations

import pytest

from tests.web_authz import WebRow, only, run_web_row


def illinois(ctx) -> dict:
    return {"profile": "illinois"}


def custom(ctx) -> dict:
    return {"profile": "custom", "feature_session_brief": "on", "feature_nudge_timing": "on"}


WEB_MATRIX = [
    WebRow("ai-policy", "get", only(200, "admin", "manager")),
    WebRow("ai-policy", "get", only(200, "admin", "manager"), query="page=2"),
    WebRow("ai-policy", "post", only(302, "admin", "manager"), data=illinois),
    WebRow("ai-policy", "post", only(302, "admin", "manager"), data=custom),
    WebRow("ai-policy", "post", only(400, "admin", "manager"), data=lambda ctx: {"profile": "anything"}),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_ai_policy_page_authorization(row, ctx):
    run_web_row(row, ctx)
