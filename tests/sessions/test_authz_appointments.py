"""API authorization matrix for the client's appointments (issue 14 item 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.models import Session
from tests.authz import DENY_ALL, Row, run_row
from tests.factories import SessionFactory

MATRIX = [
    Row("api-me-appointments", "get", {**DENY_ALL, "client_user": 200, "other_client_user": 200}),
    Row(
        "api-me-appointment-cancel-request",
        "post",
        {**DENY_ALL, "client_user": 201},
        kwargs=lambda ctx: {"pk": ctx["session"].pk},
        data=lambda ctx: {"reason": "Work trip"},
    ),
]


@pytest.fixture
def ctx(actors, client_record):
    session = SessionFactory(
        client=client_record, starts_at=timezone.now() + dt.timedelta(days=3), status=Session.Status.SCHEDULED
    )
    return {"actors": actors, "client": client_record, "session": session}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_appointment_route_authorization(row, ctx):
    run_row(row, ctx)
