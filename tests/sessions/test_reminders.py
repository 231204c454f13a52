"""Homework reminders: the right people, the right hour, once a day, and nothing clinical."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from clients.models import Client, Consent
from sessions.homework_sweeps import due_reminders
from sessions.models import HomeworkAssignment
from sessions.tasks import send_reminders
from tests.factories import HomeworkAssignmentFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 18:30 in New York (EST) on a winter evening: the practice's local reminder hour is 18.
EVENING = dt.datetime(2031, 1, 15, 23, 30, tzinfo=UTC)
CLINICAL_WORDS = [
    "depression",
    "depressed",
    "suicide",
    "suicidal",
    "phq",
    "gad",
    "score",
    "homework",
    "thought record",
    "journal",
    "worksheet",
    "mood",
    "therapy",
    "therapist",
    "anxiety",
    "diagnosis",
    "overdue",
    "missed",
]


@pytest.fixture(autouse=True)
def practice_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def reminded_client(client_user, client_record):
    Client.objects.filter(pk=client_record.pk).update(
        reminders_enabled=True, reminder_hour=18, reminder_channel="email", email="avery@clients.example"
    )
    client_record.refresh_from_db()
    return client_record


def due_in(client, hours: float, **extra) -> HomeworkAssignment:
    return HomeworkAssignmentFactory(client=client, due_at=EVENING + dt.timedelta(hours=hours), **extra)


def run_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return send_reminders.apply().get()


def test_reminder_text_contains_nothing_clinical(reminded_client):
    title = "Depression thought record after PHQ-9 of 19"
    due_in(reminded_client, 5, title=title)
    due_in(reminded_client, -30, title="Suicide safety plan worksheet", status="missed")
    assert run_at(EVENING) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["avery@clients.example"]
    text = f"{message.subject}\n{message.body}".lower()
    assert "something to complete" in text and "sign in" in text
    assert title.lower() not in text
    for word in CLINICAL_WORDS:
        assert word not in text, word
    assert not re.search(r"\d", text), "no numbers: no scores, counts or dates"
    assert reminded_client.first_name.lower() not in text and reminded_client.last_name.lower() not in text


def test_one_email_per_client_covers_all_their_due_work(reminded_client):
    first, second = due_in(reminded_client, 2), due_in(reminded_client, 20)
    run_at(EVENING)
    assert len(mail.outbox) == 1
    assert all(
        assignment.reminded_at is not None
        for assignment in HomeworkAssignment.objects.filter(pk__in=[first.pk, second.pk])
    )


def test_at_most_one_reminder_per_assignment_per_day(reminded_client):
    due_in(reminded_client, -2)  # overdue: still nudged the next day
    assert run_at(EVENING) == 1
    assert run_at(EVENING + dt.timedelta(minutes=15)) == 0
    assert run_at(EVENING + dt.timedelta(minutes=29)) == 0
    assert len(mail.outbox) == 1
    assert run_at(EVENING + dt.timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


def test_reminder_goes_out_only_in_the_clients_hour_in_the_practice_time_zone(reminded_client):
    due_in(reminded_client, 5)
    # 18:30 UTC is 13:30 in New York: not the client's hour.
    assert run_at(EVENING - dt.timedelta(hours=5)) == 0
    assert run_at(EVENING - dt.timedelta(hours=1)) == 0
    assert mail.outbox == []
    assert run_at(EVENING) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"reminders_enabled": False},
        {"reminder_channel": "none"},
        {"reminder_hour": 7},
        {"status": Client.Status.DISCHARGED},
    ],
)
def test_clients_who_opted_out_or_left_get_nothing(reminded_client, change):
    Client.objects.filter(pk=reminded_client.pk).update(**change)
    due_in(reminded_client, 5)
    assert run_at(EVENING) == 0
    assert mail.outbox == []


def test_withdrawn_portal_consent_stops_reminders(reminded_client):
    Consent.objects.filter(client=reminded_client, kind=Consent.Kind.PORTAL).update(revoked_at=timezone.now())
    due_in(reminded_client, 5)
    assert run_at(EVENING) == 0


def test_client_without_a_portal_login_gets_nothing(therapist):
    from tests.factories import ClientFactory

    offline = ClientFactory(primary_therapist=therapist.membership, reminder_hour=18)
    due_in(offline, 5)
    assert run_at(EVENING) == 0


@pytest.mark.parametrize(
    ("hours", "status", "expected"),
    [
        (5, "assigned", 1),
        (5, "in_progress", 1),
        (30, "assigned", 0),  # not due within a day yet
        (-24 * 3, "missed", 1),  # overdue within a week
        (-24 * 8, "missed", 0),  # left for the next session
        (5, "completed", 0),
        (-2, "cancelled", 0),
    ],
)
def test_which_assignments_are_due_a_reminder(reminded_client, hours, status, expected):
    due_in(reminded_client, hours, status=status)
    with time_machine.travel(EVENING, tick=False):
        assert len(due_reminders(timezone.now())) == expected


def test_reminder_selection_query_count_is_flat(
    reminded_client, django_assert_num_queries, other_client_user, other_client_record
):
    Client.objects.filter(pk=other_client_record.pk).update(reminder_hour=18)
    for _ in range(20):
        due_in(reminded_client, 5)
        due_in(other_client_record, 6)
    # The practices' time zones, then the assignments with their clients (one query each).
    with time_machine.travel(EVENING, tick=False), django_assert_num_queries(2):
        batches = due_reminders(timezone.now())
    assert sorted(len(batch.assignment_ids) for batch in batches) == [20, 20]


def test_the_reminder_hour_is_the_clients_practices_local_hour_not_the_servers(reminded_client, practice):
    """A practice in London: its client who chose 18:00 is reminded at 18:00 London time, not at
    18:00 in the server's zone (New York here), and only once that London day."""
    practice.time_zone = "Europe/London"
    practice.save(update_fields=["time_zone"])
    london_evening = dt.datetime(2031, 1, 15, 18, 30, tzinfo=UTC)  # 13:30 in New York
    HomeworkAssignmentFactory(client=reminded_client, due_at=london_evening + dt.timedelta(hours=5))
    assert run_at(EVENING) == 0  # 18:30 in New York is 23:30 in London
    assert run_at(london_evening) == 1
    assert run_at(london_evening + dt.timedelta(minutes=20)) == 0  # once a day
    assert [message.to for message in mail.outbox] == [["avery@clients.example"]]
