"""The notification outbox: written with the event, sent once, re-sent after an outage."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from clients.models import BreakGlassGrant
from clients.services.break_glass import break_glass_open
from insights.models import Alert
from insights.notifications import escalate_overdue
from insights.safety import raise_alert
from practice import outbox
from practice import tasks as practice_tasks
from practice.celery import app as celery_app
from practice.models import Notification
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REASON = "Client has a means (pills) and a plan"


def alert_for(client_record) -> Alert:
    return raise_alert(
        client=client_record, kind=Alert.Kind.RISK_LANGUAGE, severity=Alert.Severity.URGENT, reason=REASON
    )


@pytest.fixture
def broker_down(monkeypatch):
    """No worker, and every publish fails as it does while Redis is unreachable."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    attempts: list = []

    def fail(*args):
        attempts.append(args)
        raise OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(practice_tasks.send_notification, "delay", fail)
    return attempts


def test_alert_and_its_notice_are_written_in_one_transaction(
    client_record, therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        alert = alert_for(client_record)
        # Before commit the notice already exists in the same transaction, unsent.
        notification = Notification.objects.get(dedupe_key=f"alert:{alert.pk}:created")
        assert notification.sent_at is None and mail.outbox == []
    assert len(callbacks) == 1  # the send task is published only after commit
    assert notification.recipients == [therapist.email]
    assert notification.kind == "alert_created" and notification.practice_id == client_record.practice_id
    assert REASON not in notification.body and client_record.last_name not in notification.body


def test_rolled_back_alert_leaves_no_notice_and_sends_nothing(client_record, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        alert_for(client_record)
        raise RuntimeError("the check-in write failed")
    assert callbacks == []
    assert not Alert.objects.exists() and not Notification.objects.exists()
    assert outbox.outbox_sweep(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert mail.outbox == []


def test_body_is_encrypted_at_rest(client_record):
    alert = alert_for(client_record)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM practice_notification WHERE target_id = %s", [alert.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAAA") and "alert" not in stored.lower()
    assert "new alert" in Notification.objects.get(target_id=alert.pk).body


def test_task_delivered_twice_sends_one_mail(client_record, therapist, broker_down):
    alert = alert_for(client_record)
    notification = Notification.objects.get(target_id=alert.pk)
    assert practice_tasks.send_notification.apply(args=[notification.pk]).get() is True
    assert practice_tasks.send_notification.apply(args=[notification.pk]).get() is False
    later = timezone.now() + dt.timedelta(hours=1)
    assert outbox.outbox_sweep(now=later) == 0  # the sweeper does not resend a sent row either
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [therapist.email]
    notification.refresh_from_db()
    alert.refresh_from_db()
    assert notification.attempts == 1 and notification.sent_at is not None
    assert alert.notified_at == notification.sent_at


def test_enqueueing_the_same_notice_twice_keeps_one_row(client_record):
    alert = alert_for(client_record)
    from insights.notifications import alert_created_enqueue

    again = alert_created_enqueue(alert)
    assert Notification.objects.filter(target_id=alert.pk).count() == 1
    assert again.pk == Notification.objects.get(target_id=alert.pk).pk


def test_sweeper_sends_what_a_broker_outage_left_behind(
    client_record, therapist, broker_down, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            alerts = [alert_for(client_record) for _ in range(3)]
        assert len(broker_down) == 3, "each commit tried to publish"
        assert Alert.objects.count() == 3 and mail.outbox == []
        # Young rows are left to their task: the sweeper does not race it.
        assert outbox.outbox_sweep() == 0

    with time_machine.travel(start + dt.timedelta(seconds=outbox.MIN_AGE_SECONDS + 1), tick=False):
        assert practice_tasks.sweep_outbox.apply().get() == 3
        assert outbox.outbox_sweep() == 0
    assert len(mail.outbox) == 3
    assert all(message.to == [therapist.email] for message in mail.outbox)
    for alert in alerts:
        alert.refresh_from_db()
        assert alert.notified_at is not None
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_smtp_failure_is_retried_with_backoff_and_bounded(client_record, monkeypatch):
    start = timezone.now()

    def smtp_down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with time_machine.travel(start, tick=False):
        monkeypatch.setattr(outbox, "send_mail", smtp_down)
        alert = alert_for(client_record)
        notification = Notification.objects.get(target_id=alert.pk)
        assert outbox.outbox_deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.attempts == 1 and "SMTPServerDisconnected" in notification.last_error
    assert notification.next_attempt_at == start + dt.timedelta(seconds=outbox.BACKOFF_BASE_SECONDS)

    moment = start
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        # Not before the backoff has passed...
        with time_machine.travel(notification.next_attempt_at - dt.timedelta(seconds=1), tick=False):
            assert outbox.outbox_sweep() == 0
        notification.refresh_from_db()
        assert notification.attempts == attempt - 1
        # ...and then once.
        moment = notification.next_attempt_at
        with time_machine.travel(moment, tick=False):
            outbox.outbox_sweep()
        notification.refresh_from_db()
        assert notification.attempts == attempt
        assert notification.next_attempt_at - moment == outbox.backoff(attempt)
    assert outbox.backoff(outbox.MAX_ATTEMPTS) == dt.timedelta(seconds=outbox.BACKOFF_MAX_SECONDS)

    # The bound is reached: no further attempt, even once SMTP is back.
    monkeypatch.undo()
    with time_machine.travel(moment + dt.timedelta(days=1), tick=False):
        assert outbox.outbox_sweep() == 0
        assert outbox.outbox_deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.attempts == outbox.MAX_ATTEMPTS and notification.sent_at is None
    assert mail.outbox == []


def test_break_glass_notice_survives_a_broker_outage(
    admin, manager, therapist, client_record, broker_down, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        grant = break_glass_open(
            client=client_record, actor=admin, reason="Client unreachable, crisis", password=PASSWORD
        )
    assert len(broker_down) == 1 and mail.outbox == []
    assert BreakGlassGrant.objects.get(pk=grant.pk).notified_at is None
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        assert outbox.outbox_sweep() == 1
    assert len(mail.outbox) == 1 and set(mail.outbox[0].to) == {therapist.email, manager.email}
    assert BreakGlassGrant.objects.get(pk=grant.pk).notified_at is not None


def test_failed_escalation_mail_is_resent_by_the_sweeper(client_record, colleague, monkeypatch):
    practice = client_record.practice
    practice.backup_clinician = colleague.membership
    practice.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        alert = alert_for(client_record)
    mail.outbox.clear()

    def smtp_down(*args, **kwargs):
        raise OSError("smtp unreachable")

    monkeypatch.setattr(outbox, "send_mail", smtp_down)
    overdue = start + dt.timedelta(minutes=practice.urgent_ack_minutes + 1)
    with time_machine.travel(overdue, tick=False):
        assert escalate_overdue() == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 1 and mail.outbox == []
    escalation = Notification.objects.get(dedupe_key=f"alert:{alert.pk}:escalation:1")
    assert escalation.sent_at is None and escalation.recipients == [colleague.email]

    monkeypatch.undo()
    with time_machine.travel(overdue + dt.timedelta(minutes=5), tick=False):
        outbox.outbox_sweep()
    escalation.refresh_from_db()
    assert escalation.sent_at is not None
    # (The creation notice, never published in this test's transaction, goes out with it.)
    assert [message.to for message in mail.outbox if colleague.email in message.to] == [[colleague.email]]


def test_enqueue_needs_a_recipient(practice):
    with pytest.raises(ValueError, match="recipient"):
        outbox.outbox_enqueue(
            kind="test", to=["", "  "], subject="s", body="b", dedupe_key="k", practice_id=practice.pk
        )
    assert not Notification.objects.exists()


def test_the_sweeper_runs_every_minute():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["practice.sweep_outbox"] == 60.0
    assert "practice.send_notification" in celery_app.tasks and "practice.sweep_outbox" in celery_app.tasks


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_elsewhere_is_skipped_not_sent_twice(client_record, therapist):
    """The sweeper racing the task (or a task delivered twice) finds the row locked and moves on."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (runs in the PostgreSQL CI pass)")
    import threading

    from django.db import connections

    alert = alert_for(client_record)
    notification = Notification.objects.get(target_id=alert.pk)
    mail.outbox.clear()  # in autocommit the on-commit task already ran eagerly
    Notification.objects.filter(pk=notification.pk).update(sent_at=None, attempts=0)
    locked, release = threading.Event(), threading.Event()

    def other_sender() -> None:
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=notification.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_sender)
    thread.start()
    assert locked.wait(timeout=30)
    try:
        assert outbox.outbox_deliver(notification.pk) is False
        assert outbox.outbox_sweep(now=timezone.now() + dt.timedelta(hours=1)) == 0
    finally:
        release.set()
        thread.join(timeout=30)
    assert mail.outbox == []
    assert outbox.outbox_deliver(notification.pk) is True
    assert len(mail.outbox) == 1
