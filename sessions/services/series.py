"""Recurring appointments: book a series, extend its horizon, change or cancel the rest.

A series keeps its rule in the therapist's local wall-clock time (`local_time` in
`time_zone`), so a 10:00 weekly session stays at 10:00 across a daylight-saving change; each
occurrence is stored as an aware UTC `Session`. Occurrences exist up to a horizon
(`HORIZON_WEEKS` ahead, or the end of the series); the beat task `sessions.extend_series`
creates the next ones. An occurrence changed on its own is detached (`series_detached`):
edits and cancellations of "this and following" leave it as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from insights.freshness import client_activity_changed
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, Invalid
from practice.models import Membership
from sessions.models import Session, SessionChange, SessionSeries
from sessions.recurrence import Span, horizon_date, materialise, occurrence_starts
from sessions.services import scheduling
from sessions.services.availability import zone_named

MAX_COUNT = 200


def _validate_rule(*, frequency: str, weekdays: list[int], until: dt.date | None, count: int | None, start: dt.date):
    if frequency not in SessionSeries.Frequency.values:
        raise Invalid("Choose how often: weekly, every two weeks or chosen weekdays.", field="repeat")
    if frequency == SessionSeries.Frequency.WEEKDAYS and not weekdays:
        raise Invalid("Choose at least one weekday.", field="weekdays")
    if any(day not in range(7) for day in weekdays):
        raise Invalid("Weekdays are 0 (Monday) to 6 (Sunday).", field="weekdays")
    if until is None and count is None:
        raise Invalid("Say when the series ends: on a date, or after a number of sessions.", field="until")
    if until is not None and until < start:
        raise Invalid("The end date must be on or after the first session.", field="until")
    if count is not None and not (1 <= count <= MAX_COUNT):
        raise Invalid(f"A series has 1 to {MAX_COUNT} sessions.", field="count")


def series_create(
    *,
    client: Client,
    actor,
    starts_at: dt.datetime,
    time_zone: str,
    frequency: str,
    weekdays: list[int] | None = None,
    until: dt.date | None = None,
    count: int | None = None,
    duration_minutes: int = 50,
    kind: str = Session.Kind.INDIVIDUAL,
    override_reason: str = "",
    confirm_outside_hours: bool = False,
) -> SessionSeries:
    """Book a recurring series starting at `starts_at` (its first occurrence).

    Every occurrence up to the horizon is checked like a single booking: one clash refuses
    the whole series (naming the first clash) unless an override reason is given.
    """
    if client.is_discharged:
        raise DomainError(
            "This client is discharged and cannot be given new sessions; readmit them first.", conflict=True
        )
    scheduling._validate({"starts_at": starts_at, "duration_minutes": duration_minutes, "kind": kind})
    zone = zone_named(time_zone)
    local = starts_at.astimezone(zone)
    weekdays = sorted(set(weekdays or []))
    if frequency == SessionSeries.Frequency.WEEKDAYS and local.weekday() not in weekdays:
        weekdays = sorted({*weekdays, local.weekday()})
    _validate_rule(frequency=frequency, weekdays=weekdays, until=until, count=count, start=local.date())
    if local.astimezone(dt.UTC) < timezone.now():
        raise Invalid("A series starts in the future; record past sessions one by one.", field="starts_at")
    override = scheduling.clean_override_reason({"override_reason": override_reason})
    therapist = actor.membership
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=therapist.pk).first()
        series = SessionSeries(
            client=client,
            therapist=therapist,
            frequency=frequency,
            weekdays=weekdays if frequency == SessionSeries.Frequency.WEEKDAYS else [],
            start_date=local.date(),
            local_time=local.time().replace(second=0, microsecond=0, tzinfo=None),
            time_zone=zone.key,
            duration_minutes=duration_minutes,
            kind=kind,
            until=until,
            count=count,
            created_by=actor,
        )
        series.save()
        horizon = horizon_date(max(timezone.localdate(), local.date()))
        starts = occurrence_starts(series, after=None, through=horizon)
        spans = [Span(start, duration_minutes) for start in starts]
        clashes = scheduling.check_clashes(therapist=therapist, client=client, spans=spans, override_reason=override)
        scheduling.check_availability(therapist=therapist, spans=spans, confirmed=confirm_outside_hours)
        clashing = {span.starts_at for span, _ in clashes}
        materialise(series, starts, actor=actor, override=override, clashing=clashing)
        series.materialised_until = horizon
        series.save(update_fields=["materialised_until"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=series,
            client_id=client.pk,
            fields=["frequency", "start_date", "until", "count"] + (["overlap_override_reason"] if clashes else []),
        )
        client_activity_changed(client.pk)
    return series


def _following(session: Session) -> list[Session]:
    """This occurrence and the later ones still on the series' schedule (not detached)."""
    return list(
        Session.objects.select_for_update()
        .filter(
            series_id=session.series_id,
            starts_at__gte=session.starts_at,
            series_detached=False,
            status=Session.Status.SCHEDULED,
        )
        .order_by("starts_at", "id")
    )


