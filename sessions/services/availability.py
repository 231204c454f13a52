"""A therapist's working hours, time off, time zone and private calendar feed token.

Reads that booking needs (`therapist_zone`, `outside_availability`) live here beside the
writes because the booking services consult them inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from django.db import transaction
from django.utils import timezone

from practice.audit import AuditAction, audit_record
from practice.errors import Invalid
from practice.models import Membership
from sessions.models import TherapistCalendar, TimeOff, WorkingHours
from sessions.recurrence import zone_named

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def therapist_zone(membership: Membership | None) -> ZoneInfo:
    """The therapist's own time zone, else their practice's (Practice.time_zone), else the server's."""
    if membership is None:
        return zone_named("")
    name = TherapistCalendar.objects.filter(membership=membership).values_list("time_zone", flat=True).first()
    return zone_named(name or membership.practice.time_zone or "")


def zone_choices() -> list[str]:
    return sorted(available_timezones())


@dataclass(frozen=True)
class Availability:
    """Working hours by weekday and time off, for one therapist (two queries)."""

    hours: dict[int, tuple[dt.time, dt.time]]
    time_off: list[TimeOff]

    @classmethod
    def of(cls, membership: Membership | None, *, first_day: dt.date | None = None) -> Availability:
        if membership is None:
            return cls(hours={}, time_off=[])
        hours = {
            row.weekday: (row.starts_at, row.ends_at) for row in WorkingHours.objects.filter(membership=membership)
        }
        time_off = TimeOff.objects.filter(membership=membership)
        if first_day is not None:
            time_off = time_off.filter(last_day__gte=first_day)
        return cls(hours=hours, time_off=list(time_off))

    def day_off(self, day: dt.date) -> TimeOff | None:
        return next((block for block in self.time_off if block.first_day <= day <= block.last_day), None)

    def problem(self, starts_at: dt.datetime, duration_minutes: int, zone: ZoneInfo) -> str | None:
        """Why a booking falls outside availability, or None. No working hours at all: no rule."""
        if not self.hours and not self.time_off:
            return None
        local = starts_at.astimezone(zone)
        local_end = (starts_at + dt.timedelta(minutes=duration_minutes)).astimezone(zone)
        block = self.day_off(local.date())
        if block is not None:
            return f"{local:%A %-d %B} is time off ({block.label or 'away'})."
        if not self.hours:
            return None
        hours = self.hours.get(local.weekday())
        if hours is None:
            return f"You do not work on {WEEKDAY_NAMES[local.weekday()]}s."
        start, end = hours
        if local.time() < start or local_end.date() != local.date() or local_end.time() > end:
            return f"{local:%H:%M}–{local_end:%H:%M} is outside your working hours ({start:%H:%M}–{end:%H:%M})."
        return None


def _calendar(membership: Membership) -> TherapistCalendar:
    calendar, _ = TherapistCalendar.objects.select_for_update().get_or_create(membership=membership)
    return calendar


def availability_save(
    *, membership: Membership, actor, time_zone: str, hours: dict[int, tuple[dt.time, dt.time] | None]
) -> None:
    """Replace the therapist's working hours (weekday -> (start, end) or None for a day off)."""
    if time_zone and time_zone not in available_timezones():
        raise Invalid("Choose a time zone from the list.", field="time_zone")
    for weekday, span in hours.items():
        if span is not None and span[0] >= span[1]:
            raise Invalid(f"On {WEEKDAY_NAMES[weekday]} the end must be after the start.", field=f"day{weekday}")
    with transaction.atomic():
        calendar = _calendar(membership)
        calendar.time_zone = time_zone
        calendar.save(update_fields=["time_zone"])
        WorkingHours.objects.filter(membership=membership).delete()
        WorkingHours.objects.bulk_create(
            [
                WorkingHours(membership=membership, weekday=weekday, starts_at=span[0], ends_at=span[1])
                for weekday, span in sorted(hours.items())
                if span is not None
            ]
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, target=calendar, fields=["time_zone", "working_hours"])


def time_off_add(*, membership: Membership, actor, first_day: dt.date, last_day: dt.date, label: str = "") -> TimeOff:
    if last_day < first_day:
        raise Invalid("The last day must be on or after the first day.", field="last_day")
    with transaction.atomic():
        block = TimeOff.objects.create(membership=membership, first_day=first_day, last_day=last_day, label=label[:100])
        audit_record(actor=actor, action=AuditAction.CREATE, target=block, fields=["first_day", "last_day", "label"])
    return block


def time_off_delete(*, block: TimeOff, actor) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.DELETE, target=block)
        block.delete()


def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_token_regenerate(*, membership: Membership, actor, show_initials: bool | None = None) -> str:
    """A new private feed token (the old URL stops working). Returns the raw token, shown once."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        calendar = _calendar(membership)
        calendar.feed_token_hash = hash_feed_token(raw)
        calendar.feed_token_created_at = timezone.now()
        if show_initials is not None:
            calendar.feed_shows_initials = show_initials
        calendar.save()
        audit_record(actor=actor, action=AuditAction.TOKEN_ISSUE, target=calendar, fields=["feed_token"])
    return raw


def feed_token_revoke(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        calendar = _calendar(membership)
        calendar.feed_token_hash = ""
        calendar.feed_token_created_at = None
        calendar.save(update_fields=["feed_token_hash", "feed_token_created_at"])
        audit_record(actor=actor, action=AuditAction.TOKEN_REVOKE, target=calendar, fields=["feed_token"])


def calendar_for_feed_token(raw: str) -> TherapistCalendar | None:
    """The calendar a feed token opens, or None (unknown, revoked, or the member left)."""
    if not raw or len(raw) > 100:
        return None
    return (
        TherapistCalendar.objects.select_related("membership__user", "membership__practice")
        .filter(feed_token_hash=hash_feed_token(raw), membership__is_active=True)
        .exclude(feed_token_hash="")
        .first()
    )
