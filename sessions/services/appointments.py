"""The client's side of the schedule: asking to cancel, calendar downloads, reminder
preferences; and the practice's reminder settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from clients.models import Client
from insights.safety import ScreeningOutcome
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.models import Practice
from practice.outbox import outbox_enqueue
from sessions.models import CancellationRequest, Reminder, ReminderPolicy, ReminderPreference, Session
from sessions.reminders import human_when, policy_for, reminder_name
from sessions.services.checkins import message_send
from sessions.services.homework import ensure_portal_writable
from sessions.sms import normalise_number

REASON_MAX_LENGTH = 500
MAX_OFFSETS = 4
MAX_OFFSET_MINUTES = 14 * 24 * 60
CANCEL_REQUEST_SUBJECT = "Alliance: a client asked to cancel an appointment"


def session_ends_at(session: Session) -> dt.datetime:
    return session.starts_at + dt.timedelta(minutes=session.duration_minutes)


def inside_late_window(session: Session, now: dt.datetime | None = None, policy: ReminderPolicy | None = None) -> bool:
    """Whether cancelling now would be a late cancellation under the practice's window."""
    now = now or timezone.now()
    policy = policy or policy_for(session.client.practice_id)
    return session.starts_at - now < dt.timedelta(hours=policy.late_cancel_hours)


def open_cancellation_request(session: Session) -> CancellationRequest | None:
    """The client's request on a session still on the schedule (the therapist has not acted)."""
    if session.status != Session.Status.SCHEDULED:
        return None
    return CancellationRequest.objects.filter(session=session).first()


def _therapist_emails(session: Session) -> list[str]:
    addresses = set()
    for membership in (session.therapist, session.client.primary_therapist):
        if membership is not None and membership.is_active and membership.user.email:
            addresses.add(membership.user.email)
    return sorted(addresses)


def appointment_cancel_request(
    *, session: Session, actor, reason: Any = ""
) -> tuple[CancellationRequest, ScreeningOutcome]:
    """The client says "I can't make it". Call with the client's own session (portal scope).

    Writes the request, a message in the client's thread (risk-screened like any message the
    client writes) and an e-mail to the therapist through the outbox (no client details). The
    session stays scheduled: the therapist cancels or late-cancels it.
    """
    client = session.client
    ensure_portal_writable(client)
    if not isinstance(reason, str):
        raise DomainError("Write the reason as text, or leave it empty.", field="reason")
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(f"Keep the reason under {REASON_MAX_LENGTH} characters.", field="reason")
    now = timezone.now()
    if session.status != Session.Status.SCHEDULED or session.starts_at <= now:
        raise DomainError(
            "This appointment can no longer be changed here. Please send your therapist a message.", conflict=True
        )
    if CancellationRequest.objects.filter(session=session).exists():
        raise DomainError("You have already told us you can't make this appointment.", conflict=True)
    policy = policy_for(client.practice_id)
    late = inside_late_window(session, now, policy)
    when = human_when(session.starts_at)
    with transaction.atomic():
        request = CancellationRequest.objects.create(
            session=session, client=client, requested_by=actor, reason=reason, inside_late_window=late, created_at=now
        )
        body = f"I can't make it to my appointment on {when}."
        if reason:
            body += f"\n\nReason: {reason}"
        _message, outcome = message_send(client=client, actor=actor, body=body)
        recipients = _therapist_emails(session)
        if recipients:
            window = (
                f" This is inside the practice's {policy.late_cancel_hours}-hour late-cancellation window."
                if late
                else ""
            )
            outbox_enqueue(
                kind="cancellation_request",
                to=recipients,
                subject=CANCEL_REQUEST_SUBJECT,
                body=(
                    f"A client asked to cancel their appointment on {when}.{window}\n\n"
                    f"Open client #{client.pk} in Alliance (Schedule, or the client's chart) to cancel or "
                    "late-cancel it; their message is in the client's thread. "
                    "For privacy this email contains no client details."
                ),
                dedupe_key=f"cancellation_request:{request.pk}",
                practice_id=client.practice_id,
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=request,
            client_id=client.pk,
            fields=["session", "reason", "inside_late_window"],
        )
    return request, outcome


