"""Demo data for the calendar (issue 14): working hours, time off and a recurring series for
every active client of the demo therapists, so the week around today is full and real.

Called once from `seed_demo` (inside its transaction), after the clients and their history
exist. The history `seed_demo` wrote is kept up to now; from now on each active client's
sessions come from their series. Past cancellations get a reason and who cancelled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import random

from django.utils import timezone

from clients.models import Client
from practice.errors import DomainError
from practice.models import Membership, Practice
from practice.roles import Role
from sessions.models import Session, SessionChange, SessionSeries, TherapistCalendar, TimeOff, WorkingHours
from sessions.recurrence import Span, find_clashes, horizon_date, materialise, occurrence_starts
from sessions.services import scheduling
from sessions.services.availability import therapist_zone

# Per therapist (in the order seed_demo creates them): working weekdays and hours.
HOURS = [
    (range(0, 5), dt.time(9), dt.time(17)),
    (range(0, 4), dt.time(10), dt.time(18)),
    (range(1, 6), dt.time(8), dt.time(16)),
]
CLIENT_REASONS = ["Unwell", "Childcare fell through", "Work meeting ran over", "Travelling for family"]
PRACTICE_REASONS = ["Therapist unwell", "Office closed (heating repair)"]


def _slots(weekdays: range, start: dt.time, end: dt.time, today: dt.date) -> list[tuple[int, int]]:
    """(weekday, hour) slots, today's first so the demo's day view is never empty."""
    hours = list(range(start.hour, end.hour))
    days = sorted(weekdays, key=lambda day: (day - today.weekday()) % 7)
    return [(day, hour) for day in days for hour in hours]


def seed_schedule(practice: Practice, rng: random.Random, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    therapists = list(
        Membership.objects.filter(practice=practice, role=Role.THERAPIST, is_active=True)
        .select_related("user")
        .order_by("id")
    )
    for index, therapist in enumerate(therapists):
        # The demo practice's therapists work in its time zone, the one its pages show times in.
        TherapistCalendar.objects.update_or_create(membership=therapist, defaults={"time_zone": practice.time_zone})
        weekdays, start, end = HOURS[index % len(HOURS)]
        WorkingHours.objects.bulk_create(
            [WorkingHours(membership=therapist, weekday=day, starts_at=start, ends_at=end) for day in weekdays]
        )
        zone = therapist_zone(therapist)
        today = now.astimezone(zone).date()
        away = today + dt.timedelta(days=[10, 18, 31][index % 3])
        TimeOff.objects.create(
            membership=therapist,
            first_day=away,
            last_day=away + dt.timedelta(days=[1, 4, 0][index % 3]),
            label=["Conference", "Annual leave", "Training day"][index % 3],
        )
        clients = list(Client.objects.filter(primary_therapist=therapist, status=Client.Status.ACTIVE).order_by("id"))
        slots = _slots(weekdays, start, end, today)
        # Spread the clients over the week (one slot each), today's slots first.
        step = max(1, len(slots) // max(1, len(clients)))
        while math.gcd(step, len(slots)) != 1:  # coprime: every client a different hour and day
            step += 1
        for number, client in enumerate(clients[: len(slots)]):
            weekday, hour = slots[(number * step) % len(slots)]
            _seed_series(rng, client, therapist, zone, today, weekday, hour, number, now)
        _cancel_during_time_off(therapist, zone)
    _give_past_cancellations_reasons(practice, rng, now)


def _seed_series(rng, client, therapist, zone, today, weekday, hour, number, now) -> None:
    # seed_demo booked weekly sessions ahead; the series replaces them from now on.
    Session.objects.filter(client=client, starts_at__gte=now, notes__isnull=True).delete()
    first_day = today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    frequency = SessionSeries.Frequency.FORTNIGHTLY if number % 5 == 3 else SessionSeries.Frequency.WEEKLY
    series = SessionSeries.objects.create(
        client=client,
        therapist=therapist,
        frequency=frequency,
        start_date=first_day,
        local_time=dt.time(hour),
        time_zone=zone.key,
        duration_minutes=50,
        kind=Session.Kind.INDIVIDUAL,
        count=None if number % 2 else 16,
        until=first_day + dt.timedelta(weeks=20) if number % 2 else None,
        created_by=therapist.user,
    )
    horizon = horizon_date(today)
    starts = occurrence_starts(series, after=None, through=horizon)
    clashing = {
        span.starts_at
        for span, _ in find_clashes(therapist=therapist, client=client, spans=[Span(start, 50) for start in starts])
    }
    sessions = materialise(
        series, [start for start in starts if start not in clashing], actor=therapist.user, override=""
    )
    series.materialised_until = horizon
    series.save(update_fields=["materialised_until"])
    for session in sessions:
        if session.starts_at <= now:
            # Earlier today: the outcome is already known.
            session.status = Session.Status.ATTENDED if rng.random() < 0.85 else Session.Status.NO_SHOW
            session.status_changed_at = session.ends_at
            session.save(update_fields=["status", "status_changed_at"])
    upcoming = [session for session in sessions if session.starts_at > now]
    # A few real-life exceptions: a client cancels one, another moves one to the next day.
    if upcoming and number % 4 == 1 and len(upcoming) > 2:
        _quietly(
            scheduling.session_update,
            session=upcoming[2],
            actor=therapist.user,
            data={"status": "cancelled", "cancelled_by": "client", "cancellation_reason": rng.choice(CLIENT_REASONS)},
        )
    if upcoming and number % 4 == 2 and len(upcoming) > 1:
        moved = upcoming[1]
        _quietly(
            scheduling.session_update,
            session=moved,
            actor=therapist.user,
            data={"starts_at": moved.starts_at + dt.timedelta(days=1), "confirm_outside_hours": True},
        )


def _cancel_during_time_off(therapist, zone) -> None:
    """The practice cancels what falls in the therapist's time off (as a therapist would)."""
    for block in TimeOff.objects.filter(membership=therapist):
        start = dt.datetime.combine(block.first_day, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(block.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        for session in Session.objects.filter(
            therapist=therapist, starts_at__gte=start, starts_at__lt=end, status=Session.Status.SCHEDULED
        ):
            _quietly(
                scheduling.session_update,
                session=session,
                actor=therapist.user,
                data={
                    "status": "cancelled",
                    "cancelled_by": "practice",
                    "cancellation_reason": f"Therapist away ({block.label or 'time off'})",
                },
            )


def _quietly(service, **kwargs) -> None:
    # A clash in the generated week: leave that occurrence as it is.
    with contextlib.suppress(DomainError):
        service(**kwargs)


def _give_past_cancellations_reasons(practice, rng, now) -> None:
    past = Session.objects.filter(
        therapist__practice=practice, status__in=Session.FREE_STATUSES, starts_at__lt=now, cancelled_by=""
    )
    changes = []
    for session in past:
        by_client = rng.random() < 0.8
        session.cancelled_by = Session.CancelledBy.CLIENT if by_client else Session.CancelledBy.PRACTICE
        session.cancellation_reason = rng.choice(CLIENT_REASONS if by_client else PRACTICE_REASONS)
        session.save(update_fields=["cancelled_by", "cancellation_reason"])
        changes.append(
            SessionChange(
                session=session,
                kind=SessionChange.Kind.STATUS,
                previous_status=Session.Status.SCHEDULED,
                status=session.status,
                reason=session.cancellation_reason,
                created_at=session.status_changed_at or session.starts_at,
            )
        )
    SessionChange.objects.bulk_create(changes)
