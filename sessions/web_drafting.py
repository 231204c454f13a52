"""The note editor's drafting assistant (issue 18 part 2): ask for a draft, watch it being written,
insert it into the note or discard it.

Guards as for the editor (`sessions.web.workspace_page`): VIEW_CLINICAL to open (else 404),
EDIT_CLINICAL to post (else 403). Records come from the selectors (`note_for_write`,
`note_draft_for_read/_for_write`); the services enforce authorship, the note's state (409) and
the client's AI consent (403). A refusal or a drafter failure re-shows the editor with the
message: the note can always be written by hand.

The status fragment (`note-draft-status`) is what htmx polls (`hx-trigger="every 2s"` on the
panel, an attribute, no inline script) while the draft is queued or running.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from practice.errors import DomainError, Forbidden
from sessions import selectors
from sessions.drafting.backends import configured_backend, drafting_settings
from sessions.models import NoteDraft, ProgressNote
from sessions.services import drafting as drafting_services
from sessions.services import notes as note_services
from sessions.web import _reshown, _submitted_sections, _version, workspace_page

DRAFT_LABEL = "AI draft, written from your bullets and the record: check every sentence before you sign"


def _source_url(client_id: int, source: dict[str, Any]) -> str:
    chart = reverse("client-chart", args=[client_id])
    record, record_id = source.get("record"), source.get("record_id")
    if record == "session" and record_id:
        return reverse("session-detail", args=[record_id])
    if record == "homework" and record_id:
        return f"{chart}?tab=homework#hw-{record_id}"
    if record == "checkins":
        return f"{chart}?tab=engagement"
    if record == "assessment":
        return f"{chart}?tab=measures"
    if record == "alert":
        return f"{chart}?tab=safety"
    return ""


def draft_view(draft: NoteDraft | None) -> dict[str, Any] | None:
    """The draft grouped by section, each sentence with its sources (label, text, link)."""
    if draft is None:
        return None
    sources = {source["key"]: source for source in draft.sources or []}
    headings = {item["key"]: item.get("heading", item["key"]) for item in draft.layout or []}
    sections = []
    for item in draft.layout or []:
        rows = []
        for index, sentence in enumerate(draft.sentences or []):
            if sentence.get("section") != item["key"]:
                continue
            cited = [
                {
                    "key": key,
                    "label": sources[key].get("label") or key,
                    "text": sources[key].get("text", ""),
                    "url": _source_url(draft.client_id, sources[key]),
                    "bullet": sources[key].get("kind") == "bullet",
                }
                for key in sentence.get("sources") or []
                if key in sources
            ]
            rows.append({"index": index, **sentence, "cited": cited})
        sections.append({"key": item["key"], "heading": headings[item["key"]], "sentences": rows})
    summary = draft.faithfulness or {}
    return {
        "draft": draft,
        "sections": sections,
        "summary": summary,
        "unsupported": summary.get("sentences", 0) - summary.get("supported", 0),
        "polling": not draft.finished,
        "label": DRAFT_LABEL,
    }


def drafting_context(*, note: ProgressNote, user, can_write: bool) -> dict[str, Any]:
    """What the editor shows of the assistant: available or why not, and the latest draft."""
    off_reason = drafting_services.drafting_off_reason(note)
    enabled = off_reason is None
    draft = selectors.latest_note_draft(note=note, actor=user) if enabled or note.drafts.exists() else None
    backend = configured_backend()
    model = drafting_settings().get("model") or ""
    return {
        "drafting": {
            "enabled": enabled,
            "can_request": can_write and enabled,
            "consent_message": off_reason or "",
            "backend": backend if not model else f"{backend} ({model})",
            "view": draft_view(draft),
        }
    }


@workspace_page
@require_POST
def note_draft_request(request, pk: int) -> HttpResponse:
    """Save what is on screen (the draft button belongs to the note form), then ask for a draft."""
    note = selectors.note_for_write(user=request.user, note_id=pk)
    off_reason = drafting_services.drafting_off_reason(note)
    if off_reason is not None:
        # Refused before anything is saved: a 403 (no consent) or 409 (policy) changes nothing.
        status = 403 if off_reason == drafting_services.AI_DRAFTING_CONSENT_MESSAGE else 409
        return _reshown(request, note, status=status, error=off_reason)
    try:
        sections = _submitted_sections(request, note)
        if sections:
            note_services.note_update(note=note, actor=request.user, sections=sections, version=_version(request))
        drafting_services.note_draft_request(note=note, actor=request.user, bullets=request.POST.get("bullets", ""))
    except DomainError as error:
        status = 409 if error.conflict else 403 if isinstance(error, Forbidden) else 400
        return _reshown(request, note, status=status, error=error.message)
    return redirect(f"{reverse('note-edit', args=[note.pk])}#draft-panel")


@workspace_page
@require_GET
def note_draft_status(request, pk: int) -> HttpResponse:
    """The draft panel fragment (htmx polls it while the draft is being written)."""
    draft = selectors.note_draft_for_read(user=request.user, draft_id=pk)
    note = draft.note
    can_write = note.author_id == request.user.pk and note.status == ProgressNote.Status.DRAFT
    context = {"note": note, "client": note.client, "can_write": can_write, "dv": draft_view(draft)}
    return render(request, "therapist/_note_draft.html", context)


@workspace_page
@require_POST
def note_draft_insert(request, pk: int) -> HttpResponse:
    draft = selectors.note_draft_for_write(user=request.user, draft_id=pk)
    note = draft.note
    try:
        sections = _submitted_sections(request, note)
        version = _version(request)
        if sections:
            note_services.note_update(note=note, actor=request.user, sections=sections, version=version)
            version = note.version
        drafting_services.note_draft_insert(draft=draft, actor=request.user, version=version)
    except DomainError as error:
        status = 409 if error.conflict else 403 if isinstance(error, Forbidden) else 400
        return _reshown(request, note, status=status, error=error.message)
    messages.success(request, "Draft inserted into the note. Edit it as you need, then sign as usual.")
    return redirect("note-edit", pk=note.pk)


@workspace_page
@require_POST
def note_draft_discard(request, pk: int) -> HttpResponse:
    draft = selectors.note_draft_for_write(user=request.user, draft_id=pk)
    try:
        drafting_services.note_draft_discard(draft=draft, actor=request.user)
    except DomainError as error:
        return _reshown(request, draft.note, status=409 if error.conflict else 403, error=error.message)
    messages.success(request, "Draft discarded.")
    return redirect("note-edit", pk=draft.note_id)
