"""Web authorization matrix for the alerts page and the practice report.

Any therapist has an alerts page (their own caseload's); acting on one client's alert is for
that client's care team, supervisor included (as in the API). The report is for managers and
admins only; everyone else gets 404.
"""

from __future__ import annotations

import pytest

from insights.safety import raise_alert
from tests.web_authz import THERAPISTS, WebRow, only, run_web_row


def acknowledge(ctx):
    pk = ctx["alert"].pk
    return {"alert": pk, "action": "acknowledge", f"ack-{pk}-note": "Called the client"}


WEB_MATRIX = [
    WebRow("alerts", "get", only(200, *THERAPISTS)),
    # Another therapist's client's alert is not in their list: 404, nothing changed.
    WebRow("alerts", "post", only(302, "therapist", "supervisor"), data=acknowledge),
    WebRow("reports", "get", only(200, "manager", "admin")),
]


@pytest.fixture
def ctx(actors, client_record):
    alert = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="test")
    return {"actors": actors, "client": client_record, "alert": alert}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_insights_page_authorization(row, ctx):
    run_web_row(row, ctx)
