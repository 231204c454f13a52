"""Progress notes: draft -> signed -> addenda, co-signature, versions, overdue notes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Goal
from practice.audit import AuditAction
from practice.errors import DomainError
from practice.models import AuditEvent
from sessions.models import NoteAddendum, ProgressNote, Session
from sessions.selectors import overdue_notes
from sessions.services.notes import (
    addendum_create,
    note_cosign,
    note_create,
    note_sign,
    note_update,
)
from tests.conftest import PHI_CANARY, Snapshot, as_user, make_member
from tests.factories import ClientFactory, ProgressNoteFactory, SessionFactory


def note_url(note) -> str:
    return reverse("api-note-detail", kwargs={"pk": note.pk})


def stored(note) -> dict:
    """What the database holds for a note, to show nothing changed."""
    fresh = ProgressNote.objects.get(pk=note.pk)
    return {
        "sections": fresh.sections,
        "status": fresh.status,
        "version": fresh.version,
        "updated_at": fresh.updated_at,
        "session": fresh.session_id,
        "addenda": fresh.addenda.count(),
    }


@pytest.fixture
def session(client_record):
    return SessionFactory(client=client_record)


@pytest.fixture
def supervisor(practice, client_record):
    user = make_member(practice, "therapist", "supervisor@northside.example")
    client_record.supervisor = user.membership
    client_record.save(update_fields=["supervisor"])
    return user


@pytest.fixture
def co_therapist(practice, client_record):
    user = make_member(practice, "therapist", "co@northside.example")
    client_record.co_therapist = user.membership
    client_record.save(update_fields=["co_therapist"])
    return user


# ---------------------------------------------------------------- service level


@pytest.mark.django_db
def test_note_create_fills_every_section_of_the_format(client_record, therapist, session):
    goal = Goal.objects.create(client=client_record, problem="Sleep", description="Sleep 7 hours")
    note = note_create(
        client=client_record,
        actor=therapist,
        format="soap",
        sections={"subjective": "Tired."},
        session=session,
        goals=[goal.pk],
    )
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.DRAFT
    assert note.version == 1
    assert note.sections == {
        "subjective": "Tired.",
        "objective": "",
        "assessment": "",
        "plan": "",
    }
    assert note.session == session
    assert list(note.goals.values_list("pk", flat=True)) == [goal.pk]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_id=str(note.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "format,sections,fragment",
    [
        ("soap", {"data": "x"}, "'data'"),
        ("dap", {"behaviour": "x"}, "'behaviour'"),
        ("free", {"plan": "x"}, "'plan'"),
        ("dap", {"data": 5}, "must be text"),
        ("dap", {"data": "x" * 20001}, "longer than"),
        ("dap", ["data"], "object"),
    ],
)
def test_note_create_rejects_bad_sections_and_stores_nothing(client_record, therapist, format, sections, fragment):
    with pytest.raises(DomainError) as error:
        note_create(client=client_record, actor=therapist, format=format, sections=sections)
    assert error.value.field == "sections"
    assert fragment in error.value.message
    assert not ProgressNote.objects.exists()


@pytest.mark.django_db
def test_note_create_refuses_another_clients_session_and_goal(client_record, other_client_record, therapist):
    foreign_session = SessionFactory(client=other_client_record)
    foreign_goal = Goal.objects.create(client=other_client_record, problem="p", description="d")
    with pytest.raises(DomainError) as error:
        note_create(
            client=client_record,
            actor=therapist,
            format="dap",
            session=foreign_session.pk,
        )
    assert error.value.field == "session"
    with pytest.raises(DomainError) as error:
        note_create(client=client_record, actor=therapist, format="dap", goals=[foreign_goal.pk])
    assert error.value.field == "goals"
    assert not ProgressNote.objects.exists()


@pytest.mark.django_db
def test_note_update_merges_sections_and_bumps_version(client_record, therapist):
    note = note_create(
        client=client_record,
        actor=therapist,
        format="dap",
        sections={"data": "A", "plan": "P"},
    )
    note_update(note=note, actor=therapist, sections={"assessment": "B"}, version=1)
    note.refresh_from_db()
    assert note.sections == {"data": "A", "assessment": "B", "plan": "P"}
    assert note.version == 2


@pytest.mark.django_db
def test_note_update_with_stale_version_is_a_conflict(client_record, therapist):
    note = note_create(client=client_record, actor=therapist, format="dap", sections={"data": "A"})
    note_update(note=note, actor=therapist, sections={"data": "first save"}, version=1)
    before = stored(note)
    with pytest.raises(DomainError) as error:
        note_update(
            note=ProgressNote.objects.get(pk=note.pk),
            actor=therapist,
            sections={"data": "second"},
            version=1,
        )
    assert error.value.conflict
    assert stored(note) == before


@pytest.mark.django_db
def test_signed_note_rejects_edit_at_service_level(client_record, therapist):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    note_sign(note=note, actor=therapist)
    before = stored(note)
    with pytest.raises(DomainError) as error:
        note_update(note=note, actor=therapist, sections={"text": "Changed."})
    assert error.value.conflict
    assert stored(note) == before


@pytest.mark.django_db
def test_note_sign_records_who_and_when(client_record, therapist):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    note_sign(note=note, actor=therapist)
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.SIGNED
    assert note.signed_by == therapist
    assert abs(note.signed_at - timezone.now()) < dt.timedelta(seconds=5)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN, target_id=str(note.pk)).count() == 1


@pytest.mark.django_db
def test_note_sign_by_someone_other_than_the_author_is_refused(client_record, therapist, co_therapist):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    with pytest.raises(PermissionDenied):
        note_sign(note=note, actor=co_therapist)
    assert ProgressNote.objects.get(pk=note.pk).status == ProgressNote.Status.DRAFT


@pytest.mark.django_db
def test_signing_an_empty_note_is_refused(client_record, therapist):
    note = note_create(client=client_record, actor=therapist, format="dap", sections={"data": "   "})
    with pytest.raises(DomainError) as error:
        note_sign(note=note, actor=therapist)
    assert not error.value.conflict
    assert error.value.field == "sections"
    assert ProgressNote.objects.get(pk=note.pk).status == ProgressNote.Status.DRAFT


@pytest.mark.django_db
def test_signing_twice_is_a_conflict(client_record, therapist):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    note_sign(note=note, actor=therapist)
    signed_at = ProgressNote.objects.get(pk=note.pk).signed_at
    with pytest.raises(DomainError) as error:
        note_sign(note=note, actor=therapist)
    assert error.value.conflict
    assert ProgressNote.objects.get(pk=note.pk).signed_at == signed_at


@pytest.mark.django_db
def test_addenda_only_on_signed_notes_and_many_allowed(client_record, therapist):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    with pytest.raises(DomainError) as error:
        addendum_create(note=note, actor=therapist, text="Too early.")
    assert error.value.conflict
    note_sign(note=note, actor=therapist)
    first = addendum_create(note=note, actor=therapist, text="Correction one.")
    second = addendum_create(note=note, actor=therapist, text="Correction two.")
    assert [a.text for a in note.addenda.all()] == [
        "Correction one.",
        "Correction two.",
    ]
    assert first.signed_at is not None and first.author == therapist
    assert second.created_at >= first.created_at
    assert ProgressNote.objects.get(pk=note.pk).sections == {"text": "Done."}


@pytest.mark.django_db
def test_supervisor_cosigns_a_signed_note_once(client_record, therapist, supervisor):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    with pytest.raises(DomainError) as error:
        note_cosign(note=note, actor=supervisor)
    assert error.value.conflict
    note_sign(note=note, actor=therapist)
    note_cosign(note=note, actor=supervisor)
    note.refresh_from_db()
    assert note.cosigned_by == supervisor and note.cosigned_at is not None
    with pytest.raises(DomainError):
        note_cosign(note=note, actor=supervisor)


@pytest.mark.django_db
def test_only_the_clients_supervisor_may_cosign(client_record, therapist, co_therapist, colleague):
    note = note_create(client=client_record, actor=therapist, format="free", sections={"text": "Done."})
    note_sign(note=note, actor=therapist)
    for actor in (therapist, co_therapist, colleague):
        with pytest.raises(PermissionDenied):
            note_cosign(note=note, actor=actor)
    assert ProgressNote.objects.get(pk=note.pk).cosigned_at is None


# ---------------------------------------------------------------- overdue


@pytest.mark.django_db
def test_overdue_notes_at_71_and_73_hours(client_record, therapist):
    start = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        session = SessionFactory(client=client_record, starts_at=start, status=Session.Status.ATTENDED)
        cancelled = SessionFactory(client=client_record, starts_at=start, status=Session.Status.CANCELLED)
        note = note_create(
            client=client_record,
            actor=therapist,
            format="free",
            sections={"text": "Draft."},
            session=session,
        )
    with time_machine.travel(start + dt.timedelta(hours=71), tick=False):
        assert list(overdue_notes(therapist.membership)) == []
    with time_machine.travel(start + dt.timedelta(hours=73), tick=False):
        assert list(overdue_notes(therapist.membership)) == [session]
        assert cancelled not in overdue_notes(therapist.membership)
        body = as_user(therapist).get(note_url(note)).json()
        assert body["overdue"] is True
        note_sign(note=note, actor=therapist)
        assert list(overdue_notes(therapist.membership)) == []
        assert as_user(therapist).get(note_url(note)).json()["overdue"] is False


@pytest.mark.django_db
def test_overdue_notes_only_lists_the_therapists_own_sessions(client_record, therapist, colleague):
    long_ago = timezone.now() - dt.timedelta(days=5)
    mine = SessionFactory(client=client_record, starts_at=long_ago)
    colleagues_client = ClientFactory(primary_therapist=colleague.membership)
    SessionFactory(client=colleagues_client, starts_at=long_ago)
    assert list(overdue_notes(therapist.membership)) == [mine]


# ---------------------------------------------------------------- API level


@pytest.mark.django_db
def test_note_lifecycle_over_the_api(client_record, therapist, session):
    api = as_user(therapist)
    created = api.post(
        reverse("api-client-notes", kwargs={"pk": client_record.pk}),
        {
            "session": session.pk,
            "format": "dap",
            "sections": {"data": "Slept 5 hours."},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["version"] == 1 and body["session"] == session.pk
    assert body["sections"] == {"data": "Slept 5 hours.", "assessment": "", "plan": ""}
    assert body["author"] == therapist.membership.pk
    note = ProgressNote.objects.get(pk=body["id"])

    edited = api.patch(
        note_url(note),
        {"sections": {"plan": "Sleep diary."}, "version": 1},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["version"] == 2
    assert edited.json()["sections"]["plan"] == "Sleep diary."

    signed = api.post(reverse("api-note-sign", kwargs={"pk": note.pk}))
    assert signed.status_code == 200, signed.content
    signed_body = signed.json()
    assert signed_body["status"] == "signed"
    assert signed_body["signed_by"] == therapist.membership.pk
    assert signed_body["signed_by_name"]
    assert signed_body["signed_at"]

    before = stored(note)
    refused = api.patch(note_url(note), {"sections": {"plan": "Changed after signing."}}, format="json")
    assert refused.status_code == 409
    assert stored(note) == before

    assert api.post(reverse("api-note-sign", kwargs={"pk": note.pk})).status_code == 409

    addendum = api.post(
        reverse("api-note-addenda", kwargs={"pk": note.pk}),
        {"text": "Also discussed work."},
        format="json",
    )
    assert addendum.status_code == 201, addendum.content
    assert addendum.json()["text"] == "Also discussed work."
    assert addendum.json()["author"] == therapist.membership.pk

    detail = api.get(note_url(note)).json()
    assert [a["text"] for a in detail["addenda"]] == ["Also discussed work."]
    assert detail["sections"]["plan"] == "Sleep diary."


@pytest.mark.django_db
def test_version_conflict_over_the_api_changes_nothing(client_record, therapist):
    note = ProgressNoteFactory(client=client_record, author=therapist)
    api = as_user(therapist)
    assert (
        api.patch(
            note_url(note),
            {"sections": {"data": "Tab one."}, "version": 1},
            format="json",
        ).status_code
        == 200
    )
    before = stored(note)
    stale = api.patch(note_url(note), {"sections": {"data": "Tab two."}, "version": 1}, format="json")
    assert stale.status_code == 409
    assert stored(note) == before


@pytest.mark.django_db
def test_unknown_section_is_400_naming_the_key(client_record, therapist):
    before = Snapshot.take()
    response = as_user(therapist).post(
        reverse("api-client-notes", kwargs={"pk": client_record.pk}),
        {"format": "soap", "sections": {"subjective": "ok", "feelings": "x"}},
        format="json",
    )
    assert response.status_code == 400
    assert "feelings" in response.json()["sections"][0]
    changed = Snapshot.take().changed_since(before)
    assert "clinical_sessions.ProgressNote" not in changed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload,field",
    [
        ({"format": "narrative"}, "format"),
        ({"sections": {"data": "x"}}, "format"),
        ({"format": "dap", "sections": {"data": None}}, "sections"),
        ({"format": "dap", "sections": {"data": 7}}, "sections"),
        ({"format": "dap", "session": 999999}, "session"),
        ({"format": "dap", "goals": [999999]}, "goals"),
    ],
)
def test_invalid_note_input_is_a_field_error(client_record, therapist, payload, field):
    response = as_user(therapist).post(
        reverse("api-client-notes", kwargs={"pk": client_record.pk}),
        payload,
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not ProgressNote.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field,value", [("format", "soap"), ("status", "signed")])
def test_patch_refuses_format_and_status_changes(client_record, therapist, field, value):
    note = ProgressNoteFactory(client=client_record, author=therapist)
    before = stored(note)
    response = as_user(therapist).patch(note_url(note), {field: value, "sections": {"data": "new"}}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert stored(note) == before


@pytest.mark.django_db
def test_signing_an_empty_note_over_the_api_is_400(client_record, therapist):
    note = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        sections={"data": "", "assessment": "", "plan": ""},
    )
    response = as_user(therapist).post(reverse("api-note-sign", kwargs={"pk": note.pk}))
    assert response.status_code == 400
    assert "sections" in response.json()


@pytest.mark.django_db
def test_addendum_on_a_draft_is_409(client_record, therapist):
    note = ProgressNoteFactory(client=client_record, author=therapist)
    response = as_user(therapist).post(
        reverse("api-note-addenda", kwargs={"pk": note.pk}),
        {"text": "x"},
        format="json",
    )
    assert response.status_code == 409
    assert not NoteAddendum.objects.exists()


@pytest.mark.django_db
def test_supervisor_cosigns_over_the_api(client_record, therapist, supervisor):
    note = ProgressNoteFactory(client=client_record, author=therapist)
    note_sign(note=note, actor=therapist)
    response = as_user(supervisor).post(reverse("api-note-cosign", kwargs={"pk": note.pk}))
    assert response.status_code == 200, response.content
    assert response.json()["cosigned_by"] == supervisor.membership.pk
    assert response.json()["cosigned_at"]


@pytest.mark.django_db
def test_co_therapist_cannot_sign_the_authors_note(client_record, therapist, co_therapist):
    note = ProgressNoteFactory(client=client_record, author=therapist)
    response = as_user(co_therapist).post(reverse("api-note-sign", kwargs={"pk": note.pk}))
    assert response.status_code == 403
    assert ProgressNote.objects.get(pk=note.pk).status == "draft"


@pytest.mark.django_db
def test_note_reads_are_audited_without_content(client_record, therapist):
    note = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        sections={"data": PHI_CANARY, "assessment": "", "plan": ""},
    )
    api = as_user(therapist)
    api.get(note_url(note))
    api.get(reverse("api-client-notes", kwargs={"pk": client_record.pk}))
    reads = AuditEvent.objects.filter(action=AuditAction.READ, client_id=client_record.pk)
    assert reads.count() == 2
    assert all(event.actor == therapist for event in reads)
    for event in AuditEvent.objects.all():
        assert PHI_CANARY not in repr(event.fields) + event.target_type + event.target_id


@pytest.mark.django_db
def test_notes_list_is_newest_first_and_filterable(client_record, therapist):
    older = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        created_at=timezone.now() - dt.timedelta(days=2),
    )
    newer = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        status="signed",
        signed_by=therapist,
        signed_at=timezone.now(),
    )
    api = as_user(therapist)
    url = reverse("api-client-notes", kwargs={"pk": client_record.pk})
    body = api.get(url).json()
    assert body["count"] == 2 and [n["id"] for n in body["results"]] == [
        newer.pk,
        older.pk,
    ]
    assert [n["id"] for n in api.get(url, {"status": "draft"}).json()["results"]] == [older.pk]
    assert api.get(url, {"status": "bogus"}).status_code == 400


def _make_notes(client_record, therapist, count: int) -> None:
    goal = Goal.objects.create(client=client_record, problem="p", description="d")
    session = SessionFactory(client=client_record)
    for _ in range(count - ProgressNote.objects.filter(client=client_record).count()):
        note = ProgressNoteFactory(
            client=client_record,
            author=therapist,
            session=session,
            status="signed",
            signed_by=therapist,
            signed_at=timezone.now(),
        )
        note.goals.add(goal)
        NoteAddendum.objects.create(note=note, author=therapist, text="Addendum.")


NOTES_LIST_QUERIES = 9


@pytest.mark.django_db
def test_notes_list_query_count_is_constant(client_record, therapist, django_assert_num_queries):
    api = as_user(therapist)
    url = reverse("api-client-notes", kwargs={"pk": client_record.pk})
    counts = []
    for rows in (1, 10, 100):
        _make_notes(client_record, therapist, rows)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url, {"page_size": 200})
        assert response.json()["count"] == rows
        assert len(response.json()["results"]) == rows
        counts.append(len(captured))
    assert counts == [counts[0]] * 3
    with django_assert_num_queries(NOTES_LIST_QUERIES):
        api.get(url, {"page_size": 200})
