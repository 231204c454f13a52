"""Demo data for reminders and telehealth (issue 14 items 5 to 7): called once from
practice/management/commands/seed_demo.py, after the practice and its history exist.

- the practice's policy: reminders 48 h and 2 h before, by e-mail and text, 24 h late-cancel
  window, the built-in placeholder video room (no outside service);
- clients' choices: most e-mail, some texts, some both, one opted out;
- video sessions: every other active client's upcoming sessions are online, and the first
  client with a portal login (client01 when active) has one starting in a few minutes, so
  the Join button shows right after `make demo`;
- reminders already sent: planned as if booked a week ago, and the due ones delivered now
  (into data/outbox-mail and data/outbox-sms when run with ALLIANCE_DEMO=1).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from clients.models import Client
from practice.models import Practice
from sessions.models import ReminderPolicy, ReminderPreference, Session
from sessions.reminders import appointment_reminders_sync, reminder_deliver, reminders_due

CHOICES = ["both", "email", "sms", "email", "both", "email", "none"]


def _make_video(session: Session) -> None:
    session.modality = Session.Modality.VIDEO
    session.video_room = session.video_room or secrets.token_urlsafe(16)
    Session.objects.filter(pk=session.pk).update(modality=session.modality, video_room=session.video_room)


def _free(client: Client, therapist_id, starts_at: dt.datetime, minutes: int = 50) -> bool:
    window_start, window_end = starts_at - dt.timedelta(minutes=minutes), starts_at + dt.timedelta(minutes=minutes)
    return not (
        Session.objects.filter(starts_at__gt=window_start, starts_at__lt=window_end)
        .exclude(status__in=[Session.Status.CANCELLED, Session.Status.LATE_CANCELLED])
        .filter(client=client)
        .exists()
        or Session.objects.filter(
            starts_at__gt=window_start, starts_at__lt=window_end, therapist_id=therapist_id
        ).exists()
    )


def seed_reminders(practice: Practice, rng, now: dt.datetime | None = None) -> dict[str, int]:
    """Idempotent enough for one seeding run; returns counts for the log."""
    now = now or timezone.now()
    ReminderPolicy.objects.update_or_create(
        practice=practice,
        defaults={
            "enabled": True,
            "offsets_minutes": [48 * 60, 2 * 60],
            "channels": ["email", "sms"],
            "late_cancel_hours": 24,
            "video_base_url": "",
        },
    )
    active = list(
        Client.objects.filter(practice=practice, status=Client.Status.ACTIVE, user__isnull=False).order_by("email")
    )
    for index, client in enumerate(active):
        ReminderPreference.objects.update_or_create(
            client=client,
            defaults={"appointment_channel": CHOICES[index % len(CHOICES)], "questionnaire_channel": "email"},
        )
        if index % 2 == 0:
            for session in Session.objects.filter(client=client, status=Session.Status.SCHEDULED, starts_at__gt=now):
                _make_video(session)
    # A video appointment about to start, for the first client with a portal login.
    if active:
        client = active[0]
        therapist_id = client.primary_therapist_id
        soon = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
        soon -= dt.timedelta(minutes=soon.minute % 5)
        if _free(client, therapist_id, soon):
            session = Session.objects.create(
                client=client,
                therapist_id=therapist_id,
                starts_at=soon,
                duration_minutes=50,
                kind=Session.Kind.INDIVIDUAL,
                status=Session.Status.SCHEDULED,
            )
            _make_video(session)
        # ... and one within a day (inside the late-cancel window), to try "I can't make it".
        tomorrow = soon + dt.timedelta(days=1, hours=1)
        booked_within_a_day = Session.objects.filter(
            client=client,
            status=Session.Status.SCHEDULED,
            starts_at__gt=soon + dt.timedelta(hours=1),
            starts_at__lt=now + dt.timedelta(hours=48),
        ).exists()
        if not booked_within_a_day and _free(client, therapist_id, tomorrow):
            session = Session.objects.create(
                client=client,
                therapist_id=therapist_id,
                starts_at=tomorrow,
                duration_minutes=50,
                kind=Session.Kind.INDIVIDUAL,
                status=Session.Status.SCHEDULED,
            )
            _make_video(session)
    # Plan as if everything was booked a week ago, then send what is due now.
    booked = now - dt.timedelta(days=7)
    upcoming = Session.objects.filter(
        client__practice=practice,
        status=Session.Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=8),
    ).select_related("client")
    for session in upcoming:
        appointment_reminders_sync(session, now=booked)
    sent = sum(reminder_deliver(reminder_id, now=now) for reminder_id in reminders_due(now))
    return {"clients": len(active), "reminders_sent": sent}
