"""Writes of the documentation assistant: request a note draft, insert it, discard it.

Rules (issue 18 part 2):
- Only the note's author asks for, inserts or discards a draft, only while the note is a draft
  (a signed or in-review note is a 409), and only with the client's AI consent (403, with the
  reason: nothing is collected, stored or sent without it). Psychotherapy notes have no drafts:
  drafts hang off progress notes only, and no psychotherapy note is ever a source.
- The inputs (the therapist's bullets, the structured facts) are stored with the draft, so the
  task reads nothing else; collecting the facts records the read of those records.
- Generation runs in a Celery task after commit (`sessions.tasks.note_draft_generate`); a broker
  failure marks the draft failed at once, and never touches the note.
- Inserting writes the supported sentences into the note through `note_update` (version
  checked, audited) and remembers the sections as inserted; signing the note settles the
  decision (`sessions.drafting.run.drafts_settle`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from insights.ai import policy
from insights.ai.refresh import ai_consent_given
from practice.audit import AuditAction, audit_read, audit_record
from practice.errors import DomainError, Forbidden
from practice.tasks_support import safe_delay
from sessions.drafting.backends import configured_backend
from sessions.drafting.layout import HEADINGS
from sessions.drafting.run import draft_mark_unqueued, inserted_text, word_count
from sessions.drafting.sources import bullet_sources, collect_facts, parse_bullets
from sessions.models import NoteDraft, ProgressNote
from sessions.services.notes import _require_author, _require_draft, note_update, sections_for

if TYPE_CHECKING:
    from practice.models import User

AI_DRAFTING_CONSENT_MESSAGE = (
    "Drafting is off for this client: they have not consented to AI processing. "
    "Record their consent on the Consent tab, or write the note by hand."
)
DRAFTING_FEATURE = "note_drafting"
FACT_READ_FIELDS = ["session.status", "homework.status", "checkin.mood", "assessment.total", "alert.severity"]


def drafting_off_reason(note: ProgressNote) -> str | None:
    """Why the assistant is off for this note's client (no consent, or the practice's AI
    policy), or None when it may run."""
    if not ai_consent_given(note.client):
        return AI_DRAFTING_CONSENT_MESSAGE
    decision = policy.feature_decision(note.client.practice, DRAFTING_FEATURE, client=note.client)
    return None if decision.allowed else decision.message


def _require_consent(note: ProgressNote, *, actor: User | None = None) -> None:
    """Consent first (a 403 with the drafting wording), then the practice's AI policy: with an
    actor the run is logged like every AI run (``require_feature``), else only checked."""
    if not ai_consent_given(note.client):
        raise Forbidden(AI_DRAFTING_CONSENT_MESSAGE)
    if actor is not None:
        policy.require_feature(client=note.client, key=DRAFTING_FEATURE, actor=actor)
        return
    decision = policy.feature_decision(note.client.practice, DRAFTING_FEATURE, client=note.client)
    if not decision.allowed:
        raise policy.AiPolicyBlocked(decision)


def note_layout(note: ProgressNote) -> list[dict[str, str]]:
    if note.layout:
        return [{"key": item["key"], "heading": item.get("heading") or item["key"]} for item in note.layout]
    return [{"key": key, "heading": HEADINGS.get(key, key.title())} for key in sections_for(note.format)]


def note_draft_request(*, note: ProgressNote, actor: User, bullets: str, backend: str | None = None) -> NoteDraft:
    """Store a queued draft for the note and enqueue its generation after commit."""
    _require_author(note, actor, "ask for a draft")
    _require_draft(note)
    _require_consent(note, actor=actor)
    items = parse_bullets(bullets)
    facts = collect_facts(client=note.client, session=note.session)
    if not items and not facts:
        raise DomainError("Write a few bullet points first: there is nothing to draft from.", field="bullets")
    sources = [source.as_dict() for source in bullet_sources(items) + facts]
    with transaction.atomic():
        draft = NoteDraft.objects.create(
            note=note,
            client=note.client,
            requested_by=actor,
            backend=backend or configured_backend(),
            layout=note_layout(note),
            sources=sources,
            stage="queued",
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=draft,
            client_id=note.client_id,
            fields=["sources", "backend", "layout"],
        )
        if facts:
            audit_read(
                actor=actor,
                client_id=note.client_id,
                target_type=NoteDraft._meta.label_lower,
                target_id=draft.pk,
                fields=FACT_READ_FIELDS,
            )
        draft_id = draft.pk
        transaction.on_commit(lambda: _publish(draft_id))
    return draft


def _publish(draft_id: int) -> None:
    from sessions.tasks import note_draft_generate

    if not safe_delay(note_draft_generate, draft_id):
        draft_mark_unqueued(draft_id)


def _require_pending(draft: NoteDraft) -> None:
    if draft.decision != NoteDraft.Decision.PENDING:
        raise DomainError(f"This draft was already {draft.decision}.", conflict=True)


def note_draft_insert(*, draft: NoteDraft, actor: User, version: int | None = None) -> NoteDraft:
    """Append the draft's supported sentences to the note's sections (the note's own text is
    kept, above). Only a ready draft, once; the note's version is checked like any edit."""
    note = draft.note
    _require_author(note, actor, "insert a draft")
    _require_consent(note)
    with transaction.atomic():
        current = NoteDraft.objects.select_for_update().get(pk=draft.pk)
        _require_pending(current)
        if current.status != NoteDraft.Status.READY:
            raise DomainError("Only a finished draft that passed the check can be inserted.", conflict=True)
        if current.inserted_at is not None:
            raise DomainError("This draft is already in the note.", conflict=True)
        additions = inserted_text(current)
        if not additions:
            raise DomainError("This draft has no supported sentence to insert.", conflict=True)
        existing = dict(note.sections or {})
        sections = {
            key: (existing.get(key, "").rstrip() + "\n\n" + text).strip() if existing.get(key, "").strip() else text
            for key, text in additions.items()
        }
        note_update(note=note, actor=actor, sections=sections, version=version)
        current.inserted_at = timezone.now()
        current.inserted_sections = sections
        current.draft_words = sum(word_count(text) for text in additions.values())
        current.save(update_fields=["inserted_at", "inserted_sections", "draft_words"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=current,
            client_id=note.client_id,
            fields=["inserted_at", "inserted_sections", "draft_words"],
        )
    return current


def note_draft_discard(*, draft: NoteDraft, actor: User) -> NoteDraft:
    """The therapist sets the draft aside (the note keeps whatever was inserted)."""
    _require_author(draft.note, actor, "discard a draft")
    with transaction.atomic():
        current = NoteDraft.objects.select_for_update().get(pk=draft.pk)
        _require_pending(current)
        current.decision = NoteDraft.Decision.DISCARDED
        current.decided_at = timezone.now()
        current.decided_by = actor
        current.save(update_fields=["decision", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action=AuditAction.DECIDE,
            target=current,
            client_id=current.client_id,
            fields=["decision", "decided_at", "decided_by"],
        )
    return current