def _require_series(session: Session) -> SessionSeries:
    """Call inside atomic. Reads the session's current state (the caller's copy may be stale)."""
    session.refresh_from_db(fields=["status", "series", "series_detached", "starts_at"])
    if session.series_id is None:
        raise Invalid("This session is not part of a series.", field="scope")
    if session.status != Session.Status.SCHEDULED:
        raise Invalid("Only a session still scheduled can change the rest of its series.", field="scope")
    return SessionSeries.objects.select_for_update().get(pk=session.series_id)


def series_cancel_following(*, session: Session, actor, reason: str, cancelled_by: str) -> list[Session]:
    """Cancel this occurrence and every later one still following the series; end the series.

    Occurrences changed on their own (detached) are kept: the caller is told about them.
    """
    reason, cancelled_by = scheduling.check_cancellation(
        Session.Status.CANCELLED, {"cancellation_reason": reason, "cancelled_by": cancelled_by}
    )
    with transaction.atomic():
        series = _require_series(session)
        zone = zone_named(series.time_zone)
        following = _following(session)
        now = timezone.now()
        for occurrence in following:
            occurrence.status = Session.Status.CANCELLED
            occurrence.status_changed_at = now
            occurrence.cancellation_reason = reason
            occurrence.cancelled_by = cancelled_by
        Session.objects.bulk_update(
            following, ["status", "status_changed_at", "cancellation_reason", "cancelled_by", "updated_at"]
        )
        SessionChange.objects.bulk_create(
            [
                SessionChange(
                    session=occurrence,
                    kind=SessionChange.Kind.STATUS,
                    actor=actor,
                    previous_status=Session.Status.SCHEDULED,
                    status=Session.Status.CANCELLED,
                    reason=reason,
                )
                for occurrence in following
            ]
        )
        series.ended_on = session.starts_at.astimezone(zone).date()
        series.save(update_fields=["ended_on"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, target=series, client_id=series.client_id, fields=["ended_on"]
        )
        for occurrence in following:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=occurrence,
                client_id=series.client_id,
                fields=["status", "cancellation_reason", "cancelled_by"],
            )
        client_activity_changed(series.client_id)
    return following


