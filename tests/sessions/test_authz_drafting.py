"""Authorization matrix for the note-draft API (issue 18 part 2), and its refusals.

`therapist` wrote the note (asks for, inserts, discards drafts); `supervisor` reads the note and
its drafts (403 on a write); everyone else 404 (401 anonymous). The client has AI consent.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Consent
from sessions.models import NoteDraft, PsychotherapyNote
from tests.authz import DENY_ALL, Row, run_row
from tests.conftest import as_user
from tests.factories import ProgressNoteFactory
from tests.sessions.test_web_authz_drafting import ready_draft

READ = {**DENY_ALL, "therapist": 200, "supervisor": 200}


def pk_of(name):
    return lambda ctx: {"pk": ctx[name].pk}


MATRIX = [
    Row(
        "api-note-drafts",
        "post",
        {**DENY_ALL, "therapist": 202, "supervisor": 403},
        kwargs=pk_of("note"),
        data=lambda ctx: {"bullets": "slept better\nP: continue"},
    ),
    Row("api-note-draft-detail", "get", READ, kwargs=pk_of("draft")),
    Row("api-note-draft-insert", "post", {**DENY_ALL, "therapist": 200, "supervisor": 403}, kwargs=pk_of("draft")),
    Row("api-note-draft-discard", "post", {**DENY_ALL, "therapist": 200, "supervisor": 403}, kwargs=pk_of("other")),
]


@pytest.fixture
def ctx(actors, client_record, therapist):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    note = ProgressNoteFactory(client=client_record, author=therapist)
    return {"actors": actors, "note": note, "draft": ready_draft(note), "other": ready_draft(note)}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_note_draft_route_authorization(row, ctx):
    run_row(row, ctx)


@pytest.mark.django_db
def test_api_draft_end_to_end_and_refusals(client_record, therapist, django_capture_on_commit_callbacks):
    api = as_user(therapist)
    note = ProgressNoteFactory(client=client_record, author=therapist, sections={})
    url = reverse("api-note-drafts", args=[note.pk])
    refused = api.post(url, {"bullets": "slept better"}, format="json")
    assert refused.status_code == 403 and "not consented to AI processing" in str(refused.json())
    assert not NoteDraft.objects.exists()

    process = PsychotherapyNote.objects.create(client=client_record, author=therapist, text="private")
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    if process.pk != note.pk:
        assert (
            api.post(reverse("api-note-drafts", args=[process.pk]), {"bullets": "x"}, format="json").status_code == 404
        )

    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(url, {"bullets": "slept better\nP: continue the sleep diary"}, format="json")
    assert created.status_code == 202
    body = api.get(reverse("api-note-draft-detail", args=[created.json()["id"]])).json()
    assert body["status"] == "ready" and body["kind"] == "ai_suggestion" and body["backend"] == "structured"
    assert body["faithfulness"]["passed"] is True
    assert [sentence["sources"] for sentence in body["sentences"]] == [["b1"], ["b2"]]
    inserted = api.post(reverse("api-note-draft-insert", args=[body["id"]]), {}, format="json")
    assert inserted.status_code == 200 and inserted.json()["inserted_at"]
    note.refresh_from_db()
    assert note.sections["plan"] == "Continue the sleep diary."
    again = api.post(reverse("api-note-draft-insert", args=[body["id"]]), {}, format="json")
    assert again.status_code == 409
