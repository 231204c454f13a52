"""The homework work the beat schedule runs: overdue work becomes missed, reminder emails go out.

Domain functions (no service imports), called by ``sessions.tasks``. Both are idempotent: a
beat run delivered twice, or two overlapping runs, change and send nothing more than one.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from clients.models import Client, Consent
from insights.freshness import client_activity_changed
from practice.audit import AuditAction, audit_record
from practice.models import Practice
from sessions.models import HomeworkAssignment
from sessions.recurrence import zone_named

logger = logging.getLogger(__name__)

Status = HomeworkAssignment.Status
OPEN_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
# Overdue work is nudged for a week, then left for the therapist to raise in session.
OVERDUE_REMINDER_WINDOW = dt.timedelta(days=7)
DUE_SOON_WINDOW = dt.timedelta(hours=24)

# Reminder emails never name the homework, a score or anything clinical: the inbox may be
# shared and email travels in the clear. Tests pin this wording.
REMINDER_SUBJECT = "A reminder from Alliance"
REMINDER_BODY = (
    "Hello,\n\n"
    "You have something to complete in Alliance. Sign in to see it.\n\n"
    "You can change the time of these reminders, or turn them off, in your settings "
    "after signing in.\n"
)


def mark_missed(now: dt.datetime) -> int:
    """Assigned or in-progress homework past its due time becomes missed. Idempotent."""
    with transaction.atomic():
        overdue = list(
            HomeworkAssignment.objects.select_for_update()
            .filter(status__in=OPEN_STATUSES, due_at__lt=now)
            .values_list("pk", "client_id", "client__practice_id")
        )
        if not overdue:
            return 0
        changed = HomeworkAssignment.objects.filter(
            pk__in=[row[0] for row in overdue], status__in=OPEN_STATUSES
        ).update(status=Status.MISSED)
        # One audit event and one metrics refresh per client, not per assignment.
        for client_id, practice_id in sorted({(row[1], row[2]) for row in overdue}):
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                target_type="clinical_sessions.homeworkassignment",
                client_id=client_id,
                practice_id=practice_id,
                fields=["status"],
            )
            client_activity_changed(client_id)
    return changed


@dataclass
class ReminderBatch:
    """One reminder email for one client, covering the assignments it claims."""

    client_id: int
    email: str
    day_start: dt.datetime  # midnight today in the client's practice's time zone
    assignment_ids: list[int] = field(default_factory=list)


def _local_day_start(now: dt.datetime, zone: dt.tzinfo) -> tuple[dt.datetime, int]:
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0), local.hour


def _practice_days(now: dt.datetime) -> dict[str, tuple[dt.datetime, int]]:
    """For each time zone a practice uses: the start of its local day and its local hour."""
    names = Practice.objects.order_by().values_list("time_zone", flat=True).distinct()
    return {name: _local_day_start(now, zone_named(name)) for name in names}


def _not_reminded_today(day_start: dt.datetime) -> Q:
    return Q(reminded_at__isnull=True) | Q(reminded_at__lt=day_start)


def due_reminders(now: dt.datetime) -> list[ReminderBatch]:
    """Who gets a reminder now: clients whose chosen hour (their practice's time zone) is this
    hour, with portal access, reminders on, and work due within a day or overdue within a week
    that was not already reminded today (today in that zone)."""
    days = _practice_days(now)
    if not days:
        return []
    # One condition per practice time zone: that zone's hour now, not reminded since its midnight.
    in_their_hour = Q()
    for name, (day_start, hour) in days.items():
        in_their_hour |= Q(client__practice__time_zone=name, client__reminder_hour=hour) & _not_reminded_today(
            day_start
        )
    portal_consent = Consent.objects.filter(
        client=OuterRef("client_id"), kind=Consent.Kind.PORTAL, revoked_at__isnull=True
    )
    due_soon = Q(status__in=OPEN_STATUSES, due_at__gt=now, due_at__lte=now + DUE_SOON_WINDOW)
    overdue = Q(
        status__in=(*OPEN_STATUSES, Status.MISSED),
        due_at__lte=now,
        due_at__gt=now - OVERDUE_REMINDER_WINDOW,
    )
    assignments = (
        HomeworkAssignment.objects.filter(due_soon | overdue)
        .filter(in_their_hour)
        .filter(
            client__reminders_enabled=True,
            client__reminder_channel="email",
            client__user__is_active=True,
            client__user__membership__is_active=True,
        )
        .exclude(client__status=Client.Status.DISCHARGED)
        .filter(Exists(portal_consent))
        .select_related("client__user", "client__practice")
        .order_by("client_id", "due_at", "pk")
    )
    batches: dict[int, ReminderBatch] = {}
    for assignment in assignments:
        client = assignment.client
        # The query joins on the client's active user, so there is one.
        email = client.email or (client.user.email if client.user else "")
        if not email:
            continue
        day_start = days[client.practice.time_zone][0]
        batch = batches.setdefault(client.pk, ReminderBatch(client_id=client.pk, email=email, day_start=day_start))
        batch.assignment_ids.append(assignment.pk)
    return list(batches.values())


def reminders_send(now: dt.datetime) -> int:
    """Email each due client once; returns the number of emails sent.

    Assignments are claimed (reminded_at) before sending, so overlapping beat runs never
    send the same reminder twice in a day; a failed send is logged, not retried today.
    """
    sent = 0
    for batch in due_reminders(now):
        claimed = (
            HomeworkAssignment.objects.filter(pk__in=batch.assignment_ids)
            .filter(_not_reminded_today(batch.day_start))
            .update(reminded_at=now)
        )
        if not claimed:
            continue
        try:
            send_mail(
                REMINDER_SUBJECT,
                REMINDER_BODY,
                settings.DEFAULT_FROM_EMAIL,
                [batch.email],
            )
        except Exception:  # one bad address must not stop the others
            logger.warning("reminder email for client %s failed", batch.client_id, exc_info=True)
            continue
        sent += 1
    return sent
