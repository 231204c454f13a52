"""Authorization matrix for the insights routes (a plain list: other routes append rows)."""

from __future__ import annotations

import pytest

from tests.authz import DENY_ALL, Row, run_row


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


MATRIX = [
    # Care-team therapists only: managers/admins see no clinical content, and a client does
    # not see the clinician's engagement analytics about them.
    Row("api-client-insights", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_insights_route_authorization(row, ctx):
    run_row(row, ctx)
