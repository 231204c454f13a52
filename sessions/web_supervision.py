"""Supervision in the web: the supervisor's review queue and the note review actions.

- `GET /supervision/`: notes submitted for review, signed notes awaiting the co-signature,
  treatment plans due for review (never reviewed, or more than 90 days ago) of the clients the
  user supervises, the user's own notes a supervisor returned, and the per-supervisee
  "review before signing" setting (`sessions.selectors.review_queue`: fixed queries, no note
  text, so nothing to audit).
- `POST /notes/<id>/submit/` (the author), `/notes/<id>/return/` (the supervisor, with a
  comment), `/notes/<id>/cosign/` (the supervisor; on a note in review this signs it).
- `POST /supervision/supervisees/<membership id>/`: the setting.

The rule (sessions/services/notes.py `review_required`): when the client's supervisor set
"review before signing" for the note's author, the author's "Sign" is "Submit for review";
the supervisor either returns the note (it is a draft again, the comment shown to the author
on the note and in their queue) or co-signs it, which signs it. Notes come through
`sessions.selectors.note_for_write` (the author) and `note_for_cosign` (anyone who can read it;
the service checks the supervisor), so out of scope is 404 and the wrong person 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from practice.errors import DomainError
from practice.roles import Capability
from practice.web_guards import capability_required
from sessions import selectors
from sessions.models import Supervision
from sessions.services import notes as note_services
from sessions.services import supervision as supervision_services
from sessions.web import editor_with_error

supervision_page = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,))


@supervision_page
@require_GET
def review_queue(request) -> HttpResponse:
    user = request.user
    queue = selectors.review_queue(user=user)
    supervisees = list(supervision_services.supervisees_of(user.membership))
    settings = dict(
        Supervision.objects.filter(supervisor=user.membership, supervisee__in=supervisees).values_list(
            "supervisee_id", "review_before_signing"
        )
    )
    context = {
        "queue": queue,
        "supervisees": [(member, settings.get(member.pk, False)) for member in supervisees],
    }
    return render(request, "therapist/supervision.html", context)


def _refused(request, note, error: DomainError) -> HttpResponse:
    """The note again with the refusal on it (409 for a state conflict, else 400)."""
    return editor_with_error(request, note, status=409 if error.conflict else 400, error=error.message)


@supervision_page
@require_POST
def note_submit(request, pk: int) -> HttpResponse:
    note = selectors.note_for_write(user=request.user, note_id=pk)
    if request.POST.get("attest") != "yes":
        return editor_with_error(
            request, note, status=400, error="Tick “I attest this note is accurate and complete” to submit it."
        )
    try:
        sections = {name: request.POST[name] for name in note_services.note_section_names(note) if name in request.POST}
        if sections:
            version = request.POST.get("version", "")
            note_services.note_update(
                note=note, actor=request.user, sections=sections, version=int(version) if version.isdigit() else None
            )
        note_services.note_submit_for_review(note=note, actor=request.user)
    except DomainError as error:
        return _refused(request, note, error)
    messages.success(request, "Submitted for review. Your supervisor's co-signature signs the note.")
    return redirect("note-edit", pk=note.pk)


@supervision_page
@require_POST
def note_return(request, pk: int) -> HttpResponse:
    note = selectors.note_for_cosign(user=request.user, note_id=pk)
    try:
        note_services.note_return(note=note, actor=request.user, comment=request.POST.get("comment", ""))
    except DomainError as error:
        return _refused(request, note, error)
    messages.success(request, "Note returned to its author with your comment.")
    return redirect("supervision")


@supervision_page
@require_POST
def note_cosign(request, pk: int) -> HttpResponse:
    note = selectors.note_for_cosign(user=request.user, note_id=pk)
    try:
        note_services.note_cosign(note=note, actor=request.user)
    except DomainError as error:
        return _refused(request, note, error)
    messages.success(request, "Note co-signed.")
    return redirect("note-edit", pk=note.pk)


@supervision_page
@require_POST
def supervisee_setting(request, pk: int) -> HttpResponse:
    setting = supervision_services.supervision_set(
        supervisee_id=pk, review_before_signing=request.POST.get("review_before_signing") == "yes", actor=request.user
    )
    name = setting.supervisee.display_name
    if setting.review_before_signing:
        messages.success(request, f"{name}'s notes now come to you for review before they are signed.")
    else:
        messages.success(request, f"{name} signs their own notes; you co-sign afterwards.")
    return redirect("supervision")
