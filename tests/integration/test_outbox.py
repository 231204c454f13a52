"""The notification outbox against a real worker, Redis and PostgreSQL: a broker outage while
alerts are raised loses no alert e-mail, and redelivery never sends one twice."""

from __future__ import annotations

import datetime as dt
from email import message_from_string
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.models import Alert
from practice.celery import app
from practice.models import Notification
from sessions.models import CheckIn
from tests.conftest import _portal_user, as_user
from tests.factories import ClientFactory
from tests.integration.conftest import DEAD_BROKER, broker_at, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RISKY_NOTES = [
    "I want to kill myself tonight",
    "I have a plan to end my life",
    "I don't want to be alive anymore, I have the pills",
]


def mails_in(directory: Path) -> list:
    """Every message the worker's file e-mail backend wrote (one file per connection)."""
    messages = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                messages.append(message_from_string(chunk.strip()))
    return messages


def queue_drained() -> bool:
    """Nothing waiting in the queue and nothing delivered but unacknowledged (acks_late)."""
    with app.connection_for_write() as connection:
        redis = connection.default_channel.client
        return redis.llen("celery") == 0 and redis.hlen("unacked") == 0


def test_alert_mails_raised_during_a_broker_outage_are_all_sent_once_it_is_back(
    start_worker, therapist, settings, tmp_path, no_phi_in_task_messages
):
    practice = therapist.membership.practice
    portals = []
    for index in range(3):
        record = ClientFactory(practice=practice, primary_therapist=therapist.membership)
        portals.append(as_user(_portal_user(record, f"client{index}@outbox.example")))

    with broker_at(DEAD_BROKER, settings):
        for portal in portals:
            for note in RISKY_NOTES:
                response = portal.post(reverse("api-me-checkins"), {"mood": 1, "note": note}, format="json")
                assert response.status_code == 201, response.content
                assert response.json()["crisis_resources"]
    raised = len(portals) * len(RISKY_NOTES)
    assert CheckIn.objects.count() == raised
    assert Alert.objects.count() == raised, "every risky check-in raised its alert in the request"
    assert Notification.objects.filter(kind="alert_created", sent_at__isnull=True).count() == raised
    assert [name for name, *_ in no_phi_in_task_messages].count("practice.send_notification") == raised, (
        "each commit tried to publish its send task"
    )

    # The outage lasted longer than the sweeper's grace period.
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    mailbox = tmp_path / "mail"
    worker_env = {"EMAIL_URL": f"filemail:///{mailbox}"}
    start_worker(**worker_env)
    start_worker(**worker_env)  # two workers, so deliveries of one row really race
    # The sweeper twice, and every send task delivered twice more: all racing on two workers.
    app.send_task("practice.sweep_outbox")
    for notification_id in Notification.objects.values_list("pk", flat=True):
        app.send_task("practice.send_notification", args=[notification_id])
    app.send_task("practice.sweep_outbox")
    for notification_id in Notification.objects.values_list("pk", flat=True):
        app.send_task("practice.send_notification", args=[notification_id])

    wait_for(
        lambda: not Notification.objects.filter(sent_at__isnull=True).exists(), timeout=90, what="the outbox to drain"
    )
    wait_for(queue_drained, timeout=60, what="every queued delivery to finish")

    messages = mails_in(mailbox)
    assert len(messages) == raised, f"{len(messages)} e-mails for {raised} alerts"
    assert all(message["To"] == therapist.email for message in messages)
    for message in messages:
        body = message.get_payload()
        assert "A new alert was raised" in body
        assert not any(note in body for note in RISKY_NOTES)
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    assert not Alert.objects.filter(notified_at__isnull=True).exists()
