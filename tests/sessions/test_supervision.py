"""Supervision: review before signing, return with a comment, co-sign from the web, the review
queue (sessions/web_supervision.py, sessions/services/notes.py, sessions.selectors.review_queue)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from practice.audit import AuditAction
from practice.errors import DomainError, NotFound
from practice.models import AuditEvent
from sessions.models import ProgressNote, Supervision
from sessions.services import notes as note_services
from sessions.services.supervision import supervision_set
from tests.conftest import web_as
from tests.factories import ClientFactory, ProgressNoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_on(therapist, supervisor):
    return Supervision.objects.create(
        supervisor=supervisor.membership, supervisee=therapist.membership, review_before_signing=True
    )


def _draft(client, author, text="Worked on sleep."):
    return ProgressNoteFactory(client=client, author=author, sections={"data": text, "assessment": "", "plan": ""})


def test_with_review_required_the_author_cannot_sign(therapist, client_record, review_on):
    note = _draft(client_record, therapist)
    with pytest.raises(DomainError) as refused:
        note_services.note_sign(note=note, actor=therapist)
    assert refused.value.conflict and "submit it for review" in refused.value.message
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.DRAFT


def test_without_the_setting_the_author_signs_as_before(therapist, supervisor, client_record):
    note = _draft(client_record, therapist)
    note_services.note_sign(note=note, actor=therapist)
    assert note.status == ProgressNote.Status.SIGNED and note.cosigned_at is None


def test_a_note_in_review_cannot_be_edited_or_signed(therapist, supervisor, client_record):
    note = _draft(client_record, therapist)
    note_services.note_submit_for_review(note=note, actor=therapist)
    with pytest.raises(DomainError, match="with the supervisor"):
        note_services.note_update(note=note, actor=therapist, sections={"data": "changed"})
    with pytest.raises(DomainError):
        note_services.note_sign(note=note, actor=therapist)


def test_only_the_clients_supervisor_returns_or_cosigns(therapist, colleague, supervisor, client_record):
    note = _draft(client_record, therapist)
    note_services.note_submit_for_review(note=note, actor=therapist)
    for actor in (therapist, colleague):
        with pytest.raises(PermissionDenied):
            note_services.note_return(note=note, actor=actor, comment="No")
        with pytest.raises(PermissionDenied):
            note_services.note_cosign(note=note, actor=actor)


def test_returning_needs_a_comment_and_a_note_in_review(therapist, supervisor, client_record):
    note = _draft(client_record, therapist)
    with pytest.raises(DomainError, match="submitted for review"):
        note_services.note_return(note=note, actor=supervisor, comment="Add the plan.")
    note_services.note_submit_for_review(note=note, actor=therapist)
    with pytest.raises(DomainError, match="Write some text"):
        note_services.note_return(note=note, actor=supervisor, comment="  ")


def test_submitting_an_empty_note_is_refused(therapist, supervisor, client_record):
    note = _draft(client_record, therapist, text="")
    with pytest.raises(DomainError, match="empty"):
        note_services.note_submit_for_review(note=note, actor=therapist)


def test_transition_map_allows_review_states():
    transitions = ProgressNote.ALLOWED_TRANSITIONS
    assert transitions[ProgressNote.Status.DRAFT] == {ProgressNote.Status.SIGNED, ProgressNote.Status.IN_REVIEW}
    assert transitions[ProgressNote.Status.IN_REVIEW] == {ProgressNote.Status.DRAFT, ProgressNote.Status.SIGNED}
    assert transitions[ProgressNote.Status.SIGNED] == set()


def test_supervision_setting_is_only_for_ones_own_supervisees(therapist, supervisor, colleague, client_record):
    setting = supervision_set(supervisee_id=therapist.membership.pk, review_before_signing=True, actor=supervisor)
    assert setting.review_before_signing
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="clinical_sessions.supervision").exists()
    with pytest.raises(NotFound):
        supervision_set(supervisee_id=therapist.membership.pk, review_before_signing=True, actor=colleague)


def test_the_author_sees_sign_replaced_by_submit_for_review(therapist, supervisor, client_record, review_on):
    note = _draft(client_record, therapist)
    html = web_as(therapist).get(reverse("note-edit", args=[note.pk])).content.decode()
    assert 'data-testid="submit-for-review"' in html and "Sign note" not in html
    review_on.review_before_signing = False
    review_on.save()
    html = web_as(therapist).get(reverse("note-edit", args=[note.pk])).content.decode()
    assert "Sign note" in html


def test_supervision_flow_end_to_end(therapist, supervisor, client_record, review_on):
    """Trainee writes -> submits -> supervisor returns with a comment -> trainee edits and
    resubmits -> supervisor co-signs (which signs the note)."""
    trainee, boss = web_as(therapist), web_as(supervisor)
    created = trainee.post(reverse("note-new"), {"client": client_record.pk, "format": "dap"})
    note = ProgressNote.objects.get()
    assert created["Location"] == reverse("note-edit", args=[note.pk])
    # Signing directly is refused; submitting with the text on screen works.
    refused = trainee.post(reverse("note-sign", args=[note.pk]), {"attest": "yes", "data": "First try."})
    assert refused.status_code == 409
    submitted = trainee.post(
        reverse("note-submit", args=[note.pk]), {"attest": "yes", "data": "First try.", "version": note.version + 1}
    )
    assert submitted.status_code == 302
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.IN_REVIEW and note.submitted_at

    queue = boss.get(reverse("supervision"))
    assert [n.pk for n in queue.context["queue"].in_review] == [note.pk]
    assert 'data-testid="review-actions"' in boss.get(reverse("note-edit", args=[note.pk])).content.decode()

    returned = boss.post(reverse("note-return", args=[note.pk]), {"comment": "Add how the exposure went."})
    assert returned.status_code == 302
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.DRAFT and note.returned_by == supervisor

    mine = trainee.get(reverse("supervision"))
    assert [n.pk for n in mine.context["queue"].returned] == [note.pk]
    nav = mine.content.decode().split('data-testid="nav-supervision"')[1][:200]
    assert ">1<" in nav  # the returned note counts in the trainee's menu
    editor = trainee.get(reverse("note-edit", args=[note.pk])).content.decode()
    assert "Add how the exposure went." in editor and 'data-testid="review-comment"' in editor

    trainee.post(reverse("note-edit", args=[note.pk]), {"data": "Exposure: 3 of 4 steps.", "version": note.version})
    resubmitted = trainee.post(reverse("note-submit", args=[note.pk]), {"attest": "yes"})
    assert resubmitted.status_code == 302
    cosigned = boss.post(reverse("note-cosign", args=[note.pk]))
    assert cosigned.status_code == 302
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.SIGNED
    assert note.signed_by == therapist and note.cosigned_by == supervisor
    assert note.sections["data"] == "Exposure: 3 of 4 steps."
    actions = list(
        AuditEvent.objects.filter(target_type="clinical_sessions.progressnote", target_id=str(note.pk))
        .exclude(action=AuditAction.READ)
        .values_list("action", flat=True)
    )
    assert actions.count(AuditAction.COSIGN) == 1 and actions.count(AuditAction.UPDATE) >= 4


def test_supervisor_cosigns_a_signed_note_from_the_web(therapist, supervisor, client_record):
    note = _draft(client_record, therapist)
    note_services.note_sign(note=note, actor=therapist)
    assert [n.pk for n in web_as(supervisor).get(reverse("supervision")).context["queue"].to_cosign] == [note.pk]
    assert web_as(supervisor).post(reverse("note-cosign", args=[note.pk])).status_code == 302
    note.refresh_from_db()
    assert note.cosigned_by == supervisor
    again = web_as(supervisor).post(reverse("note-cosign", args=[note.pk]))
    assert again.status_code == 409 and "already co-signed" in again.content.decode()


def test_plans_due_for_review_are_in_the_queue(therapist, supervisor, client_record):
    client_record.plan_reviewed_on = timezone.localdate() - dt.timedelta(days=120)
    client_record.save()
    fresh = ClientFactory(
        primary_therapist=therapist.membership,
        practice=client_record.practice,
        supervisor=supervisor.membership,
        plan_reviewed_on=timezone.localdate(),
    )
    plans = web_as(supervisor).get(reverse("supervision")).context["queue"].plans_due
    assert client_record in plans and fresh not in plans


# Session, user (with membership, practice and MFA-device flag), the navigation's counts, the
# queue's four lists, the supervisees, their settings, and the first view's session save (3).
QUEUE_QUERIES = 12


@pytest.mark.parametrize("count", [1, 10, 100])
def test_review_queue_query_count_is_flat(therapist, supervisor, client_record, count, django_assert_num_queries):
    for _ in range(count):
        client = ClientFactory(
            primary_therapist=therapist.membership, practice=client_record.practice, supervisor=supervisor.membership
        )
        ProgressNoteFactory(
            client=client, author=therapist, status=ProgressNote.Status.IN_REVIEW, submitted_at=timezone.now()
        )
        ProgressNoteFactory(
            client=client, author=therapist, status=ProgressNote.Status.SIGNED, signed_at=timezone.now()
        )
    browser = web_as(supervisor)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = browser.get(reverse("supervision"))
    queue = response.context["queue"]
    assert len(queue.in_review) == count and len(queue.to_cosign) == count
    assert Client.objects.filter(supervisor=supervisor.membership).count() == count + 1


def test_the_api_follows_the_review_rule(therapist, supervisor, client_record, review_on):
    from tests.conftest import as_user

    note = _draft(client_record, therapist)
    signed = as_user(therapist).post(reverse("api-note-sign", args=[note.pk]))
    assert signed.status_code == 409
    note_services.note_submit_for_review(note=note, actor=therapist)
    assert as_user(therapist).get(reverse("api-note-detail", args=[note.pk])).json()["status"] == "in_review"
    cosigned = as_user(supervisor).post(reverse("api-note-cosign", args=[note.pk]))
    assert cosigned.status_code == 200
    assert cosigned.json()["status"] == "signed" and cosigned.json()["cosigned_by"]
