"""Practice note templates, the session a new note links to by default, and print/PDF of a
signed note (sessions/web_note_templates.py, sessions/services/note_templates.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.audit import AuditAction
from practice.errors import DomainError
from practice.models import AuditEvent
from sessions.models import NoteTemplate, ProgressNote, Session
from sessions.services import notes as note_services
from sessions.services.note_templates import clean_template_sections, note_template_save
from tests.conftest import PHI_CANARY, as_user, web_as
from tests.factories import ProgressNoteFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(therapist):
    return note_template_save(
        actor=therapist,
        name="Couples session",
        rows=[("Each partner's view", "In their words"), ("Pattern", ""), ("", "dropped"), ("Plan", "")],
    )


def test_template_sections_get_stable_keys(template):
    assert [item["key"] for item in template.sections] == ["each_partner_s_view", "pattern", "plan"]
    assert template.sections[0]["prompt"] == "In their words"
    edited = clean_template_sections([("Both views", ""), ("Pattern", ""), ("Plan", "")], keep=template.sections)
    assert [item["key"] for item in edited] == ["each_partner_s_view", "pattern", "plan"]


def test_a_template_needs_a_name_and_a_section(therapist):
    with pytest.raises(DomainError, match="name"):
        note_template_save(actor=therapist, name="", rows=[("A", "")])
    with pytest.raises(DomainError, match="at least one"):
        note_template_save(actor=therapist, name="Empty", rows=[("", "")])


def test_a_note_from_a_template_is_free_format_with_the_templates_sections(therapist, client_record, template):
    response = web_as(therapist).post(
        reverse("note-new"), {"client": client_record.pk, "format": f"template-{template.pk}"}
    )
    note = ProgressNote.objects.get()
    assert response["Location"] == reverse("note-edit", args=[note.pk])
    assert note.format == "free" and note.template == template
    assert list(note.sections) == ["each_partner_s_view", "pattern", "plan"]
    html = web_as(therapist).get(reverse("note-edit", args=[note.pk])).content.decode()
    assert "Couples session" in html and "Each partner&#x27;s view" in html and "In their words" in html
    # The API contract holds: a template note is a "free" note whose sections PATCH as usual.
    api = as_user(therapist)
    patched = api.patch(reverse("api-note-detail", args=[note.pk]), {"sections": {"pattern": "Pursue"}}, format="json")
    assert patched.status_code == 200 and patched.json()["format"] == "free"
    bad = api.patch(reverse("api-note-detail", args=[note.pk]), {"sections": {"text": "x"}}, format="json")
    assert bad.status_code == 400


def test_editing_a_template_never_changes_a_started_note(therapist, client_record, template):
    note = note_services.note_create(client=client_record, actor=therapist, format="free", template=template)
    note_template_save(actor=therapist, name="Couples", rows=[("Only one", "")], template=template)
    note.refresh_from_db()
    assert [item["heading"] for item in note.layout] == ["Each partner's view", "Pattern", "Plan"]


def test_another_practices_template_cannot_be_used(therapist, outsider, client_record):
    foreign = NoteTemplate.objects.create(
        practice=outsider.membership.practice, name="Theirs", sections=[{"key": "a", "heading": "A", "prompt": ""}]
    )
    response = web_as(therapist).post(
        reverse("note-new"), {"client": client_record.pk, "format": f"template-{foreign.pk}"}
    )
    assert response.status_code == 404 and not ProgressNote.objects.exists()


def test_templates_page_creates_and_lists(therapist, manager):
    browser = web_as(therapist)
    created = browser.post(
        reverse("note-templates"), {"name": "Intake", "heading": ["Referral", "History"], "prompt": ["Who sent", ""]}
    )
    assert created.status_code == 302
    assert NoteTemplate.objects.get().sections[1]["heading"] == "History"
    assert "Intake" in browser.get(reverse("note-templates")).content.decode()
    assert web_as(manager).get(reverse("note-templates")).status_code == 404


def test_new_note_links_the_latest_attended_session_without_a_note(therapist, client_record):
    now = timezone.now()
    noted = SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=1), status=Session.Status.ATTENDED)
    ProgressNoteFactory(client=client_record, author=therapist, session=noted)
    waiting = SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=3), status=Session.Status.ATTENDED)
    SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=2), status=Session.Status.NO_SHOW)
    SessionFactory(client=client_record, starts_at=now + dt.timedelta(days=2), status=Session.Status.SCHEDULED)
    page = web_as(therapist).get(f"{reverse('note-new')}?client={client_record.pk}")
    assert page.context["session"] == waiting
    assert f'<option value="{waiting.pk}" selected>' in page.content.decode()
    chosen = web_as(therapist).get(f"{reverse('note-new')}?client={client_record.pk}&session=")
    assert chosen.context["session"] is None


def _signed_note(client, therapist):
    note = ProgressNoteFactory(
        client=client, author=therapist, sections={"data": f"Said {PHI_CANARY}", "assessment": "", "plan": ""}
    )
    note_services.note_sign(note=note, actor=therapist)
    note_services.addendum_create(note=note, actor=therapist, text="Correction: 45 minutes.")
    return note


def test_print_view_shows_the_signed_note_with_addenda(therapist, client_record):
    note = _signed_note(client_record, therapist)
    html = web_as(therapist).get(reverse("note-print", args=[note.pk])).content.decode()
    assert PHI_CANARY in html and "Correction: 45 minutes." in html and "Download PDF" in html


def test_a_draft_cannot_be_printed(therapist, client_record):
    draft = ProgressNoteFactory(client=client_record, author=therapist)
    assert web_as(therapist).get(reverse("note-print", args=[draft.pk])).status_code == 409
    assert web_as(therapist).post(reverse("note-pdf", args=[draft.pk])).status_code == 409
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_pdf_of_a_signed_note_is_audited_as_an_export(therapist, client_record):
    from sessions.web_note_templates import render_note_pdf
    from tests.insights.test_reports import pdf_text

    note = _signed_note(client_record, therapist)
    response = web_as(therapist).post(reverse("note-pdf", args=[note.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.client_id == client_record.pk and event.target_id == str(note.pk)
    text = pdf_text(render_note_pdf(note, compress=False))
    assert b"Correction: 45 minutes." in text and b"Addenda" in text
