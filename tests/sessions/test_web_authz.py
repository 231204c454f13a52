"""Web authorization matrix for the therapist's workspace: caseload, schedule and notes.

`therapist` treats `client_record` and wrote its notes; `supervisor` reads them (403 on a
write, since they can see the record); every other role gets 404. POST-only routes answer
405 to a GET from a therapist (the role check comes first: 404 for everyone else).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import ProgressNote, Session
from sessions.services import availability
from tests.conftest import PHI_CANARY, web_as
from tests.factories import ProgressNoteFactory, SessionFactory
from tests.web_authz import NOBODY, THERAPISTS, WebRow, only, run_web_row

CARE_TEAM_READ = only(200, "therapist", "supervisor")
# A POST-only route asked with GET: the role check comes first, then the method.
GET_ON_POST_ONLY = only(405, *THERAPISTS)


def pk_of(name):
    return lambda ctx: {"pk": ctx[name].pk}


WEB_MATRIX = [
    # ---- lists of the therapist's own caseload: any therapist has one
    WebRow("dashboard", "get", only(200, *THERAPISTS)),
    WebRow("schedule", "get", only(200, *THERAPISTS)),
    WebRow(
        "schedule",
        "post",
        # A client outside one's caseload is not a choice on the form: 400, nothing booked.
        only(400, *THERAPISTS, therapist=302),
        data=lambda ctx: {
            "new-client": ctx["client"].pk,
            "new-starts_at": "2030-03-04T10:00",
            "new-duration_minutes": "50",
            "new-kind": "individual",
        },
    ),
    WebRow(
        "session-status",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("session"),
        data=lambda ctx: {"status": "no_show"},
    ),
    WebRow("session-status", "get", GET_ON_POST_ONLY, kwargs=pk_of("session")),
    # ---- the calendar (issue 14)
    WebRow("schedule", "get", only(200, *THERAPISTS), query="view=day&date=2030-03-04"),
    WebRow("schedule", "get", only(200, *THERAPISTS), query="view=month&date=2030-03-04"),
    WebRow("schedule-book", "get", only(200, *THERAPISTS), query="start=2030-03-04T10:00"),
    WebRow(
        "schedule-book",
        "post",
        only(400, *THERAPISTS, therapist=302),
        data=lambda ctx: {
            "new-client": ctx["client"].pk,
            "new-starts_at": "2030-03-05T10:00",
            "new-duration_minutes": "50",
            "new-kind": "individual",
            "new-repeat": "weekly",
            "new-ends": "count",
            "new-count": "4",
        },
    ),
    WebRow("session-detail", "get", CARE_TEAM_READ, kwargs=pk_of("upcoming")),
    WebRow(
        "session-reschedule",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("upcoming"),
        data=lambda ctx: {"move-starts_at": "2030-03-06T11:00", "move-duration_minutes": "50"},
    ),
    WebRow("session-reschedule", "get", GET_ON_POST_ONLY, kwargs=pk_of("upcoming")),
    WebRow(
        "session-cancel",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("upcoming"),
        data=lambda ctx: {"cancel-cancelled_by": "client", "cancel-cancellation_reason": "Travelling"},
    ),
    WebRow("session-cancel", "get", GET_ON_POST_ONLY, kwargs=pk_of("upcoming")),
    # Every therapist has their own hours, time off and feed: each edits only their own.
    WebRow("availability", "get", only(200, *THERAPISTS)),
    WebRow(
        "availability",
        "post",
        only(302, *THERAPISTS),
        data=lambda ctx: {"time_zone": "Europe/London", "works0": "on", "start0": "09:00", "end0": "17:00"},
    ),
    WebRow(
        "time-off-add",
        "post",
        only(302, *THERAPISTS),
        data=lambda ctx: {"first_day": "2030-08-01", "last_day": "2030-08-14", "label": "Summer"},
    ),
    WebRow("time-off-add", "get", GET_ON_POST_ONLY),
    # Someone else's time off is not found, whoever asks.
    WebRow("time-off-delete", "post", only(302, "therapist"), kwargs=pk_of("time_off")),
    WebRow("time-off-delete", "get", GET_ON_POST_ONLY, kwargs=pk_of("time_off")),
    WebRow("calendar-feed-token", "post", only(302, *THERAPISTS), data=lambda ctx: {"action": "revoke"}),
    WebRow("calendar-feed-token", "post", only(200, *THERAPISTS), data=lambda ctx: {"action": "regenerate"}),
    WebRow("calendar-feed-token", "get", GET_ON_POST_ONLY),
    # The feed authenticates by its token alone (a calendar app has no session): the token opens
    # it for anyone holding it, a wrong token for no one.
    WebRow("calendar-feed", "get", {**dict.fromkeys(NOBODY, 200)}, kwargs=lambda ctx: {"token": ctx["feed_token"]}),
    WebRow("calendar-feed", "get", {**dict.fromkeys(NOBODY, 404)}, kwargs=lambda ctx: {"token": "not-a-token"}),
    # ---- the practice view: managers and admins, busy blocks without clinical content
    WebRow("practice-schedule", "get", only(200, "manager", "admin")),
    WebRow("practice-schedule", "get", only(200, "manager", "admin"), query="view=day&date=2030-03-04"),
    # ---- notes
    WebRow("note-new", "get", only(200, "therapist", supervisor=403), query="client={client.pk}"),
    WebRow(
        "note-new",
        "post",
        only(302, "therapist", supervisor=403),
        data=lambda ctx: {"client": ctx["client"].pk, "format": "soap"},
    ),
    WebRow("note-edit", "get", CARE_TEAM_READ, kwargs=pk_of("draft")),
    WebRow(
        "note-edit",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("draft"),
        data=lambda ctx: {"data": "Slept better.", "version": ctx["draft"].version},
    ),
    WebRow(
        "note-autosave",
        "post",
        only(200, "therapist", supervisor=403),
        kwargs=pk_of("draft"),
        data=lambda ctx: {"data": "Slept better.", "version": ctx["draft"].version},
    ),
    WebRow("note-autosave", "get", GET_ON_POST_ONLY, kwargs=pk_of("draft")),
    WebRow(
        "note-sign",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("draft"),
        data=lambda ctx: {"attest": "yes"},
    ),
    WebRow("note-sign", "get", GET_ON_POST_ONLY, kwargs=pk_of("draft")),
    WebRow(
        "note-addendum",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("signed"),
        data=lambda ctx: {"text": "Correction: the session was 45 minutes."},
    ),
    WebRow("note-addendum", "get", GET_ON_POST_ONLY, kwargs=pk_of("signed")),
]


@pytest.fixture
def ctx(actors, client_record, therapist):
    session = SessionFactory(
        client=client_record, starts_at=timezone.now() - dt.timedelta(days=1), status=Session.Status.ATTENDED
    )
    # The note body carries the canary that no one outside the care team may be shown.
    draft = ProgressNoteFactory(
        client=client_record, session=session, author=therapist, sections={"data": f"Said {PHI_CANARY}"}
    )
    signed = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        status=ProgressNote.Status.SIGNED,
        signed_at=timezone.now(),
        signed_by=therapist,
    )
    upcoming = SessionFactory(
        client=client_record, starts_at=timezone.now() + dt.timedelta(days=2), status=Session.Status.SCHEDULED
    )
    time_off = availability.time_off_add(
        membership=therapist.membership, actor=therapist, first_day=dt.date(2030, 1, 1), last_day=dt.date(2030, 1, 2)
    )
    feed_token = availability.feed_token_regenerate(membership=therapist.membership, actor=therapist)
    return {
        "actors": actors,
        "client": client_record,
        "session": session,
        "draft": draft,
        "signed": signed,
        "upcoming": upcoming,
        "time_off": time_off,
        "feed_token": feed_token,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_workspace_page_authorization(row, ctx):
    run_web_row(row, ctx)


@pytest.mark.django_db
def test_the_note_editor_shows_the_canary_to_the_care_team(ctx):
    """Keeps the matrix's "no clinical text outside the care team" check able to fail."""
    url = reverse("note-edit", args=[ctx["draft"].pk])
    for actor in ("therapist", "supervisor"):
        assert PHI_CANARY.encode() in web_as(ctx["actors"][actor]).get(url).content, actor
