"""Web authorization matrix for the note editor's drafting assistant (issue 18 part 2).

`therapist` wrote the note and may ask for, insert or discard its drafts; `supervisor` reads the
note and its drafts (403 on a write); everyone else gets 404. The client has AI consent.
"""

from __future__ import annotations

import pytest

from clients.models import Consent
from sessions.models import NoteDraft
from tests.conftest import PHI_CANARY
from tests.factories import ProgressNoteFactory
from tests.web_authz import THERAPISTS, WebRow, only, run_web_row

CARE_TEAM_READ = only(200, "therapist", "supervisor")
GET_ON_POST_ONLY = only(405, *THERAPISTS)
WRITE = only(302, "therapist", supervisor=403)


def pk_of(name):
    return lambda ctx: {"pk": ctx[name].pk}


WEB_MATRIX = [
    WebRow("note-draft-request", "post", WRITE, kwargs=pk_of("note"), data=lambda ctx: {"bullets": "slept better"}),
    WebRow("note-draft-request", "get", GET_ON_POST_ONLY, kwargs=pk_of("note")),
    WebRow("note-draft-status", "get", CARE_TEAM_READ, kwargs=pk_of("draft")),
    WebRow("note-draft-status", "post", only(405, *THERAPISTS), kwargs=pk_of("draft")),
    WebRow("note-draft-insert", "post", WRITE, kwargs=pk_of("draft")),
    WebRow("note-draft-insert", "get", GET_ON_POST_ONLY, kwargs=pk_of("draft")),
    WebRow("note-draft-discard", "post", WRITE, kwargs=pk_of("draft")),
    WebRow("note-draft-discard", "get", GET_ON_POST_ONLY, kwargs=pk_of("draft")),
]


def ready_draft(note, *, text: str = "slept better") -> NoteDraft:
    return NoteDraft.objects.create(
        note=note,
        client=note.client,
        requested_by=note.author,
        status=NoteDraft.Status.READY,
        backend="structured",
        model="structured",
        version="structured_v1",
        layout=[{"key": "data", "heading": "Data"}, {"key": "assessment", "heading": "Assessment"}],
        sources=[{"key": "b1", "kind": "bullet", "text": text, "label": "Your bullet 1"}],
        sentences=[{"section": "data", "text": f"Client reports {text}.", "sources": ["b1"], "supported": True}],
        faithfulness={"sentences": 1, "supported": 1, "share": 1.0, "passed": True, "bullets": 1},
    )


@pytest.fixture
def ctx(actors, client_record, therapist):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    note = ProgressNoteFactory(client=client_record, author=therapist, sections={"data": f"Said {PHI_CANARY}"})
    return {"actors": actors, "note": note, "draft": ready_draft(note, text=f"slept better {PHI_CANARY}")}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_drafting_authorization(row, ctx):
    run_web_row(row, ctx)
