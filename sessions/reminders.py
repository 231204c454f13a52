"""Appointment and due-questionnaire reminders by e-mail and text message.

The machinery, in three steps:
1. Plan: `appointment_reminders_sync(session)` (called by the scheduling service whenever a
   session is booked, moved, re-typed or its status changes) writes one pending `Reminder` per
   (offset, channel) of the practice's policy for the session's *current* start; rows for an
   old start or a session no longer scheduled are skipped. `questionnaire_reminders_sync(due)`
   does the same for a due questionnaire. The beat sweep also plans anything a code path
   forgot (`reminders_plan`), so a session created elsewhere still gets its reminders.
2. Find: the beat task `sessions.send_due_client_reminders` (every 5 minutes) publishes
   `sessions.send_client_reminder(reminder_id)` for each pending row that is due.
3. Send: `reminder_deliver(reminder_id)` claims the row with one conditional UPDATE
   (pending -> sending) before anything leaves, then re-checks everything at send time (still
   scheduled, same start, before the start, client not opted out, an address on file). A task
   delivered twice, or two sweeps, find the row already claimed: a reminder is sent at most
   once. E-mail goes through the notification outbox (dedupe key per reminder), texts through
   `sessions.sms`.

Scheduling rules chosen where the issue is silent:
- a session booked inside an offset (booked 30 h ahead with a 48 h reminder) does not get that
  reminder late; the later offsets still apply;
- nothing is sent once the appointment has started;
- a rescheduled session is reminded of its new time by fresh rows (a reminder already sent for
  the old time stays as history);
- preferences are read when sending, so a client who opts out after booking gets nothing.

Messages carry no clinical content: the practice's reminder name (never "therapy"), the day
and time, and how to change it. Nothing about the kind of appointment or the clinician.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from clients.models import Client, Consent, DueQuestionnaire
from practice.outbox import outbox_deliver, outbox_enqueue
from sessions.models import Reminder, ReminderPolicy, ReminderPreference, Session
from sessions.sms import SmsError, normalise_number, send_sms

logger = logging.getLogger("alliance.reminders")

# A reminder planned slightly late (a sweep that runs a few minutes after the due time) still goes.
PLAN_GRACE = dt.timedelta(minutes=15)
# A claim older than this never finished (the worker died mid-send): given up, never re-sent.
STALE_CLAIM = dt.timedelta(minutes=10)
MAX_SMS_ATTEMPTS = 3
SMS_RETRY_AFTER = dt.timedelta(minutes=5)
SWEEP_BATCH = 500

CLINICAL_NAME_WORDS = re.compile(
    r"\b(therap\w*|counsel\w*|psych\w*|mental|behaviou?r\w*|health|clinic\w*|wellness|recovery|"
    r"trauma|addiction\w*|rehab\w*|psychiatr\w*)\b",
    re.IGNORECASE,
)
CHANNELS_FOR_CHOICE: dict[str, set[str]] = {
    ReminderPreference.Channel.EMAIL: {Reminder.Channel.EMAIL},
    ReminderPreference.Channel.SMS: {Reminder.Channel.SMS},
    ReminderPreference.Channel.BOTH: {Reminder.Channel.EMAIL, Reminder.Channel.SMS},
    ReminderPreference.Channel.NONE: set(),
}


# ---------------------------------------------------------------------------
# Settings and preferences


def policy_for(practice_id: int) -> ReminderPolicy:
    """The practice's policy row, or an unsaved one holding the defaults (48 h + 2 h, e-mail
    and text, 24 h late-cancel window, no outside video service)."""
    return ReminderPolicy.objects.filter(practice_id=practice_id).first() or ReminderPolicy(practice_id=practice_id)


def preference_for(client: Client) -> ReminderPreference:
    """The client's reminder preference, or an unsaved default (e-mail)."""
    try:
        return client.reminder_preference
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(client=client)


def reminder_name(policy: ReminderPolicy, practice_name: str) -> str:
    """How messages name the practice: the configured name, else the practice name with any
    clinical word removed ("Northside Therapy" -> "Northside")."""
    if policy.reminder_name.strip():
        return policy.reminder_name.strip()
    neutral = " ".join(CLINICAL_NAME_WORDS.sub(" ", practice_name).split()).strip(" &,-")
    return neutral or "your practice"


