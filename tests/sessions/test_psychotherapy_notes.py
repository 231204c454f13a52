"""Psychotherapy (process) notes are readable by their author and nobody else, ever."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice.models import AuditEvent
from sessions.models import PsychotherapyNote
from sessions.selectors import psychotherapy_notes_of
from tests.conftest import PHI_CANARY, Snapshot, as_user, make_member
from tests.factories import SessionFactory

SECRET = f"process-note {PHI_CANARY}"


@pytest.fixture
def team(practice, client_record, actors):
    """Every role around the client, including the co-therapist and the supervisor."""
    co_therapist = make_member(practice, "therapist", "co@northside.example")
    supervisor = make_member(practice, "therapist", "supervisor@northside.example")
    client_record.co_therapist = co_therapist.membership
    client_record.supervisor = supervisor.membership
    client_record.save(update_fields=["co_therapist", "supervisor"])
    return {**actors, "co_therapist": co_therapist, "supervisor": supervisor}


@pytest.fixture
def process_note(client_record, therapist, team):
    response = as_user(therapist).post(
        reverse("api-client-psychotherapy-notes", kwargs={"pk": client_record.pk}),
        {"text": SECRET},
        format="json",
    )
    assert response.status_code == 201, response.content
    return PsychotherapyNote.objects.get(pk=response.json()["id"])


def detail_url(note) -> str:
    return reverse("api-psychotherapy-note-detail", kwargs={"pk": note.pk})


def list_url(client) -> str:
    return reverse("api-client-psychotherapy-notes", kwargs={"pk": client.pk})


@pytest.mark.django_db
def test_author_reads_and_edits_their_note(process_note, therapist, client_record):
    api = as_user(therapist)
    body = api.get(detail_url(process_note)).json()
    assert body["text"] == SECRET
    assert body["author"] == therapist.membership.pk
    listed = api.get(list_url(client_record)).json()
    assert [row["id"] for row in listed["results"]] == [process_note.pk]
    edited = api.patch(detail_url(process_note), {"text": "Revised."}, format="json")
    assert edited.status_code == 200 and edited.json()["text"] == "Revised."
    assert PsychotherapyNote.objects.get(pk=process_note.pk).text == "Revised."


ROLES_WITHOUT_ACCESS = [
    "co_therapist",
    "supervisor",
    "colleague",
    "outsider",
    "manager",
    "admin",
    "client_user",
    "other_client_user",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_ACCESS)
def test_nobody_but_the_author_reads_or_changes_it(process_note, team, role):
    api = as_user(team[role])
    before = Snapshot.take()
    assert api.get(detail_url(process_note)).status_code == 404
    assert api.patch(detail_url(process_note), {"text": "overwritten"}, format="json").status_code == 404
    assert Snapshot.take().changed_since(before) == {}
    assert PsychotherapyNote.objects.get(pk=process_note.pk).text == SECRET
    assert not psychotherapy_notes_of(team[role]).filter(pk=process_note.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,status",
    [
        ("co_therapist", 200),
        ("supervisor", 200),
        ("colleague", 404),
        ("outsider", 404),
        ("manager", 404),
        ("admin", 404),
        ("client_user", 404),
        ("other_client_user", 404),
    ],
)
def test_the_list_never_shows_someone_elses_note(process_note, client_record, team, role, status):
    response = as_user(team[role]).get(list_url(client_record))
    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == 0
    assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_each_therapist_sees_only_their_own_notes_about_a_shared_client(process_note, client_record, team):
    co_therapist = team["co_therapist"]
    api = as_user(co_therapist)
    created = api.post(
        list_url(client_record),
        {"text": "Co-therapist's own reflection."},
        format="json",
    )
    assert created.status_code == 201
    listed = api.get(list_url(client_record)).json()
    assert [row["text"] for row in listed["results"]] == ["Co-therapist's own reflection."]


@pytest.mark.django_db
def test_text_never_reaches_the_audit_log(process_note, therapist, team, client_record):
    api = as_user(therapist)
    api.get(detail_url(process_note))
    api.patch(detail_url(process_note), {"text": f"{SECRET} again"}, format="json")
    for event in AuditEvent.objects.all():
        stored = " ".join(
            str(value)
            for value in (
                event.fields,
                event.target_type,
                event.target_id,
                event.action,
                event.actor_role,
            )
        )
        assert PHI_CANARY not in stored
    audit_page = as_user(team["admin"]).get(reverse("api-audit"), {"client": client_record.pk})
    assert audit_page.status_code == 200
    assert PHI_CANARY not in audit_page.content.decode()


@pytest.mark.django_db
def test_not_part_of_progress_notes(process_note, therapist, client_record):
    body = as_user(therapist).get(reverse("api-client-notes", kwargs={"pk": client_record.pk})).content.decode()
    assert PHI_CANARY not in body


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": 12}, {"text": "x" * 20001}])
def test_invalid_text_is_400_and_nothing_stored(client_record, therapist, payload):
    response = as_user(therapist).post(list_url(client_record), payload, format="json")
    assert response.status_code == 400
    assert "text" in response.json()
    assert not PsychotherapyNote.objects.exists()


@pytest.mark.django_db
def test_session_link_must_be_the_same_clients(client_record, other_client_record, therapist):
    api = as_user(therapist)
    foreign = SessionFactory(client=other_client_record)
    response = api.post(list_url(client_record), {"text": "x", "session": foreign.pk}, format="json")
    assert response.status_code == 400 and "session" in response.json()
    own = SessionFactory(client=client_record)
    response = api.post(list_url(client_record), {"text": "x", "session": own.pk}, format="json")
    assert response.status_code == 201 and response.json()["session"] == own.pk