def series_change_following(
    *,
    session: Session,
    actor,
    starts_at: dt.datetime,
    duration_minutes: int | None = None,
    kind: str | None = None,
    override_reason: str = "",
    confirm_outside_hours: bool = False,
) -> SessionSeries:
    """Move this occurrence and the later ones following the series by the same wall-clock shift.

    The series is split: the old one ends before this occurrence, a new one (same rule,
    shifted) starts with it; detached occurrences keep their times. Returns the new series.
    """
    scheduling._validate(
        {"starts_at": starts_at, **({"duration_minutes": duration_minutes} if duration_minutes else {})}
    )
    override = scheduling.clean_override_reason({"override_reason": override_reason})
    with transaction.atomic():
        series = _require_series(session)
        Membership.objects.select_for_update().filter(pk=series.therapist_id).first()
        zone = zone_named(series.time_zone)
        old_local = session.starts_at.astimezone(zone).replace(tzinfo=None)
        new_local = starts_at.astimezone(zone).replace(tzinfo=None)
        shift = new_local - old_local
        following = _following(session)
        duration = duration_minutes or series.duration_minutes
        new_starts = [
            (occurrence.starts_at.astimezone(zone).replace(tzinfo=None) + shift).replace(tzinfo=zone)
            for occurrence in following
        ]
        spans = [Span(start, duration) for start in new_starts]
        if spans and spans[0].starts_at < timezone.now():
            raise Invalid("Move the series to a time in the future.", field="starts_at")
        ids = [occurrence.pk for occurrence in following]
        clashes = scheduling.check_clashes(
            therapist=series.therapist, client=series.client, spans=spans, override_reason=override, exclude_ids=ids
        )
        scheduling.check_availability(therapist=series.therapist, spans=spans, confirmed=confirm_outside_hours)
        clashing = {span.starts_at for span, _ in clashes}
        before = Session.objects.filter(series=series, starts_at__lt=session.starts_at).count()
        new_series = SessionSeries.objects.create(
            client=series.client,
            therapist=series.therapist,
            frequency=series.frequency,
            weekdays=sorted({(day + shift.days) % 7 for day in series.weekdays}),
            start_date=new_local.date(),
            local_time=new_local.time(),
            time_zone=series.time_zone,
            duration_minutes=duration,
            kind=kind or series.kind,
            until=series.until + dt.timedelta(days=shift.days) if series.until else None,
            count=max(1, series.count - before) if series.count else None,
            materialised_until=(series.materialised_until + dt.timedelta(days=shift.days))
            if series.materialised_until
            else None,
            split_from=series,
            created_by=actor,
        )
        series.ended_on = old_local.date()
        if series.count:
            series.count = max(1, before)
        series.save(update_fields=["ended_on", "count"])
        for occurrence, start in zip(following, new_starts, strict=True):
            previous_start, previous_duration = occurrence.starts_at, occurrence.duration_minutes
            occurrence.series = new_series
            occurrence.starts_at = start.astimezone(dt.UTC)
            occurrence.duration_minutes = duration
            occurrence.kind = new_series.kind
            occurrence.overlap_override_reason = override if start in clashing else occurrence.overlap_override_reason
            occurrence.save()
            if previous_start != occurrence.starts_at or previous_duration != duration:
                SessionChange.objects.create(
                    session=occurrence,
                    kind=SessionChange.Kind.RESCHEDULED,
                    actor=actor,
                    previous_starts_at=previous_start,
                    starts_at=occurrence.starts_at,
                    previous_duration_minutes=previous_duration,
                    duration_minutes=duration,
                )
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=occurrence,
                client_id=series.client_id,
                fields=["starts_at", "duration_minutes", "kind", "series"],
            )
        audit_record(
            actor=actor, action=AuditAction.CREATE, target=new_series, client_id=series.client_id, fields=["split_from"]
        )
    return new_series


def series_summary(series: SessionSeries) -> dict[str, Any]:
    """Human words for a series' rule (for pages)."""
    from sessions.services.availability import WEEKDAY_NAMES

    if series.frequency == SessionSeries.Frequency.WEEKDAYS:
        rule = "Every " + ", ".join(WEEKDAY_NAMES[day] for day in series.weekdays)
    elif series.frequency == SessionSeries.Frequency.FORTNIGHTLY:
        rule = f"Every other {WEEKDAY_NAMES[series.start_date.weekday()]}"
    else:
        rule = f"Every {WEEKDAY_NAMES[series.start_date.weekday()]}"
    rule += f" at {series.local_time:%H:%M}"
    if series.ended_on:
        rule += f", ended {series.ended_on:%-d %b %Y}"
    elif series.until:
        rule += f", until {series.until:%-d %b %Y}"
    elif series.count:
        rule += f", {series.count} sessions"
    return {"rule": rule}
