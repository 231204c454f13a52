"""Break-glass: an admin's emergency, time-limited, read-only access to one client's record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import BreakGlassGrant
from practice.models import AuditEvent
from sessions.models import PsychotherapyNote
from tests.conftest import PASSWORD, PHI_CANARY, as_user
from tests.factories import ClientFactory, ProgressNoteFactory

pytestmark = pytest.mark.django_db

REASON = "Therapist on leave; the client's GP called about an urgent safety concern."

# Reads an emergency grant opens (each names the client by pk).
OPENED_READS = [
    "api-client-notes",
    "api-client-sessions",
    "api-client-assessments",
    "api-client-outcomes",
    "api-client-homework",
    "api-client-checkins",
    "api-client-messages",
    "api-client-insights",
    "api-client-goals",
    "api-client-consents",
]
# Never opened by a grant: the author-only psychotherapy notes, the export, AI adjuncts.
CLOSED_READS = ["api-client-psychotherapy-notes", "api-client-fhir", "api-client-brief"]


def open_grant(admin, client_record, **data):
    return as_user(admin).post(
        reverse("api-client-break-glass", kwargs={"pk": client_record.pk}),
        {"reason": REASON, "password": PASSWORD, **data},
        format="json",
    )


def get(user, name, pk):
    return as_user(user).get(reverse(name, kwargs={"pk": pk}))


@pytest.fixture
def note(client_record):
    return ProgressNoteFactory(client=client_record, sections={"data": f"Hard week {PHI_CANARY}"})


def test_admin_without_a_grant_cannot_read_clinical_content(admin, client_record, note):
    for name in OPENED_READS:
        assert get(admin, name, client_record.pk).status_code == 404, name
    detail = get(admin, "api-client-detail", client_record.pk)
    assert detail.status_code == 200 and PHI_CANARY not in detail.content.decode()


def test_an_open_grant_lets_the_admin_read_that_client_only(admin, therapist, client_record, note):
    response = open_grant(admin, client_record, duration_minutes=30)
    assert response.status_code == 201, response.content
    grant = response.json()
    assert grant["active"] is True and grant["client"] == client_record.pk and grant["reason"] == REASON
    expires = dt.datetime.fromisoformat(grant["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(minutes=29) < expires - timezone.now() <= dt.timedelta(minutes=30)

    for name in OPENED_READS:
        assert get(admin, name, client_record.pk).status_code == 200, name
    notes = get(admin, "api-client-notes", client_record.pk)
    assert PHI_CANARY in notes.content.decode()
    detail = get(admin, "api-client-detail", client_record.pk).json()
    assert PHI_CANARY in detail["presenting_concerns"]

    other = ClientFactory(primary_therapist=therapist.membership, practice=client_record.practice)
    for name in OPENED_READS:
        assert get(admin, name, other.pk).status_code == 404, name


def test_a_grant_never_opens_psychotherapy_notes_exports_or_ai(admin, therapist, client_record):
    PsychotherapyNote.objects.create(client=client_record, author=therapist, text=f"Private {PHI_CANARY}")
    assert open_grant(admin, client_record).status_code == 201
    for name in CLOSED_READS:
        response = get(admin, name, client_record.pk)
        assert response.status_code == 404, name
        assert PHI_CANARY not in response.content.decode()


def test_a_grant_is_read_only(admin, client_record, note):
    assert open_grant(admin, client_record).status_code == 201
    api = as_user(admin)
    before = AuditEvent.objects.count()
    created = api.post(
        reverse("api-client-notes", kwargs={"pk": client_record.pk}),
        {"format": "free", "sections": {"text": "Added by admin"}},
        format="json",
    )
    edited = api.patch(reverse("api-note-detail", kwargs={"pk": note.pk}), {"sections": {"data": "x"}}, format="json")
    signed = api.post(reverse("api-note-sign", kwargs={"pk": note.pk}), {}, format="json")
    assert (created.status_code, edited.status_code, signed.status_code) == (404, 404, 404)
    assert note.__class__.objects.filter(client=client_record).count() == 1
    assert AuditEvent.objects.count() == before


def test_expired_or_revoked_grants_close_access(admin, manager, client_record, note):
    grant_id = open_grant(admin, client_record).json()["id"]
    BreakGlassGrant.objects.filter(pk=grant_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert get(admin, "api-client-notes", client_record.pk).status_code == 404

    grant_id = open_grant(admin, client_record).json()["id"]
    assert get(admin, "api-client-notes", client_record.pk).status_code == 200
    revoked = as_user(manager).post(reverse("api-break-glass-revoke", kwargs={"pk": grant_id}))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert revoked.json()["revoked_by"] == manager.membership.pk
    assert get(admin, "api-client-notes", client_record.pk).status_code == 404
    again = as_user(admin).post(reverse("api-break-glass-revoke", kwargs={"pk": grant_id}))
    assert again.status_code == 409


def test_opening_is_audited_and_reads_under_a_grant_are_audited(admin, client_record, note):
    grant_id = open_grant(admin, client_record).json()["id"]
    opened = AuditEvent.objects.get(action="break_glass")
    assert opened.actor == admin and opened.client_id == client_record.pk and opened.target_id == str(grant_id)
    assert REASON not in str(opened.__dict__)  # field names only, never the reason itself
    get(admin, "api-client-notes", client_record.pk)
    assert AuditEvent.objects.filter(action="read", actor=admin, client_id=client_record.pk).exists()


def test_the_therapist_and_managers_are_told_without_client_details(
    admin, manager, therapist, client_record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert open_grant(admin, client_record).status_code == 201
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {therapist.email, manager.email}
    assert admin.email not in message.to
    body = message.subject + message.body
    assert f"client #{client_record.pk}" in body
    for secret in (client_record.first_name, client_record.last_name, PHI_CANARY, REASON):
        assert secret not in body
    grant = BreakGlassGrant.objects.get()
    assert grant.notified_at is not None

    # Delivered twice, the task does not mail twice.
    from clients.tasks import notify_break_glass

    notify_break_glass.apply(args=[grant.pk])
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "", "password": PASSWORD}, "reason"),
        ({"reason": "   urgent  ", "password": PASSWORD}, "reason"),
        ({"reason": REASON, "password": PASSWORD, "duration_minutes": 5}, "duration_minutes"),
        ({"reason": REASON, "password": PASSWORD, "duration_minutes": 600}, "duration_minutes"),
        ({"reason": REASON}, "password"),
        ({"reason": REASON, "password": "not my password"}, "password"),
    ],
)
def test_a_grant_needs_a_reason_the_admins_password_and_a_bounded_duration(admin, client_record, data, field):
    response = as_user(admin).post(
        reverse("api-client-break-glass", kwargs={"pk": client_record.pk}), data, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not BreakGlassGrant.objects.exists()


def test_a_second_grant_while_one_runs_is_a_conflict(admin, client_record):
    assert open_grant(admin, client_record).status_code == 201
    response = open_grant(admin, client_record)
    assert response.status_code == 409
    assert BreakGlassGrant.objects.count() == 1


def test_grants_in_another_practice_are_out_of_scope(admin, outsider, client_record):
    foreign = ClientFactory(primary_therapist=outsider.membership, practice=outsider.membership.practice)
    assert open_grant(admin, foreign).status_code == 404
    grant_id = open_grant(admin, client_record).json()["id"]
    listed = as_user(admin).get(reverse("api-break-glass"), {"active": "true"}).json()
    assert [row["id"] for row in listed["results"]] == [grant_id]
    assert as_user(admin).get(reverse("api-break-glass"), {"active": "false"}).json()["count"] == 0


def test_listing_grants_costs_a_fixed_number_of_queries(admin, manager, client_record, django_assert_num_queries):
    api = as_user(manager)
    url = reverse("api-break-glass")
    api.get(url)  # warm the token/session path
    for count in (1, 10):
        BreakGlassGrant.objects.bulk_create(
            BreakGlassGrant(
                client=client_record,
                granted_to=admin.membership,
                reason="Covering an emergency",
                expires_at=timezone.now() - dt.timedelta(minutes=1),
            )
            for _ in range(count)
        )
        with django_assert_num_queries(3):
            assert api.get(url).status_code == 200
