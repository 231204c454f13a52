"""Recurrence and clash arithmetic shared by the booking services and the beat task.

Pure domain functions over the models (no audit of user actions, no request): the services
in `sessions.services.scheduling/series` and the task `sessions.extend_series` both call
them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import WEEKLY, rrule
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clients.models import Client
from practice.audit import AuditAction, audit_record
from practice.models import Membership
from sessions.models import Session, SessionChange, SessionSeries

HORIZON_WEEKS = 26
MAX_DURATION_MINUTES = 600


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Span:
    starts_at: datetime
    duration_minutes: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


def find_clashes(
    *, therapist: Membership | None, client: Client, spans: Iterable[Span], exclude_ids: Iterable[int] = ()
) -> list[tuple[Span, Session]]:
    """Live sessions of the same therapist or the same client that overlap any span (one query).

    Overlap is half-open: a session ending at 10:00 does not clash with one starting at 10:00.
    """
    spans = list(spans)
    if not spans:
        return []
    first = min(span.starts_at for span in spans) - timedelta(minutes=MAX_DURATION_MINUTES)
    last = max(span.ends_at for span in spans)
    who = Q(client=client)
    if therapist is not None:
        who |= Q(therapist=therapist)
    candidates = list(
        Session.objects.filter(who, starts_at__gte=first, starts_at__lt=last)
        .exclude(status__in=Session.FREE_STATUSES)
        .exclude(pk__in=list(exclude_ids))
        .select_related("client")
        .order_by("starts_at", "id")
    )
    clashes = []
    for span in spans:
        for other in candidates:
            if other.starts_at < span.ends_at and span.starts_at < other.ends_at:
                clashes.append((span, other))
                break
    return clashes


def occurrence_starts(series: SessionSeries, *, after: dt.date | None, through: dt.date) -> list[dt.datetime]:
    """Aware starts of the rule's occurrences with a local date in (after, through]."""
    zone = zone_named(series.time_zone)
    weekdays = (
        sorted(set(series.weekdays))
        if series.frequency == SessionSeries.Frequency.WEEKDAYS
        else [series.start_date.weekday()]
    )
    last = min(filter(None, [series.until, through]))
    if series.ended_on:
        last = min(last, series.ended_on - dt.timedelta(days=1))
    rule = rrule(
        WEEKLY,
        interval=2 if series.frequency == SessionSeries.Frequency.FORTNIGHTLY else 1,
        byweekday=weekdays,
        dtstart=dt.datetime.combine(series.start_date, series.local_time),
        count=series.count,
    )
    starts = []
    for local in rule:
        if local.date() > last:
            break
        if after is not None and local.date() <= after:
            continue
        # Wall-clock time in the zone; the conversion to UTC happens on save.
        starts.append(local.replace(tzinfo=zone))
    return starts


def horizon_date(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(weeks=HORIZON_WEEKS)


def materialise(
    series: SessionSeries, starts: Iterable[dt.datetime], *, actor, override: str, clashing=()
) -> list[Session]:
    sessions = Session.objects.bulk_create(
        [
            Session(
                client=series.client,
                therapist=series.therapist,
                series=series,
                starts_at=start.astimezone(dt.UTC),
                duration_minutes=series.duration_minutes,
                kind=series.kind,
                overlap_override_reason=override if start in clashing else "",
            )
            for start in starts
        ]
    )
    SessionChange.objects.bulk_create(
        [
            SessionChange(
                session=session,
                kind=SessionChange.Kind.BOOKED,
                actor=actor,
                starts_at=session.starts_at,
                status=session.status,
            )
            for session in sessions
        ]
    )
    return sessions


def series_extend(*, series_id: int, today: dt.date | None = None) -> int:
    """Create the occurrences up to the horizon (idempotent). Returns how many were created.

    A new occurrence that would clash with a live session is skipped (never double-booked by
    a background task); the therapist books that week by hand.
    """
    horizon = horizon_date(today)
    with transaction.atomic():
        series = (
            SessionSeries.objects.select_for_update().select_related("client", "therapist").filter(pk=series_id).first()
        )
        if series is None or series.ended_on or series.client.is_discharged:
            return 0
        if series.materialised_until and series.materialised_until >= horizon:
            return 0
        starts = occurrence_starts(series, after=series.materialised_until, through=horizon)
        spans = [Span(start, series.duration_minutes) for start in starts]
        clashing = {
            span.starts_at for span, _ in find_clashes(therapist=series.therapist, client=series.client, spans=spans)
        }
        created = materialise(series, [start for start in starts if start not in clashing], actor=None, override="")
        series.materialised_until = horizon
        series.save(update_fields=["materialised_until"])
        if created:
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                target=series,
                client_id=series.client_id,
                fields=["occurrences"],
                practice_id=series.therapist.practice_id,
            )
    return len(created)


def series_to_extend(*, weeks: int) -> list[int]:
    """Ids of live series whose occurrences stop short of `weeks` ahead."""
    horizon = timezone.localdate() + timedelta(weeks=weeks)
    return list(
        SessionSeries.objects.filter(ended_on__isnull=True)
        .filter(Q(materialised_until__isnull=True) | Q(materialised_until__lt=horizon))
        .filter(Q(until__isnull=True) | Q(until__gt=F("materialised_until")) | Q(materialised_until__isnull=True))
        .exclude(client__status=Client.Status.DISCHARGED)
        .values_list("id", flat=True)
    )
