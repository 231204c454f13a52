"""The closed safety loop: signal -> alert in the request -> escalation -> a person resolves."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from insights.models import Alert
from insights.notifications import escalate_overdue
from insights.safety import acknowledgement_deadline, add_business_days, screen_client_text
from insights.tasks.safety import escalate_overdue_alerts
from practice.models import AuditEvent
from tests.conftest import as_user

pytestmark = pytest.mark.django_db


def test_risky_text_raises_an_urgent_alert_and_returns_crisis_resources(client_record, client_user):
    outcome = screen_client_text(
        client=client_record,
        texts=[("note", "I have saved up my pills and I'm going to take them all tonight.")],
        source_type="check_in",
        source_id=1,
        actor=client_user,
    )
    assert outcome.level == "urgent"
    assert outcome.crisis_resources == client_record.practice.crisis_resources
    alert = Alert.objects.get(client=client_record)
    assert alert.severity == "urgent" and alert.kind == "risk_language" and alert.status == "open"
    assert alert.excerpt  # the matched span, encrypted at rest


def test_benign_text_raises_nothing(client_record, client_user):
    outcome = screen_client_text(
        client=client_record,
        texts=[("note", "Went for a run and felt better.")],
        source_type="check_in",
        source_id=1,
        actor=client_user,
    )
    assert outcome.level == "none" and outcome.crisis_resources == []
    assert not Alert.objects.exists()


def test_alert_is_created_with_no_worker_running(
    client_record, client_user, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from practice import tasks as practice_tasks
    from practice.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        practice_tasks.send_notification, "delay", lambda *args: (_ for _ in ()).throw(OSError("broker down"))
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        screen_client_text(
            client=client_record,
            texts=[("note", "I want to die, I have a plan")],
            source_type="check_in",
            source_id=2,
            actor=client_user,
        )
    assert Alert.objects.filter(client=client_record, status="open").count() == 1


def test_deadlines_follow_practice_configuration(client_record):
    now = timezone.make_aware(dt.datetime(2026, 11, 27, 16, 0))  # a Friday
    assert acknowledgement_deadline(client_record, "urgent", now) == now + dt.timedelta(hours=1)
    assert acknowledgement_deadline(client_record, "concern", now) == add_business_days(now, 1)
    assert add_business_days(now, 1).weekday() == 0  # Monday, not Saturday


def test_escalation_to_backup_then_manager_then_human_resolution(
    client_record, client_user, therapist, colleague, manager
):
    practice = client_record.practice
    practice.backup_clinician = colleague.membership
    practice.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        screen_client_text(
            client=client_record,
            texts=[("note", "Tonight is the night, I'm going to end my life")],
            source_type="check_in",
            source_id=3,
            actor=client_user,
        )
    alert = Alert.objects.get()
    mail.outbox.clear()

    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        assert escalate_overdue_alerts() == 0  # within the hour: nobody else is paged yet

    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert escalate_overdue_alerts() == 1
        assert escalate_overdue() == 0  # idempotent within the window
    alert.refresh_from_db()
    assert alert.escalation_level == 1
    assert mail.outbox[-1].to == [colleague.email]
    # The backup clinician can now see and act on it; the body names no client.
    assert client_record.last_name not in mail.outbox[-1].body
    assert as_user(colleague).get(reverse("api-alert-detail", kwargs={"pk": alert.pk})).status_code == 200

    with time_machine.travel(start + dt.timedelta(minutes=125), tick=False):
        assert escalate_overdue_alerts() == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 2
    assert mail.outbox[-1].to == [manager.email]
    assert AuditEvent.objects.filter(action="escalate", target_id=str(alert.pk)).count() == 2

    # Only a person closes it, with an outcome and a note.
    api = as_user(therapist)
    bad = api.post(
        reverse("api-alert-resolve", kwargs={"pk": alert.pk}), {"outcome": "contacted_client"}, format="json"
    )
    assert bad.status_code == 400
    assert Alert.objects.get().status == "open"
    response = api.post(
        reverse("api-alert-resolve", kwargs={"pk": alert.pk}),
        {"outcome": "contacted_client", "note": "Phoned; safety plan reviewed; appointment tomorrow"},
        format="json",
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_by == therapist and alert.outcome == "contacted_client"
    again = api.post(
        reverse("api-alert-resolve", kwargs={"pk": alert.pk}), {"outcome": "false_positive", "note": "x"}, format="json"
    )
    assert again.status_code == 409


def test_acknowledge_records_who_and_when_and_keeps_the_alert_on_the_chart(client_record, therapist):
    from insights.safety import open_risk_alerts, raise_alert

    alert = raise_alert(client=client_record, kind="phq9_item9", severity="concern", reason="PHQ-9 item 9 answered 1")
    response = as_user(therapist).post(
        reverse("api-alert-acknowledge", kwargs={"pk": alert.pk}), {"note": "Will ask in session"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_at"] and body["status"] == "acknowledged"
    assert open_risk_alerts([client_record.pk]) == {client_record.pk: "concern"}
    assert as_user(therapist).get(reverse("api-alerts"), {"status": "open"}).json()["count"] == 0
    assert as_user(therapist).get(reverse("api-alerts"), {"status": "acknowledged"}).json()["count"] == 1


def test_alert_list_shape_matches_the_contract(client_record, therapist):
    from insights.safety import raise_alert

    raise_alert(client=client_record, kind="cssrs", severity="urgent", reason="C-SSRS high")
    results = as_user(therapist).get(reverse("api-alerts"), {"status": "open"}).json()["results"]
    assert set(results[0]) >= {"id", "client", "kind", "severity", "reason", "created_at", "acknowledged_at"}
    assert results[0]["client"] == client_record.pk
