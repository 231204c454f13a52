"""Practice note templates (MANAGE_LIBRARY: therapists and admins; anyone else 404) and the
print view / PDF of a signed progress note.

Templates: `GET/POST /note-templates/` lists and creates, `GET/POST /note-templates/<id>/`
edits (`sessions.services.note_templates.note_template_save`, audited). A template is library
content, not clinical: no read is recorded. A note started from one is stored as format "free"
with the template's sections (see sessions/services/notes.py `note_create`).

Print: `GET /notes/<id>/print/` is a print-friendly page of a signed note with its addenda
(`note_for_read` records the read); `POST /notes/<id>/pdf/` answers the same as a PDF and
records an EXPORT audit event (a POST: an export is a write to the audit log, and GET pages do
not write). Psychotherapy notes are a different record and never reach either.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from practice.audit import AuditAction, audit_record
from practice.errors import Conflict, DomainError
from practice.roles import Capability
from practice.web_guards import capability_required
from sessions import selectors
from sessions.models import ProgressNote
from sessions.services.note_templates import MAX_SECTIONS, note_template_save
from sessions.web import note_sections, note_title, workspace_page

library_page = capability_required(Capability.MANAGE_LIBRARY)
EMPTY_ROWS = 3
NEW_TEMPLATE_ROWS = 5


def _rows_from(request) -> list[tuple[str, str]]:
    headings = request.POST.getlist("heading")[: MAX_SECTIONS + 5]
    prompts = request.POST.getlist("prompt")[: MAX_SECTIONS + 5]
    prompts += [""] * (len(headings) - len(prompts))
    return list(zip(headings, prompts, strict=False))


def _form_rows(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sections as form rows, then empty rows to add more (five for a new template)."""
    rows = [{"heading": item.get("heading", ""), "prompt": item.get("prompt", "")} for item in sections]
    spare = EMPTY_ROWS if rows else NEW_TEMPLATE_ROWS
    return rows + [{"heading": "", "prompt": ""}] * min(spare, MAX_SECTIONS - len(rows))


@library_page
@require_http_methods(["GET", "POST"])
def note_templates(request) -> HttpResponse:
    error, status, name, rows = None, 200, "", _form_rows([])
    if request.method == "POST":
        try:
            template = note_template_save(actor=request.user, name=request.POST.get("name"), rows=_rows_from(request))
        except DomainError as failure:
            error, status = failure.message, 400
            name = request.POST.get("name", "")
            rows = _form_rows([{"heading": h, "prompt": p} for h, p in _rows_from(request)])
        else:
            from django.contrib import messages

            messages.success(request, f"Template “{template.name}” saved. Choose it when you start a note.")
            return redirect("note-templates")
    context = {
        "templates": selectors.note_templates(user=request.user, include_inactive=True),
        "error": error,
        "name": name,
        "rows": rows,
    }
    return render(request, "therapist/note_templates.html", context, status=status)


@library_page
@require_http_methods(["GET", "POST"])
def note_template_edit(request, pk: int) -> HttpResponse:
    template = selectors.note_template(user=request.user, template_id=pk, include_inactive=True)
    error, status = None, 200
    name, rows, active = template.name, _form_rows(template.sections), template.is_active
    if request.method == "POST":
        active = request.POST.get("is_active") == "yes"
        try:
            note_template_save(
                actor=request.user,
                name=request.POST.get("name"),
                rows=_rows_from(request),
                template=template,
                is_active=active,
            )
        except DomainError as failure:
            error, status = failure.message, 400
            name = request.POST.get("name", "")
            rows = _form_rows([{"heading": h, "prompt": p} for h, p in _rows_from(request)])
        else:
            from django.contrib import messages

            messages.success(request, "Template saved. Notes already started keep the sections they began with.")
            return redirect("note-templates")
    context = {"template": template, "error": error, "name": name, "rows": rows, "active": active}
    return render(request, "therapist/note_template_edit.html", context, status=status)


# ---------------------------------------------------------------------------
# Print and PDF of a signed note


def _signed(note: ProgressNote) -> ProgressNote:
    if note.status != ProgressNote.Status.SIGNED:
        raise Conflict("Only a signed note can be printed or exported; sign it first.")
    return note


@workspace_page
@require_GET
def note_print(request, pk: int) -> HttpResponse:
    note = _signed(selectors.note_for_read(user=request.user, note_id=pk))
    context = {
        "note": note,
        "note_title": note_title(note),
        "client": note.client,
        "sections": note_sections(note),
        "addenda": list(note.addenda.all()),
        "printed_at": timezone.localtime(),
    }
    return render(request, "therapist/note_print.html", context)


@workspace_page
@require_POST
def note_pdf(request, pk: int) -> HttpResponse:
    # A POST from a reader (a supervisor too): exporting is reading, not editing the note.
    note = _signed(selectors.note_for_read(user=request.user, note_id=pk))
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            target=note,
            client_id=note.client_id,
            fields=["sections", "addenda", "pdf"],
        )
    response = HttpResponse(render_note_pdf(note), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="progress-note-{note.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def render_note_pdf(note: ProgressNote, *, compress: bool = True) -> bytes:
    """An A4 PDF of a signed note: its sections, signatures and addenda."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("note-body", splitLongWords=0)

    def para(text: Any, style=body) -> Paragraph:
        return Paragraph(xml_escape(str(text)).replace("\n", "<br/>"), style)

    def who(user) -> str:
        return user.get_full_name() or user.email

    client = note.client
    local = timezone.localtime
    story: list[Any] = [
        para(note_title(note), styles["Title"]),
        para(f"Client: {client.full_name}", styles["BodyText"]),
    ]
    if note.session_id and note.session:
        story.append(para(f"Session: {local(note.session.starts_at):%d %b %Y, %H:%M}", styles["BodyText"]))
    signed = f"Signed by {who(note.signed_by)} on {local(note.signed_at):%d %b %Y, %H:%M}" if note.signed_at else ""
    if note.cosigned_at and note.cosigned_by:
        signed += f"; co-signed by {who(note.cosigned_by)} on {local(note.cosigned_at):%d %b %Y, %H:%M}"
    story += [para(signed, styles["BodyText"]), Spacer(1, 4 * mm)]
    for _key, heading, _prompt, text in note_sections(note):
        story += [para(heading, styles["Heading2"]), para(text or "—")]
    addenda = list(note.addenda.all())
    if addenda:
        story.append(para("Addenda", styles["Heading2"]))
        for addendum in addenda:
            story.append(para(f"{who(addendum.author)}, {local(addendum.signed_at):%d %b %Y, %H:%M}", styles["Italic"]))
            story.append(para(addendum.text))
    story += [Spacer(1, 6 * mm), para("Confidential clinical record. Printed from Alliance.", styles["Italic"])]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Progress note",
        author="Alliance",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        pageCompression=1 if compress else 0,
        invariant=0 if compress else 1,
    )
    document.build(story)
    return buffer.getvalue()