def sms_number(client: Client, preference: ReminderPreference) -> str:
    return normalise_number(preference.mobile or client.phone)


def email_address(client: Client) -> str:
    if client.email:
        return client.email
    return client.user.email if client.user is not None else ""


def human_when(moment: dt.datetime, *, with_time: bool = True) -> str:
    """'Tue 9 Dec at 10:00' in the practice's time zone."""
    local = timezone.localtime(moment)
    day = f"{local:%a} {local.day} {local:%b}"
    return f"{day} at {local:%H:%M}" if with_time else day


# ---------------------------------------------------------------------------
# Messages (no clinical content: tests/sessions/test_client_reminders.py checks the words)


@dataclass(frozen=True)
class ReminderMessage:
    subject: str
    body: str
    text: str


def appointment_message(*, name: str, starts_at: dt.datetime, video: bool) -> ReminderMessage:
    when = human_when(starts_at)
    where = " It is online: the Join button appears in the portal 15 minutes before." if video else ""
    text = f"Reminder: your appointment with {name} on {when}.{where} Reply or use the portal to change it."
    body = (
        f"Hello,\n\nThis is a reminder of your appointment with {name} on {when}.{where}\n\n"
        "If you cannot come, please let us know as soon as you can: reply to your practice or use "
        '"I can\'t make it" on the Appointments page of the portal.\n\n'
        "You can change how we remind you, or turn reminders off, in the portal's settings."
    )
    return ReminderMessage(subject=f"Appointment reminder: {when}", body=body, text=text)


def questionnaire_message(*, name: str, appointment_at: dt.datetime) -> ReminderMessage:
    day = human_when(appointment_at, with_time=False)
    text = f"Reminder from {name}: a few questions are waiting for you in the portal before {day}."
    body = (
        f"Hello,\n\nA few questions from {name} are waiting for you in the portal. Please answer "
        f"them before your appointment on {day}; it takes a few minutes.\n\n"
        "You can change how we remind you, or turn reminders off, in the portal's settings."
    )
    return ReminderMessage(subject=f"A reminder from {name}", body=body, text=text)


# ---------------------------------------------------------------------------
# Planning


def _skip_pending(rows, reason: str) -> int:
    return rows.filter(status=Reminder.Status.PENDING).update(status=Reminder.Status.SKIPPED, detail=reason)


def _plan_rows(*, lookup: dict, client_id: int, purpose: str, starts_at, offsets, channels, now) -> int:
    planned = 0
    for offset in offsets:
        due_at = starts_at - dt.timedelta(minutes=offset)
        if due_at < now - PLAN_GRACE:
            continue  # booked inside this offset: no late reminder
        for channel in channels:
            reminder, created = Reminder.objects.get_or_create(
                **lookup,
                offset_minutes=offset,
                channel=channel,
                defaults={
                    "client_id": client_id,
                    "purpose": purpose,
                    "appointment_starts_at": starts_at,
                    "due_at": due_at,
                    "created_at": now,
                },
            )
            if created:
                planned += 1
            elif reminder.status == Reminder.Status.SKIPPED and reminder.sent_at is None:
                # Cancelled, then put back on the schedule: remind again.
                Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SKIPPED).update(
                    status=Reminder.Status.PENDING, detail="", due_at=due_at
                )
                planned += 1
    return planned


def _valid_offsets(values) -> list[int]:
    return sorted({int(value) for value in values or [] if isinstance(value, int) and value > 0}, reverse=True)


def _valid_channels(values) -> list[str]:
    return [channel for channel in Reminder.Channel.values if channel in (values or [])]


