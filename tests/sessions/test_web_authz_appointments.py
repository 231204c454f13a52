"""Web authorization matrix for appointments, reminders and telehealth (issue 14 items 5-7).

The portal pages answer the client user only (everyone else 404); `client_user` owns the
session, so `other_client_user` gets 404 on it. The practice's reminder settings are for
managers and admins (CONFIGURE_SCHEDULING). The placeholder video room is for anyone signed in
(it shows nothing but the room name in its own URL).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.models import Session
from tests.factories import SessionFactory
from tests.web_authz import CLIENTS, WebRow, only, run_web_row


def session_of(ctx):
    return {"session_id": ctx["session"].pk}


WEB_MATRIX = [
    WebRow("portal-appointments", "get", only(200, *CLIENTS)),
    WebRow("portal-appointment-cancel", "get", only(200, "client_user"), kwargs=session_of),
    WebRow(
        "portal-appointment-cancel",
        "post",
        only(302, "client_user"),
        kwargs=session_of,
        data=lambda ctx: {"reason": "Work trip"},
    ),
    WebRow("portal-appointment-ics", "get", only(200, "client_user"), kwargs=session_of),
    WebRow("portal-appointment-reminders", "get", only(405, *CLIENTS)),
    WebRow(
        "portal-appointment-reminders",
        "post",
        only(302, *CLIENTS),
        data=lambda ctx: {"appointment_channel": "none", "mobile": ""},
    ),
    WebRow("reminder-settings", "get", only(200, "manager", "admin")),
    WebRow(
        "reminder-settings",
        "post",
        only(302, "manager", "admin"),
        data=lambda ctx: {
            "enabled": "on",
            "offsets": ["1440", "120"],
            "channels": ["email"],
            "late_cancel_hours": "24",
            "reminder_name": "",
            "video_base_url": "",
        },
    ),
    # The client's own session, or one of a client the caller may read: anyone else, 404.
    WebRow(
        "video-room",
        "get",
        only(200, "therapist", "supervisor", "client_user"),
        kwargs=lambda ctx: {"room": ctx["session"].video_room},
    ),
]


@pytest.fixture
def ctx(actors, client_record):
    session = SessionFactory(
        client=client_record,
        starts_at=timezone.now() + dt.timedelta(hours=3),
        status=Session.Status.SCHEDULED,
        modality=Session.Modality.VIDEO,
        video_room="room-for-the-matrix",
    )
    return {"actors": actors, "client": client_record, "session": session}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_appointment_page_authorization(row, ctx):
    run_web_row(row, ctx)
