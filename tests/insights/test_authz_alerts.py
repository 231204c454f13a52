from __future__ import annotations

import pytest

from insights.safety import raise_alert
from tests.authz import DENY_ALL, Row, run_row

THERAPISTS_LIST = {**DENY_ALL, "therapist": 200, "colleague": 200, "outsider": 200}


def alert_pk(ctx):
    return {"pk": ctx["alert"].pk}


MATRIX = [
    Row("api-alerts", "get", THERAPISTS_LIST),
    Row("api-alert-detail", "get", {**DENY_ALL, "therapist": 200}, kwargs=alert_pk),
    Row(
        "api-alert-acknowledge",
        "post",
        {**DENY_ALL, "therapist": 200},
        kwargs=alert_pk,
        data=lambda ctx: {"note": "Called the client"},
    ),
    Row(
        "api-alert-resolve",
        "post",
        {**DENY_ALL, "therapist": 200},
        kwargs=alert_pk,
        data=lambda ctx: {"outcome": "contacted_client", "note": "Safety plan reviewed by phone"},
    ),
]


@pytest.fixture
def ctx(actors, client_record):
    alert = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="test")
    return {"actors": actors, "client": client_record, "alert": alert}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_alert_route_authorization(row, ctx):
    run_row(row, ctx)
