"""Appointment and questionnaire reminders (issue 14 item 5): planned from the schedule, sent
once at the right time by e-mail and text, never after a cancellation or a move, never to a
client who opted out, and never twice when the task is delivered twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from clients.models import Client, DueQuestionnaire
from practice.models import Notification
from sessions import sms
from sessions.models import Reminder, ReminderPolicy, ReminderPreference, Session
from sessions.reminders import (
    appointment_message,
    questionnaire_message,
    reminder_deliver,
    reminder_name,
    reminders_plan,
)
from sessions.services import scheduling
from sessions.tasks import send_client_reminder, send_due_client_reminders

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BOOKED = dt.datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # Monday 09:00
STARTS = dt.datetime(2031, 3, 6, 10, 0, tzinfo=UTC)  # Thursday 10:00: 73 h later
CLINICAL_WORDS = [
    "therapy",
    "therapist",
    "therapeutic",
    "counsel",
    "psych",
    "session",
    "depression",
    "anxiety",
    "individual",
    "intake",
    "couple",
    "family",
    "telehealth",
    "diagnosis",
    "phq",
    "gad",
    "mood",
    "treatment",
    "mental",
    "clinician",
]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.ALLIANCE_SMS_BACKEND = "sessions.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def texting_client(client_record):
    Client.objects.filter(pk=client_record.pk).update(email="avery@clients.example", phone="+1 555 010 0200")
    client_record.refresh_from_db()
    ReminderPreference.objects.create(client=client_record, appointment_channel="both", questionnaire_channel="both")
    return client_record


def book(client, therapist, starts=STARTS, **extra) -> Session:
    with time_machine.travel(BOOKED, tick=False):
        return scheduling.session_create(client=client, actor=therapist, starts_at=starts, **extra)


def sweep_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return send_due_client_reminders.apply().get()


def reminder_mail():
    return [message for message in mail.outbox if message.subject.startswith("Appointment reminder")]


def test_booking_plans_48h_and_2h_reminders_on_both_channels(texting_client, therapist):
    session = book(texting_client, therapist)
    rows = set(Reminder.objects.filter(session=session).values_list("offset_minutes", "channel", "due_at"))
    assert rows == {
        (2880, "email", STARTS - dt.timedelta(hours=48)),
        (2880, "sms", STARTS - dt.timedelta(hours=48)),
        (120, "email", STARTS - dt.timedelta(hours=2)),
        (120, "sms", STARTS - dt.timedelta(hours=2)),
    }


def test_sent_once_at_the_right_time(texting_client, therapist, sms_outbox):
    book(texting_client, therapist)
    # A minute before the 48 h mark: nothing.
    sweep_at(STARTS - dt.timedelta(hours=48, minutes=1))
    assert reminder_mail() == [] and sms_outbox == []
    # At the 48 h mark: one e-mail and one text.
    sweep_at(STARTS - dt.timedelta(hours=48) + dt.timedelta(minutes=2))
    assert len(reminder_mail()) == 1 and len(sms_outbox) == 1
    assert reminder_mail()[0].to == ["avery@clients.example"]
    assert sms_outbox[0].to == "+15550100200"
    # Later sweeps before the 2 h mark send nothing more.
    sweep_at(STARTS - dt.timedelta(hours=30))
    sweep_at(STARTS - dt.timedelta(hours=2, minutes=5))
    assert len(reminder_mail()) == 1 and len(sms_outbox) == 1
    # The 2 h mark: the second pair; then nothing after the start.
    sweep_at(STARTS - dt.timedelta(hours=1, minutes=58))
    sweep_at(STARTS + dt.timedelta(minutes=5))
    assert len(reminder_mail()) == 2 and len(sms_outbox) == 2
    assert Reminder.objects.filter(status="sent").count() == 4


def test_cancelled_session_sends_nothing(texting_client, therapist, sms_outbox):
    session = book(texting_client, therapist)
    with time_machine.travel(BOOKED + dt.timedelta(hours=1), tick=False):
        scheduling.session_update(
            session=session,
            actor=therapist,
            data={"status": "cancelled", "cancellation_reason": "Client is travelling", "cancelled_by": "client"},
        )
    for hours in (48, 2):
        sweep_at(STARTS - dt.timedelta(hours=hours) + dt.timedelta(minutes=1))
    assert reminder_mail() == [] and sms_outbox == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {"skipped"}


def test_cancelled_after_planning_without_resync_is_still_not_sent(texting_client, therapist, sms_outbox):
    """The send-time check: a session cancelled by a path that forgot the sync."""
    session = book(texting_client, therapist)
    Session.objects.filter(pk=session.pk).update(status="late_cancelled")
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    assert reminder_mail() == [] and sms_outbox == []


def test_opted_out_client_gets_nothing(texting_client, therapist, sms_outbox):
    book(texting_client, therapist)
    ReminderPreference.objects.filter(client=texting_client).update(appointment_channel="none")
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    assert reminder_mail() == [] and sms_outbox == []
    assert set(Reminder.objects.filter(offset_minutes=120).values_list("detail", flat=True)) == {
        "client opted out of this channel"
    }


def test_email_only_client_gets_no_text(texting_client, therapist, sms_outbox):
    book(texting_client, therapist)
    ReminderPreference.objects.filter(client=texting_client).update(appointment_channel="email")
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    # The 48 h reminder was held up past the 2 h one (no sweep ran): only the later one goes.
    assert len(reminder_mail()) == 1 and sms_outbox == []
    assert Reminder.objects.get(offset_minutes=2880, channel="email").detail == "superseded by a later reminder"


def test_redelivered_task_sends_nothing_twice(texting_client, therapist, sms_outbox):
    session = book(texting_client, therapist)
    due = STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1)
    ids = list(Reminder.objects.filter(session=session, offset_minutes=120).values_list("pk", flat=True))
    with time_machine.travel(due, tick=False):
        for reminder_id in ids:
            send_client_reminder.apply(args=[reminder_id]).get()
            # The broker hands the same message out again (worker lost before the ack).
            send_client_reminder.apply(args=[reminder_id]).get()
        assert reminder_deliver(ids[0]) is False
    assert len(reminder_mail()) == 1 and len(sms_outbox) == 1
    assert Notification.objects.filter(kind="appointment_reminder").count() == 1


def test_reschedule_recomputes_reminders(texting_client, therapist, sms_outbox):
    session = book(texting_client, therapist)
    later = STARTS + dt.timedelta(days=1)
    with time_machine.travel(BOOKED + dt.timedelta(hours=1), tick=False):
        scheduling.session_update(session=session, actor=therapist, data={"starts_at": later})
    pending = Reminder.objects.filter(session=session, status="pending")
    assert set(pending.values_list("due_at", flat=True)) == {
        later - dt.timedelta(hours=48),
        later - dt.timedelta(hours=2),
    }
    assert Reminder.objects.filter(session=session, appointment_starts_at=STARTS, status="skipped").count() == 4
    # The old 2 h mark passes silently; the new one sends.
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    assert reminder_mail() and "Fri 7 Mar" in reminder_mail()[0].body  # the new 48 h reminder
    count = len(reminder_mail())
    sweep_at(later - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    assert len(reminder_mail()) == count + 1


def test_booked_inside_an_offset_gets_only_the_later_reminders(texting_client, therapist):
    with time_machine.travel(STARTS - dt.timedelta(hours=30), tick=False):
        session = scheduling.session_create(client=texting_client, actor=therapist, starts_at=STARTS)
    assert set(Reminder.objects.filter(session=session).values_list("offset_minutes", flat=True)) == {120}


def test_practice_policy_sets_the_times_and_channels(texting_client, therapist, sms_outbox):
    ReminderPolicy.objects.create(practice=texting_client.practice, offsets_minutes=[24 * 60], channels=["sms"])
    session = book(texting_client, therapist)
    assert list(Reminder.objects.filter(session=session).values_list("offset_minutes", "channel")) == [(1440, "sms")]


def test_plan_sweep_covers_sessions_booked_without_the_service(texting_client, therapist):
    session = Session.objects.create(
        client=texting_client, therapist=therapist.membership, starts_at=STARTS, status="scheduled"
    )
    # Outside the horizon (the longest offset) nothing is planned yet; then all four are.
    with time_machine.travel(BOOKED, tick=False):
        assert reminders_plan() == 0
    with time_machine.travel(STARTS - dt.timedelta(hours=48, minutes=10), tick=False):
        assert reminders_plan() == 4
        assert reminders_plan() == 0
    assert Reminder.objects.filter(session=session).count() == 4


def test_discharged_client_gets_nothing(texting_client, therapist, sms_outbox):
    book(texting_client, therapist)
    Client.objects.filter(pk=texting_client.pk).update(status="discharged")
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    assert reminder_mail() == [] and sms_outbox == []


def test_no_mobile_number_skips_the_text_only(client_record, therapist, sms_outbox):
    Client.objects.filter(pk=client_record.pk).update(email="avery@clients.example", phone="")
    ReminderPreference.objects.create(client=client_record, appointment_channel="both")
    book(client_record, therapist)
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    assert len(reminder_mail()) == 1 and sms_outbox == []
    assert Reminder.objects.filter(channel="sms", offset_minutes=120).get().detail == "no mobile number"


# ---------------------------------------------------------------------------
# What the messages say


def test_messages_carry_no_clinical_content(texting_client, therapist, sms_outbox):
    texting_client.practice.name = "Northside Therapy & Psychological Counselling"
    texting_client.practice.save()
    book(texting_client, therapist, kind="intake", modality="video")
    sweep_at(STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    email = reminder_mail()[0]
    texts = [email.subject, email.body, sms_outbox[0].body]
    for text in texts:
        lowered = text.lower()
        for word in CLINICAL_WORDS:
            assert word not in lowered, (word, text)
        assert "Avery" not in text and "Quinn" not in text
        assert therapist.email not in text
    assert sms_outbox[0].body.startswith("Reminder: your appointment with Northside on Thu 6 Mar at 10:00.")
    assert "online" in sms_outbox[0].body.lower()
    assert len(sms_outbox[0].body) <= 160 * 2


def test_reminder_name_drops_clinical_words_and_respects_the_setting():
    assert reminder_name(ReminderPolicy(), "Northside Therapy") == "Northside"
    assert reminder_name(ReminderPolicy(), "Mental Health Clinic") == "your practice"
    assert reminder_name(ReminderPolicy(reminder_name="NS Appointments"), "Northside Therapy") == "NS Appointments"


def test_questionnaire_message_has_no_instrument_name():
    message = questionnaire_message(name="Northside", appointment_at=STARTS)
    for text in (message.subject, message.body, message.text):
        for word in CLINICAL_WORDS:
            assert word not in text.lower()
    message = appointment_message(name="Northside", starts_at=STARTS, video=False)
    assert (
        message.text
        == "Reminder: your appointment with Northside on Thu 6 Mar at 10:00. Reply or use the portal to change it."
    )


# ---------------------------------------------------------------------------
# Due questionnaires go through the same machinery


def test_due_questionnaire_reminded_once(client_user, texting_client, therapist, sms_outbox):
    session = book(texting_client, therapist)
    due = DueQuestionnaire.objects.create(
        client=texting_client,
        instrument="phq9",
        session=session,
        due_at=STARTS,
        expires_at=STARTS + dt.timedelta(days=3),
    )
    with time_machine.travel(STARTS - dt.timedelta(hours=30), tick=False):
        reminders_plan()
    rows = Reminder.objects.filter(due_questionnaire=due)
    assert set(rows.values_list("offset_minutes", "channel")) == {(1440, "email"), (1440, "sms")}
    sweep_at(STARTS - dt.timedelta(hours=24) + dt.timedelta(minutes=1))
    questionnaire_mail = [message for message in mail.outbox if message.subject.startswith("A reminder from")]
    assert len(questionnaire_mail) == 1
    assert "phq" not in questionnaire_mail[0].body.lower()
    assert sum("questions" in text.body for text in sms_outbox) == 1
    sweep_at(STARTS - dt.timedelta(hours=23))
    assert len([m for m in mail.outbox if m.subject.startswith("A reminder from")]) == 1


def test_answered_questionnaire_is_not_reminded(client_user, texting_client, therapist, sms_outbox):
    session = book(texting_client, therapist)
    due = DueQuestionnaire.objects.create(
        client=texting_client,
        instrument="gad7",
        session=session,
        due_at=STARTS,
        expires_at=STARTS + dt.timedelta(days=3),
    )
    with time_machine.travel(STARTS - dt.timedelta(hours=30), tick=False):
        reminders_plan()
    assert Reminder.objects.filter(due_questionnaire=due).count() == 2
    DueQuestionnaire.objects.filter(pk=due.pk).update(status="completed")
    sweep_at(STARTS - dt.timedelta(hours=24) + dt.timedelta(minutes=1))
    assert not [m for m in mail.outbox if m.subject.startswith("A reminder from")]


def test_questionnaire_reminder_needs_portal_access(texting_client, therapist, sms_outbox):
    """No portal login, nothing to answer with: the reminder is skipped, not sent."""
    session = book(texting_client, therapist)
    DueQuestionnaire.objects.create(
        client=texting_client,
        instrument="phq9",
        session=session,
        due_at=STARTS,
        expires_at=STARTS + dt.timedelta(days=3),
    )
    with time_machine.travel(STARTS - dt.timedelta(hours=30), tick=False):
        reminders_plan()
    sweep_at(STARTS - dt.timedelta(hours=24) + dt.timedelta(minutes=1))
    assert not [m for m in mail.outbox if m.subject.startswith("A reminder from")]
    assert set(Reminder.objects.filter(purpose="questionnaire").values_list("detail", flat=True)) == {
        "no portal access"
    }


def test_stale_claim_is_given_up_not_resent(texting_client, therapist, sms_outbox):
    """A worker that died mid-send leaves the row 'sending': it is marked failed, never re-sent."""
    from sessions.reminders import reminders_due

    session = book(texting_client, therapist)
    reminder = Reminder.objects.get(session=session, offset_minutes=120, channel="sms")
    due = STARTS - dt.timedelta(hours=2) + dt.timedelta(minutes=1)
    Reminder.objects.filter(pk=reminder.pk).update(status="sending", claimed_at=due)
    with time_machine.travel(due + dt.timedelta(minutes=11), tick=False):
        assert reminder.pk not in reminders_due()
    reminder.refresh_from_db()
    assert reminder.status == "failed" and sms_outbox == []
