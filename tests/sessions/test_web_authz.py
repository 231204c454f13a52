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
from tests.conftest import PHI_CANARY, web_as
from tests.factories import ProgressNoteFactory, SessionFactory
from tests.web_authz import THERAPISTS, WebRow, only, run_web_row

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
    return {"actors": actors, "client": client_record, "session": session, "draft": draft, "signed": signed}


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