def appointment_ics(session: Session) -> bytes:
    """One appointment as an iCalendar file. The title names the practice (without clinical
    words), never the kind of appointment or the clinician."""
    name = reminder_name(policy_for(session.client.practice_id), session.client.practice.name)
    calendar = Calendar()
    calendar.add("prodid", "-//Alliance//Appointments//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"alliance-appointment-{session.pk}@alliance")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session_ends_at(session))
    event.add("summary", f"Appointment with {name}")
    if session.modality == Session.Modality.VIDEO:
        event.add("location", "Online: join from the portal")
    elif session.modality == Session.Modality.PHONE:
        event.add("location", "By phone")
    event.add("description", "To change or cancel it, use the Appointments page of the portal.")
    event.add("status", "CONFIRMED" if session.status == Session.Status.SCHEDULED else "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()


def reminder_preference_update(
    *, client: Client, actor, appointment_channel: str, questionnaire_channel: str | None = None, mobile: str = ""
) -> ReminderPreference:
    """The client's choice of appointment (and questionnaire) reminders. Audited; a text needs
    a mobile number (the one given, or the phone number on the record)."""
    ensure_portal_writable(client)
    choices = ReminderPreference.Channel.values
    if appointment_channel not in choices:
        raise DomainError("Choose how to be reminded.", field="appointment_channel")
    if questionnaire_channel is None:
        questionnaire_channel = appointment_channel
    if questionnaire_channel not in choices:
        raise DomainError("Choose how to be reminded.", field="questionnaire_channel")
    mobile = (mobile or "").strip()
    if mobile and not normalise_number(mobile):
        raise DomainError(
            "That does not look like a phone number. Use digits, for example +1 555 010 0200.", field="mobile"
        )
    texts = {ReminderPreference.Channel.SMS, ReminderPreference.Channel.BOTH}
    if (appointment_channel in texts or questionnaire_channel in texts) and not normalise_number(
        mobile or client.phone
    ):
        raise DomainError("Add the mobile number to text, or choose e-mail.", field="mobile")
    with transaction.atomic():
        preference, _created = ReminderPreference.objects.select_for_update().get_or_create(client=client)
        wanted = {
            "appointment_channel": appointment_channel,
            "questionnaire_channel": questionnaire_channel,
            "mobile": mobile,
        }
        changed = [field for field, value in wanted.items() if getattr(preference, field) != value]
        if changed:
            for field in changed:
                setattr(preference, field, wanted[field])
            preference.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, target=preference, client_id=client.pk, fields=changed)
    return preference


def reminder_policy_update(
    *,
    practice: Practice,
    actor,
    enabled: bool,
    offsets_minutes: list[int],
    channels: list[str],
    late_cancel_hours: int,
    video_base_url: str = "",
    reminder_name_text: str = "",
) -> ReminderPolicy:
    """The practice's reminder times, channels, late-cancel window and video service."""
    offsets = sorted({offset for offset in offsets_minutes if type(offset) is int}, reverse=True)
    if len(offsets) != len(offsets_minutes) or any(not 5 <= offset <= MAX_OFFSET_MINUTES for offset in offsets):
        raise DomainError("Each reminder time must be from 5 minutes to 14 days before, once each.", field="offsets")
    if len(offsets) > MAX_OFFSETS:
        raise DomainError(f"Choose at most {MAX_OFFSETS} reminder times.", field="offsets")
    if not set(channels) <= set(Reminder.Channel.values):
        raise DomainError("Channels are e-mail and text message.", field="channels")
    if type(late_cancel_hours) is not int or not 0 <= late_cancel_hours <= 168:
        raise DomainError("The late-cancellation window is 0 to 168 hours.", field="late_cancel_hours")
    video_base_url = (video_base_url or "").strip()
    if video_base_url and not video_base_url.lower().startswith(("https://", "http://")):
        raise DomainError("The video address must start with https://", field="video_base_url")
    with transaction.atomic():
        policy, _created = ReminderPolicy.objects.select_for_update().get_or_create(practice=practice)
        wanted = {
            "enabled": bool(enabled),
            "offsets_minutes": offsets,
            "channels": [channel for channel in Reminder.Channel.values if channel in channels],
            "late_cancel_hours": late_cancel_hours,
            "video_base_url": video_base_url,
            "reminder_name": (reminder_name_text or "").strip()[:100],
        }
        changed = [field for field, value in wanted.items() if getattr(policy, field) != value]
        if changed:
            for field in changed:
                setattr(policy, field, wanted[field])
            policy.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, target=policy, fields=changed)
            if {"enabled", "offsets_minutes", "channels"} & set(changed):
                _resync_upcoming(practice.pk)
    return policy


def _resync_upcoming(practice_id: int) -> None:
    """Re-plan the reminders of the practice's upcoming sessions after a policy change."""
    from sessions.reminders import appointment_reminders_sync

    now = timezone.now()
    upcoming = Session.objects.filter(
        client__practice_id=practice_id,
        status=Session.Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(minutes=MAX_OFFSET_MINUTES + 60),
    ).select_related("client")
    for session in upcoming:
        appointment_reminders_sync(session, now=now)