def appointment_reminders_sync(session: Session, *, now: dt.datetime | None = None) -> int:
    """Bring the session's reminders in line with its current time and status. Returns how
    many rows were (re)planned. Idempotent; safe inside the caller's transaction."""
    now = now or timezone.now()
    rows = Reminder.objects.filter(session_id=session.pk)
    policy = policy_for(session.client.practice_id)
    if session.status != Session.Status.SCHEDULED:
        _skip_pending(rows, f"session {session.status}")
        return 0
    if session.client.is_discharged or not policy.enabled:
        _skip_pending(rows, "reminders off" if not policy.enabled else "client discharged")
        return 0
    _skip_pending(rows.exclude(appointment_starts_at=session.starts_at), "session moved")
    offsets = _valid_offsets(policy.offsets_minutes)
    channels = _valid_channels(policy.channels)
    _skip_pending(
        rows.filter(appointment_starts_at=session.starts_at).filter(
            ~Q(offset_minutes__in=offsets) | ~Q(channel__in=channels)
        ),
        "no longer in the practice's policy",
    )
    if session.starts_at <= now:
        return 0
    return _plan_rows(
        lookup={"session_id": session.pk, "appointment_starts_at": session.starts_at},
        client_id=session.client_id,
        purpose=Reminder.Purpose.APPOINTMENT,
        starts_at=session.starts_at,
        offsets=offsets,
        channels=channels,
        now=now,
    )


def questionnaire_reminders_sync(due: DueQuestionnaire, *, now: dt.datetime | None = None) -> int:
    """Reminders for a pending due questionnaire, before the session it belongs to (issue 16
    reuses this). Rows of a questionnaire answered or expired are skipped."""
    now = now or timezone.now()
    rows = Reminder.objects.filter(due_questionnaire_id=due.pk)
    if due.status != DueQuestionnaire.Status.PENDING or due.expires_at <= now:
        _skip_pending(rows, f"questionnaire {due.status}")
        return 0
    policy = policy_for(due.client.practice_id)
    if not policy.enabled or due.client.is_discharged:
        _skip_pending(rows, "reminders off")
        return 0
    if due.due_at <= now:
        return 0
    return _plan_rows(
        lookup={"due_questionnaire_id": due.pk},
        client_id=due.client_id,
        purpose=Reminder.Purpose.QUESTIONNAIRE,
        starts_at=due.due_at,
        offsets=_valid_offsets(policy.questionnaire_offsets_minutes),
        channels=_valid_channels(policy.channels),
        now=now,
    )


def reminders_plan(now: dt.datetime | None = None) -> int:
    """Plan reminders for upcoming sessions and due questionnaires that have none for their
    current time (booked by a path that did not call the sync). Returns rows planned."""
    now = now or timezone.now()
    longest = max(
        [
            *_valid_offsets(ReminderPolicy().offsets_minutes),
            *_valid_offsets(ReminderPolicy().questionnaire_offsets_minutes),
            *[
                max(_valid_offsets(offsets) + _valid_offsets(questionnaire_offsets) or [0])
                for offsets, questionnaire_offsets in ReminderPolicy.objects.values_list(
                    "offsets_minutes", "questionnaire_offsets_minutes"
                )
            ],
        ]
    )
    horizon = now + dt.timedelta(minutes=longest) + PLAN_GRACE
    planned_for_current_time = Reminder.objects.filter(
        session_id=OuterRef("pk"), appointment_starts_at=OuterRef("starts_at")
    )
    sessions = (
        Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon)
        .filter(~Exists(planned_for_current_time))
        .exclude(client__status=Client.Status.DISCHARGED)
        .select_related("client")
    )
    planned = sum(appointment_reminders_sync(session, now=now) for session in sessions[:SWEEP_BATCH])
    questionnaires = (
        DueQuestionnaire.objects.filter(status=DueQuestionnaire.Status.PENDING, due_at__gt=now, due_at__lte=horizon)
        .filter(~Exists(Reminder.objects.filter(due_questionnaire_id=OuterRef("pk"))))
        .select_related("client")
    )
    planned += sum(questionnaire_reminders_sync(due, now=now) for due in questionnaires[:SWEEP_BATCH])
    return planned


