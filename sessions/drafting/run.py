"""Domain functions behind the drafting task and the note services.

- `draft_generate(draft_id)`: the Celery task's one call. Runs the drafter on the inputs stored
  with the draft, checks every sentence against its sources and stores the result (ready,
  withheld or failed). It never touches the note: a failure leaves the editor as it was.
- `drafts_settle(note, actor)`: called by the note services when the note is signed (or
  submitted for review): an inserted draft is "accepted" when the signed text is what was
  inserted, "edited" otherwise (with the word edit distance); a draft never inserted is
  "discarded".
- `word_edit_distance`: Levenshtein distance over words.

No service is imported here (tasks never import services).
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from practice.audit import AuditAction, audit_record
from sessions.drafting.backends import DrafterError, DraftInput, get_drafter
from sessions.drafting.faithfulness import check_draft
from sessions.drafting.layout import Section
from sessions.models import NoteDraft, ProgressNote

if TYPE_CHECKING:
    from practice.models import User

logger = logging.getLogger(__name__)
_WORDS = re.compile(r"\S+")
# Longer texts are compared by their first this-many words (bounds the quadratic work).
MAX_DISTANCE_WORDS = 3000


def word_count(text: str) -> int:
    return len(_WORDS.findall(text or ""))


def word_edit_distance(before: str, after: str) -> int:
    """Insertions, deletions and substitutions of words turning `before` into `after`."""
    a = _WORDS.findall(before or "")[:MAX_DISTANCE_WORDS]
    b = _WORDS.findall(after or "")[:MAX_DISTANCE_WORDS]
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, word_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, word_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word_a != word_b))
        previous = current
    return previous[-1]


def _set(draft_id: int, **values) -> None:
    NoteDraft.objects.filter(pk=draft_id).update(**values)


def draft_generate(draft_id: int, *, backend: str | None = None) -> str | None:
    """Write the draft `draft_id` (idempotent: a finished or running draft is left alone).
    Returns the final status, or None when there was nothing to do."""
    from insights.ai.refresh import ai_consent_given

    claimed = NoteDraft.objects.filter(pk=draft_id, status=NoteDraft.Status.QUEUED).update(
        status=NoteDraft.Status.RUNNING, stage="drafting", progress=20, started_at=timezone.now()
    )
    if not claimed:
        return None
    draft = NoteDraft.objects.select_related("note", "client").get(pk=draft_id)
    if draft.note.status != ProgressNote.Status.DRAFT:
        _fail(draft, "The note was signed or submitted before the draft was ready.")
        return NoteDraft.Status.FAILED
    if not ai_consent_given(draft.client):
        _fail(draft, "The client's AI consent was withdrawn; nothing was drafted.")
        return NoteDraft.Status.FAILED
    layout = [Section(item["key"], item.get("heading", item["key"])) for item in draft.layout]
    request = DraftInput(format=draft.note.format, layout=layout, sources=list(draft.sources or []))
    started = time.monotonic()
    try:
        drafter = get_drafter(backend or draft.backend)
        output = drafter.draft(request)
    except DrafterError as error:
        _fail(draft, str(error)[:300])
        return NoteDraft.Status.FAILED
    except Exception:  # a drafter bug must not leave the draft "running" forever
        logger.exception("drafter %s failed on draft %s", draft.backend, draft_id)
        _fail(draft, "The drafter failed unexpectedly.")
        return NoteDraft.Status.FAILED
    _set(draft_id, stage="checking", progress=80)
    checked = check_draft([sentence.as_dict() for sentence in output.sentences], request.sources)
    status = NoteDraft.Status.WITHHELD if checked.withheld else NoteDraft.Status.READY
    draft.sentences = checked.sentences
    draft.faithfulness = checked.summary
    draft.model = output.model[:120]
    draft.version = output.version[:40]
    draft.status = status
    draft.stage = ""
    draft.progress = 100
    draft.duration_ms = int((time.monotonic() - started) * 1000)
    draft.finished_at = timezone.now()
    draft.save(
        update_fields=[
            "sentences",
            "faithfulness",
            "model",
            "version",
            "status",
            "stage",
            "progress",
            "duration_ms",
            "finished_at",
        ]
    )
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        target=draft,
        client_id=draft.client_id,
        practice_id=draft.client.practice_id,
        fields=["sentences", "faithfulness", "model", "version", "status"],
    )
    return status


def _fail(draft: NoteDraft, message: str) -> None:
    _set(
        draft.pk,
        status=NoteDraft.Status.FAILED,
        stage="",
        progress=100,
        error=message,
        finished_at=timezone.now(),
    )


def draft_mark_unqueued(draft_id: int) -> None:
    """The broker refused the task: the draft fails at once, so the editor says so."""
    NoteDraft.objects.filter(pk=draft_id, status=NoteDraft.Status.QUEUED).update(
        status=NoteDraft.Status.FAILED,
        progress=100,
        error="The drafting queue is unavailable; write the note by hand or try again later.",
        finished_at=timezone.now(),
    )


def inserted_text(draft: NoteDraft) -> dict[str, str]:
    """The supported sentences of each section, as the text inserted into the note."""
    sections: dict[str, list[str]] = {}
    for sentence in draft.sentences or []:
        if sentence.get("supported"):
            sections.setdefault(sentence["section"], []).append(sentence["text"])
    return {key: " ".join(texts) for key, texts in sections.items()}


def drafts_settle(*, note: ProgressNote, actor: User) -> None:
    """Record what became of the note's pending drafts now that its text is final.

    Call inside the signing transaction. Never raises: a problem here is logged and the
    signature stands (a savepoint keeps the signing transaction usable)."""
    try:
        with transaction.atomic():
            _settle(note, actor)
    except Exception:
        logger.exception("could not settle the drafts of note %s", note.pk)


def _settle(note: ProgressNote, actor: User) -> None:
    now = timezone.now()
    final = note.sections or {}
    for draft in NoteDraft.objects.select_for_update().filter(note=note, decision=NoteDraft.Decision.PENDING):
        fields = ["decision", "decided_at", "decided_by"]
        if draft.inserted_at is None:
            draft.decision = NoteDraft.Decision.DISCARDED
        else:
            before = draft.inserted_sections or {}
            draft.edit_distance = sum(
                word_edit_distance(text, final.get(key, "") or "") for key, text in before.items()
            )
            draft.decision = NoteDraft.Decision.ACCEPTED if draft.edit_distance == 0 else NoteDraft.Decision.EDITED
            fields.append("edit_distance")
        draft.decided_at = now
        draft.decided_by = actor
        draft.save(update_fields=fields)
        audit_record(action=AuditAction.DECIDE, actor=actor, target=draft, client_id=note.client_id, fields=fields)
