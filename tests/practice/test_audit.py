"""The audit log: one event per write, reads of clinical content, no PHI values, append-only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from practice.models import AuditEvent
from tests.conftest import PHI_CANARY, as_user

pytestmark = pytest.mark.django_db


def test_a_write_creates_exactly_one_event(therapist, client_record):
    api = as_user(therapist)
    before = AuditEvent.objects.count()
    response = api.patch(
        reverse("api-client-detail", kwargs={"pk": client_record.pk}), {"phone": "555-0199"}, format="json"
    )
    assert response.status_code == 200
    events = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert [(event.action, event.fields) for event in events] == [("update", ["phone"])]
    event = events[0]
    assert event.actor == therapist and event.actor_role == "therapist"
    assert event.client_id == client_record.pk and event.request_id and event.ip_address == "127.0.0.1"


def test_reading_clinical_content_is_audited(therapist, client_record):
    api = as_user(therapist)
    before = AuditEvent.objects.filter(action="read").count()
    api.get(reverse("api-client-detail", kwargs={"pk": client_record.pk}))
    assert AuditEvent.objects.filter(action="read", client_id=client_record.pk).count() == before + 1


def test_audit_rows_hold_no_phi_values(therapist, client_record):
    api = as_user(therapist)
    api.patch(
        reverse("api-client-detail", kwargs={"pk": client_record.pk}),
        {"presenting_concerns": f"Panic {PHI_CANARY}"},
        format="json",
    )
    api.post(
        reverse("api-client-goals", kwargs={"pk": client_record.pk}),
        {"problem": PHI_CANARY, "description": PHI_CANARY},
        format="json",
    )
    api.get(reverse("api-client-detail", kwargs={"pk": client_record.pk}))
    for event in AuditEvent.objects.all():
        row = " ".join(str(value) for value in event.__dict__.values())
        assert PHI_CANARY not in row
        assert client_record.last_name not in row


def test_audit_events_cannot_be_changed_or_deleted(therapist, client_record):
    as_user(therapist).get(reverse("api-client-detail", kwargs={"pk": client_record.pk}))
    event = AuditEvent.objects.first()
    event.action = "tampered"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.update(action="x")


def test_admin_lists_the_audit_log_filtered_by_client(admin, therapist, client_record, other_client_record):
    as_user(therapist).get(reverse("api-client-detail", kwargs={"pk": client_record.pk}))
    as_user(therapist).get(reverse("api-client-detail", kwargs={"pk": other_client_record.pk}))
    response = as_user(admin).get(reverse("api-audit"), {"client": client_record.pk})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and {row["client_id"] for row in rows} == {client_record.pk}
    assert {"actor", "action", "target_type", "target_id", "created_at", "fields", "ip_address", "request_id"} <= set(
        rows[0]
    )


def test_audit_log_never_crosses_practices(admin, outsider):
    from clients.models import Client

    as_user(outsider).post(
        reverse("api-clients"),
        {"first_name": "Other", "last_name": "Place", "date_of_birth": "1990-01-01"},
        format="json",
    )
    other_id = Client.objects.get(last_name="Place").pk
    rows = as_user(admin).get(reverse("api-audit"), {"client": other_id}).json()["results"]
    assert rows == []