def reminders_due(now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of pending reminders whose time has come (oldest first). Gives up stale claims."""
    now = now or timezone.now()
    Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=Reminder.Status.FAILED, detail="interrupted while sending; not retried"
    )
    return list(
        Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


# ---------------------------------------------------------------------------
# Sending


def _why_not(reminder: Reminder, now: dt.datetime) -> str:
    """'' when the reminder may go now, else why it is skipped."""
    client = reminder.client
    if client.is_discharged:
        return "client discharged"
    policy = policy_for(client.practice_id)
    if not policy.enabled:
        return "reminders off"
    if reminder.channel not in _valid_channels(policy.channels):
        return "channel not in the practice's policy"
    preference = preference_for(client)
    if reminder.purpose == Reminder.Purpose.APPOINTMENT:
        session = reminder.session
        if session is None or session.status != Session.Status.SCHEDULED:
            return "session not scheduled"
        if session.starts_at != reminder.appointment_starts_at:
            return "session moved"
        if now >= session.starts_at:
            return "too late: the appointment has started"
        if reminder.offset_minutes not in _valid_offsets(policy.offsets_minutes):
            return "no longer in the practice's policy"
        if Reminder.objects.filter(
            session_id=session.pk,
            channel=reminder.channel,
            appointment_starts_at=reminder.appointment_starts_at,
            offset_minutes__lt=reminder.offset_minutes,
            due_at__lte=now,
        ).exists():
            # Sending was held up past a later reminder's time: only the later one goes.
            return "superseded by a later reminder"
        choice = preference.appointment_channel
    else:
        due = reminder.due_questionnaire
        if due is None or due.status != DueQuestionnaire.Status.PENDING or due.expires_at <= now:
            return "questionnaire no longer open"
        if not (client.user_id and Consent.objects.active().filter(client=client, kind=Consent.Kind.PORTAL).exists()):
            return "no portal access"
        choice = preference.questionnaire_channel
    if reminder.channel not in CHANNELS_FOR_CHOICE.get(str(choice), set()):
        return "client opted out of this channel"
    if reminder.channel == Reminder.Channel.EMAIL and not email_address(client):
        return "no e-mail address"
    if reminder.channel == Reminder.Channel.SMS and not sms_number(client, preference):
        return "no mobile number"
    return ""


def _message(reminder: Reminder) -> ReminderMessage:
    client = reminder.client
    name = reminder_name(policy_for(client.practice_id), client.practice.name)
    if reminder.purpose == Reminder.Purpose.APPOINTMENT:
        return appointment_message(
            name=name,
            starts_at=reminder.appointment_starts_at,
            video=reminder.session is not None and reminder.session.modality == Session.Modality.VIDEO,
        )
    return questionnaire_message(name=name, appointment_at=reminder.appointment_starts_at)


def _finish(reminder_id: int, **values) -> None:
    Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.SENDING).update(**values)


def reminder_deliver(reminder_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one due reminder if nobody has claimed it yet. True if this call sent it.

    Do not call inside another transaction: the claim must commit before the send.
    """
    now = now or timezone.now()
    claimed = Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING, due_at__lte=now).update(
        status=Reminder.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False  # sent, skipped, not yet due, or another worker has it
    reminder = (
        Reminder.objects.select_related("client__practice", "client__user", "session", "due_questionnaire")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return False
    reason = _why_not(reminder, now)
    if reason:
        _finish(reminder_id, status=Reminder.Status.SKIPPED, detail=reason)
        return False
    message = _message(reminder)
    client = reminder.client
    if reminder.channel == Reminder.Channel.EMAIL:
        with transaction.atomic():
            notification = outbox_enqueue(
                kind=f"{reminder.purpose}_reminder",
                to=[email_address(client)],
                subject=message.subject,
                body=message.body,
                dedupe_key=f"client_reminder:{reminder.pk}",
                practice_id=client.practice_id,
                send_on_commit=False,
            )
            _finish(reminder_id, status=Reminder.Status.SENT, sent_at=now, detail="handed to the e-mail outbox")
        # This worker delivers it now; if SMTP fails the outbox sweeper retries the row.
        outbox_deliver(notification.pk)
        return True
    try:
        gateway_id = send_sms(sms_number(client, preference_for(client)), message.text)
    except SmsError as error:
        retry = getattr(error, "retryable", False) and reminder.attempts < MAX_SMS_ATTEMPTS
        logger.warning("text reminder %s failed (attempt %s): %s", reminder_id, reminder.attempts, error)
        if retry:
            _finish(
                reminder_id,
                status=Reminder.Status.PENDING,
                next_attempt_at=now + SMS_RETRY_AFTER * reminder.attempts,
                detail=str(error)[:200],
            )
        else:
            _finish(reminder_id, status=Reminder.Status.FAILED, detail=str(error)[:200])
        return False
    _finish(reminder_id, status=Reminder.Status.SENT, sent_at=now, detail=f"gateway id {gateway_id}"[:200])
    return True
