"""Authorization matrix for sessions, progress notes and psychotherapy notes.

The standard actors: `therapist` is the client's primary therapist and the author of every
note here; `colleague` is in the practice but not on the care team. The care-team roles that
can see the record but not (or only partly) act on it, co-therapist and supervisor, have
their own matrix below.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import ProgressNote, PsychotherapyNote
from sessions.services.series import series_create
from tests.authz import DENY_ALL, Row, run_row
from tests.conftest import Snapshot, as_user, make_member
from tests.factories import ProgressNoteFactory, SessionFactory


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


def pk_of(name):
    return lambda ctx: {"pk": ctx[name].pk}


def new_session(ctx):
    return {
        "starts_at": "2030-03-04T10:00:00Z",
        "duration_minutes": 50,
        "kind": "individual",
        "status": "scheduled",
    }


def new_note(ctx):
    return {
        "session": ctx["session"].pk,
        "format": "dap",
        "sections": {"data": "Slept better."},
    }


MATRIX = [
    Row("api-client-sessions", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-sessions",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=new_session,
    ),
    Row(
        "api-session-detail",
        "get",
        {**DENY_ALL, "therapist": 200, "supervisor": 200},
        kwargs=pk_of("session"),
    ),
    Row(
        "api-session-detail",
        "patch",
        {**DENY_ALL, "therapist": 200, "supervisor": 403},
        kwargs=pk_of("session"),
        data=lambda ctx: {"status": "no_show"},
    ),
    # Recurring series (issue 14): the care team's writers only.
    Row(
        "api-client-series",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=lambda ctx: {"starts_at": "2030-03-05T10:00:00Z", "frequency": "weekly", "count": 3},
    ),
    Row(
        "api-session-cancel-following",
        "post",
        {**DENY_ALL, "therapist": 200, "supervisor": 403},
        kwargs=pk_of("occurrence"),
        data=lambda ctx: {"cancellation_reason": "Moving away", "cancelled_by": "client"},
    ),
    Row("api-client-notes", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-notes",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=new_note,
    ),
    Row("api-note-detail", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=pk_of("draft")),
    Row(
        "api-note-detail",
        "patch",
        {**DENY_ALL, "therapist": 200, "supervisor": 403},
        kwargs=pk_of("draft"),
        data=lambda ctx: {"sections": {"plan": "Review sleep diary."}},
    ),
    Row("api-note-sign", "post", {**DENY_ALL, "therapist": 200, "supervisor": 403}, kwargs=pk_of("draft")),
    # The author is not the client's supervisor: they can see the note but may not co-sign;
    # the supervisor co-signs.
    Row(
        "api-note-cosign",
        "post",
        {**DENY_ALL, "therapist": 403, "supervisor": 200},
        kwargs=pk_of("signed"),
    ),
    Row(
        "api-note-addenda",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=pk_of("signed"),
        data=lambda ctx: {"text": "Correction: the session was 45 minutes."},
    ),
    Row(
        "api-client-psychotherapy-notes",
        "get",
        {**DENY_ALL, "therapist": 200, "supervisor": 200},
        kwargs=client_pk,
    ),
    Row(
        "api-client-psychotherapy-notes",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=lambda ctx: {"text": "Countertransference: felt protective."},
    ),
    Row(
        "api-psychotherapy-note-detail",
        "get",
        {**DENY_ALL, "therapist": 200},  # the author only: the supervisor gets 404 too
        kwargs=pk_of("process_note"),
    ),
    Row(
        "api-psychotherapy-note-detail",
        "patch",
        {**DENY_ALL, "therapist": 200},
        kwargs=pk_of("process_note"),
        data=lambda ctx: {"text": "Revised reflection."},
    ),
]


@pytest.fixture
def ctx(actors, client_record, therapist):
    session = SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=1))
    draft = ProgressNoteFactory(client=client_record, session=session, author=therapist)
    signed = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        status=ProgressNote.Status.SIGNED,
        signed_at=timezone.now(),
        signed_by=therapist,
    )
    process_note = PsychotherapyNote.objects.create(client=client_record, author=therapist, text="Private reflection.")
    weekly = series_create(
        client=client_record,
        actor=therapist,
        starts_at=timezone.now() + dt.timedelta(days=3),
        time_zone="UTC",
        frequency="weekly",
        count=2,
    )
    return {
        "occurrence": weekly.occurrences.order_by("starts_at").first(),
        "actors": actors,
        "client": client_record,
        "session": session,
        "draft": draft,
        "signed": signed,
        "process_note": process_note,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_notes_route_authorization(row, ctx):
    run_row(row, ctx)


# ---------------------------------------------------------------- care-team roles

# What the co-therapist and the supervisor get. Both can read the clinical record. The
# co-therapist writes sessions, notes and addenda but signs or edits only their own notes;
# the supervisor only reads and co-signs. Neither ever sees the therapist's process notes.
CARE_TEAM = [
    (
        "api-client-sessions",
        "get",
        client_pk,
        None,
        {"co_therapist": 200, "supervisor": 200},
    ),
    (
        "api-client-sessions",
        "post",
        client_pk,
        new_session,
        {"co_therapist": 201, "supervisor": 403},
    ),
    (
        "api-session-detail",
        "get",
        pk_of("session"),
        None,
        {"co_therapist": 200, "supervisor": 200},
    ),
    (
        "api-session-detail",
        "patch",
        pk_of("session"),
        lambda ctx: {"status": "no_show"},
        {"co_therapist": 200, "supervisor": 403},
    ),
    (
        "api-client-notes",
        "get",
        client_pk,
        None,
        {"co_therapist": 200, "supervisor": 200},
    ),
    (
        "api-client-notes",
        "post",
        client_pk,
        new_note,
        {"co_therapist": 201, "supervisor": 403},
    ),
    (
        "api-note-detail",
        "get",
        pk_of("draft"),
        None,
        {"co_therapist": 200, "supervisor": 200},
    ),
    (
        "api-note-detail",
        "patch",
        pk_of("draft"),
        lambda ctx: {"sections": {"plan": "x"}},
        {"co_therapist": 403, "supervisor": 403},
    ),
    (
        "api-note-sign",
        "post",
        pk_of("draft"),
        None,
        {"co_therapist": 403, "supervisor": 403},
    ),
    (
        "api-note-cosign",
        "post",
        pk_of("signed"),
        None,
        {"co_therapist": 403, "supervisor": 200},
    ),
    (
        "api-note-addenda",
        "post",
        pk_of("signed"),
        lambda ctx: {"text": "Late entry."},
        {"co_therapist": 201, "supervisor": 403},
    ),
    (
        "api-client-psychotherapy-notes",
        "get",
        client_pk,
        None,
        {"co_therapist": 200, "supervisor": 200},
    ),
    (
        "api-client-psychotherapy-notes",
        "post",
        client_pk,
        lambda ctx: {"text": "Mine."},
        {"co_therapist": 201, "supervisor": 403},
    ),
    (
        "api-psychotherapy-note-detail",
        "get",
        pk_of("process_note"),
        None,
        {"co_therapist": 404, "supervisor": 404},
    ),
    (
        "api-psychotherapy-note-detail",
        "patch",
        pk_of("process_note"),
        lambda ctx: {"text": "x"},
        {"co_therapist": 404, "supervisor": 404},
    ),
]


@pytest.fixture
def care_team_ctx(ctx, practice):
    co_therapist = make_member(practice, "therapist", "co@northside.example")
    supervisor = make_member(practice, "therapist", "supervisor@northside.example")
    client = ctx["client"]
    client.co_therapist = co_therapist.membership
    client.supervisor = supervisor.membership
    client.save(update_fields=["co_therapist", "supervisor"])
    return {**ctx, "co_therapist": co_therapist, "supervisor": supervisor}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name,method,kwargs,data,expect",
    CARE_TEAM,
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_care_team_role_authorization(url_name, method, kwargs, data, expect, care_team_ctx):
    for actor, expected in expect.items():
        api = as_user(care_team_ctx[actor])
        before = Snapshot.take()
        response = getattr(api, method)(
            reverse(url_name, kwargs=kwargs(care_team_ctx)),
            data(care_team_ctx) if data else None,
            format="json",
        )
        assert response.status_code == expected, (actor, response.content[:300])
        if expected >= 400:
            assert Snapshot.take().changed_since(before) == {}, actor


@pytest.mark.django_db
def test_colleagues_psychotherapy_note_list_is_empty_for_co_therapist(care_team_ctx):
    response = as_user(care_team_ctx["co_therapist"]).get(
        reverse("api-client-psychotherapy-notes", kwargs=client_pk(care_team_ctx))
    )
    assert response.status_code == 200
    assert response.json()["count"] == 0
