from __future__ import annotations

import pytest

from insights.safety import raise_alert
from tests.authz import DENY_ALL, Row, run_row

THERAPISTS_LIST = {**DENY_ALL, "therapist": 200, "supervisor": 200, "colleague": 200, "outsider": 200}
# The client's care team, supervisor included, reads and answers the client's alerts.
CARE_TEAM = {**DENY_ALL, "therapist": 200, "supervisor": 200}


def alert_pk(ctx):
    return {"pk": ctx["alert"].pk}


def fresh_alert_pk(ctx):
    """A new open alert for every caller: the first acknowledgement would close a shared one."""
    alert = raise_alert(client=ctx["client"], kind="risk_language", severity="urgent", reason="test")
    return {"pk": alert.pk}


MATRIX = [
    Row("api-alerts", "get", THERAPISTS_LIST),
    Row("api-alert-detail", "get", CARE_TEAM, kwargs=alert_pk),
    Row(
        "api-alert-acknowledge",
        "post",
        CARE_TEAM,
        kwargs=fresh_alert_pk,
        data=lambda ctx: {"note": "Called the client"},
    ),
    Row(
        "api-alert-resolve",
        "post",
        CARE_TEAM,
        kwargs=fresh_alert_pk,
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
