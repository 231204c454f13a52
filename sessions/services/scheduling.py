"""Writes to the appointment schedule: book a session, reschedule it, record what happened.

The rules that protect the record (issue 14), all here so the API and the pages agree:
- a booking never overlaps another live (not cancelled) session of the same therapist or
  the same client, unless the caller gives an override reason (kept on the session, audited);
- attended, no-show and late-cancelled are outcomes: refused before the session starts;
- a cancellation (cancelled or late-cancelled) needs a reason and who cancelled;
- a booking outside the therapist's working hours or in their time off needs an explicit
  confirmation (`confirm_outside_hours`); it is never refused outright;
- every change leaves a `SessionChange` row (history: moved from, status from) and an audit
  event in the same transaction. Times are aware and compared in UTC, so time zones and
  daylight-saving changes cannot hide a clash.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from insights.freshness import client_activity_changed
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, Invalid
from practice.models import Membership
from sessions.models import Session, SessionChange
from sessions.recurrence import Span, find_clashes
from sessions.reminders import appointment_reminders_sync
from sessions.services.availability import Availability, therapist_zone
from sessions.telehealth import video_room_ensure

if TYPE_CHECKING:
    from practice.models import User

MIN_DURATION_MINUTES = 1
MAX_DURATION_MINUTES = 600
EDITABLE_FIELDS = ("starts_at", "duration_minutes", "kind", "status", "modality")
# Options that qualify a change; they are not stored as given (reasons are, on the session).
OPTION_FIELDS = ("cancellation_reason", "cancelled_by", "override_reason", "confirm_outside_hours")
MAX_REASON_CHARS = 500


def _validate(values: dict[str, Any]) -> None:
    """Field checks shared by create and update (the API validates too; services are the rule)."""
    if "starts_at" in values:
        starts_at = values["starts_at"]
        if not isinstance(starts_at, datetime):
            raise DomainError("Give the start as a date and time.", field="starts_at")
        if timezone.is_naive(starts_at):
            raise DomainError("Give the start with a time zone.", field="starts_at")
    if "duration_minutes" in values:
        duration = values["duration_minutes"]
        if (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not (MIN_DURATION_MINUTES <= duration <= MAX_DURATION_MINUTES)
        ):
            raise DomainError(
                f"Duration must be a whole number of minutes from {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES}.",
                field="duration_minutes",
            )
    if "kind" in values and values["kind"] not in Session.Kind.values:
        raise DomainError(f"Kind must be one of: {', '.join(Session.Kind.values)}.", field="kind")
    if "modality" in values and values["modality"] not in Session.Modality.values:
        raise DomainError(f"Modality must be one of: {', '.join(Session.Modality.values)}.", field="modality")
    if "status" in values and values["status"] not in Session.Status.values:
        raise DomainError(
            f"Status must be one of: {', '.join(Session.Status.values)}.",
            field="status",
        )


# ---------------------------------------------------------------------------
# The rules


def clash_message(other: Session, client: Client, zone) -> str:
    local = other.starts_at.astimezone(zone)
    end = other.ends_at.astimezone(zone)
    whose = "this client already has" if other.client_id == client.pk else "you already have"
    return (
        f"This overlaps a session {whose} on "
        f"{local:%a %-d %b %Y}, {local:%H:%M}–{end:%H:%M} ({zone.key}). Choose another time, or book anyway "
        "with a reason for the overlap."
    )


def check_clashes(
    *, therapist, client, spans: list[Span], override_reason: str, exclude_ids: Iterable[int] = ()
) -> list[tuple[Span, Session]]:
    clashes = find_clashes(therapist=therapist, client=client, spans=spans, exclude_ids=exclude_ids)
    if clashes and not override_reason.strip():
        raise Invalid(
            errors={"starts_at": [clash_message(clashes[0][1], client, therapist_zone(therapist))]},
            field="starts_at",
        )
    return clashes


def check_outcome_time(status: str, starts_at: datetime) -> None:
    if status in Session.OUTCOMES_AFTER_START and starts_at > timezone.now():
        label = Session.Status(status).label.lower()
        raise Invalid(f"This session has not started yet: it can be marked {label} once it has begun.", field="status")


def check_cancellation(status: str, options: dict[str, Any]) -> tuple[str, str]:
    if status not in Session.FREE_STATUSES:
        return "", ""
    reason = str(options.get("cancellation_reason") or "").strip()
    cancelled_by = str(options.get("cancelled_by") or "")
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["cancellation_reason"] = ["Give a reason for the cancellation."]
    elif len(reason) > MAX_REASON_CHARS:
        errors["cancellation_reason"] = [f"Keep the reason under {MAX_REASON_CHARS} characters."]
    if cancelled_by not in Session.CancelledBy.values:
        errors["cancelled_by"] = ["Say who cancelled: the client or the practice."]
    if errors:
        raise Invalid(errors=errors, field=next(iter(errors)))
    return reason, cancelled_by


def check_availability(*, therapist, spans: list[Span], confirmed: bool) -> list[str]:
    if therapist is None or not spans:
        return []
    zone = therapist_zone(therapist)
    availability = Availability.of(therapist)
    problems = [
        problem for span in spans if (problem := availability.problem(span.starts_at, span.duration_minutes, zone))
    ]
    if problems and not confirmed:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Invalid(
            f"{problems[0]}{more} Tick “Book outside my hours” to book anyway.", field="confirm_outside_hours"
        )
    return problems


def clean_override_reason(options: dict[str, Any]) -> str:
    reason = str(options.get("override_reason") or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise Invalid(f"Keep the reason under {MAX_REASON_CHARS} characters.", field="override_reason")
    return reason


# ---------------------------------------------------------------------------
# Writes


def session_create(
    *,
    client: Client,
    actor: User,
    starts_at: datetime,
    duration_minutes: int = 50,
    kind: str = Session.Kind.INDIVIDUAL,
    status: str = Session.Status.SCHEDULED,
    modality: str = Session.Modality.IN_PERSON,
    cancellation_reason: str = "",
    cancelled_by: str = "",
    override_reason: str = "",
    confirm_outside_hours: bool = False,
) -> Session:
    """Book (or record) a session. Call with a client the actor may edit.

    A discharged client's record stays readable but takes no new sessions: 409.
    """
    if client.is_discharged:
        raise DomainError(
            "This client is discharged and cannot be given new sessions; readmit them first.",
            conflict=True,
        )
    values = {
        "starts_at": starts_at,
        "duration_minutes": duration_minutes,
        "kind": kind,
        "status": status,
        "modality": modality,
    }
    _validate(values)
    check_outcome_time(status, starts_at)
    options = {"cancellation_reason": cancellation_reason, "cancelled_by": cancelled_by}
    reason, who = check_cancellation(status, options)
    override = clean_override_reason({"override_reason": override_reason})
    therapist = actor.membership
    now = timezone.now()
    with transaction.atomic():
        # Lock the therapist row so two bookings of the same slot cannot both pass the check.
        Membership.objects.select_for_update().filter(pk=therapist.pk).first()
        span = Span(starts_at, duration_minutes)
        clashes = []
        if status not in Session.FREE_STATUSES:
            clashes = check_clashes(therapist=therapist, client=client, spans=[span], override_reason=override)
            check_availability(therapist=therapist, spans=[span], confirmed=confirm_outside_hours)
        session = Session.objects.create(
            client=client,
            therapist=therapist,
            status_changed_at=None if status == Session.Status.SCHEDULED else now,
            cancellation_reason=reason,
            cancelled_by=who,
            overlap_override_reason=override if clashes else "",
            **values,
        )
        video_room_ensure(session)
        SessionChange.objects.create(
            session=session, kind=SessionChange.Kind.BOOKED, actor=actor, starts_at=starts_at, status=status
        )
        fields = (
            list(values)
            + (["overlap_override_reason"] if clashes else [])
            + (["cancellation_reason"] if reason else [])
        )
        audit_record(actor=actor, action=AuditAction.CREATE, target=session, client_id=client.pk, fields=fields)
        # Attendance feeds engagement metrics (sessions attended, last activity).
        client_activity_changed(client.pk)
        appointment_reminders_sync(session)
    return session


def session_update(*, session: Session, actor: User, data: dict[str, Any]) -> Session:
    """Reschedule or record the outcome of a session. Call with a session the actor may edit.

    `data` holds model fields (`EDITABLE_FIELDS`) and options (`OPTION_FIELDS`): a
    cancellation's reason and who cancelled, an overlap override reason, the confirmation of
    a time outside working hours. Moving a series occurrence detaches it from the series.

    For a discharged client only the outcome of an existing session may be recorded
    (attended, no-show, cancelled); moving it or putting it back on the schedule would be
    booking care the client is no longer in, so that is a 409.
    """
    unknown = set(data) - set(EDITABLE_FIELDS) - set(OPTION_FIELDS)
    if unknown:
        field = min(unknown)
        raise DomainError(f"'{field}' cannot be changed here.", field=field)
    options = {key: data[key] for key in OPTION_FIELDS if key in data}
    data = {key: data[key] for key in EDITABLE_FIELDS if key in data}
    _validate(data)
    changed = [field for field in EDITABLE_FIELDS if field in data and getattr(session, field) != data[field]]
    if not changed:
        return session
    client = session.client
    if client.is_discharged and (
        "starts_at" in changed or ("status" in changed and data["status"] == Session.Status.SCHEDULED)
    ):
        raise DomainError(
            "This client is discharged: a session can no longer be rescheduled, only its outcome recorded.",
            conflict=True,
        )
    new_status = data.get("status", session.status)
    new_start = data.get("starts_at", session.starts_at)
    new_duration = data.get("duration_minutes", session.duration_minutes)
    if "status" in changed or "starts_at" in changed:
        check_outcome_time(new_status, new_start)
    reason, who = check_cancellation(new_status, options) if "status" in changed else ("", "")
    override = clean_override_reason(options)
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("client").get(pk=session.pk)
        if session.therapist_id:
            Membership.objects.select_for_update().filter(pk=session.therapist_id).first()
        moved = "starts_at" in changed or "duration_minutes" in changed
        occupies_again = session.status in Session.FREE_STATUSES and new_status not in Session.FREE_STATUSES
        clashes = []
        if new_status not in Session.FREE_STATUSES and (moved or occupies_again):
            span = Span(new_start, new_duration)
            clashes = check_clashes(
                therapist=session.therapist,
                client=client,
                spans=[span],
                override_reason=override,
                exclude_ids=[session.pk],
            )
            if "starts_at" in changed or "duration_minutes" in changed:
                check_availability(
                    therapist=session.therapist, spans=[span], confirmed=bool(options.get("confirm_outside_hours"))
                )
        previous: dict[str, Any] = {
            "starts_at": session.starts_at,
            "duration": session.duration_minutes,
            "status": session.status,
        }
        for field in changed:
            setattr(session, field, data[field])
        if "status" in changed:
            session.status_changed_at = timezone.now()
            session.cancellation_reason = reason
            session.cancelled_by = who
            changed += ["cancellation_reason", "cancelled_by"] if reason else []
        if clashes:
            session.overlap_override_reason = override
            changed.append("overlap_override_reason")
        if session.series_id and {"starts_at", "duration_minutes", "kind"} & set(changed):
            session.series_detached = True
        video_room_ensure(session, save=False)
        session.save()
        if moved:
            SessionChange.objects.create(
                session=session,
                kind=SessionChange.Kind.RESCHEDULED,
                actor=actor,
                previous_starts_at=previous["starts_at"],
                starts_at=session.starts_at,
                previous_duration_minutes=previous["duration"],
                duration_minutes=session.duration_minutes,
            )
        if "status" in changed:
            SessionChange.objects.create(
                session=session,
                kind=SessionChange.Kind.STATUS,
                actor=actor,
                previous_status=previous["status"],
                status=session.status,
                reason=reason,
            )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=session,
            client_id=client.pk,
            fields=changed,
        )
        if "status" in changed:
            client_activity_changed(client.pk)
        # Booked, moved or cancelled: the reminders follow (a cancelled session sends none).
        appointment_reminders_sync(session)
    return session
