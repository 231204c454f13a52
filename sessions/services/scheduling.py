"""Writes to the appointment schedule: book a session, reschedule it, record what happened."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from insights.freshness import client_activity_changed
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from sessions.models import Session
from sessions.reminders import appointment_reminders_sync
from sessions.telehealth import video_room_ensure

if TYPE_CHECKING:
    from practice.models import User

MIN_DURATION_MINUTES = 1
MAX_DURATION_MINUTES = 600
EDITABLE_FIELDS = ("starts_at", "duration_minutes", "kind", "status", "modality")


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


def session_create(
    *,
    client: Client,
    actor: User,
    starts_at: datetime,
    duration_minutes: int = 50,
    kind: str = Session.Kind.INDIVIDUAL,
    status: str = Session.Status.SCHEDULED,
    modality: str = Session.Modality.IN_PERSON,
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
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.create(
            client=client,
            therapist=actor.membership,
            status_changed_at=None if status == Session.Status.SCHEDULED else now,
            **values,
        )
        video_room_ensure(session)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=session,
            client_id=client.pk,
            fields=list(values),
        )
        # Attendance feeds engagement metrics (sessions attended, last activity).
        client_activity_changed(client.pk)
        appointment_reminders_sync(session)
    return session


def session_update(*, session: Session, actor: User, data: dict[str, Any]) -> Session:
    """Reschedule or record the outcome of a session. Call with a session the actor may edit.

    For a discharged client only the outcome of an existing session may be recorded
    (attended, no-show, cancelled); moving it or putting it back on the schedule would be
    booking care the client is no longer in, so that is a 409.
    """
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        field = min(unknown)
        raise DomainError(f"'{field}' cannot be changed here.", field=field)
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
    with transaction.atomic():
        for field in changed:
            setattr(session, field, data[field])
        if "status" in changed:
            session.status_changed_at = timezone.now()
        video_room_ensure(session, save=False)
        session.save()
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
