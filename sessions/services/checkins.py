"""Mood check-ins and messages between a client and their care team.

Whatever a client writes here is risk-screened in the same transaction as the write; a
risky entry creates the therapist's alert before the response is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from insights.freshness import client_activity_changed
from insights.safety import ScreeningOutcome, screen_client_text
from practice.audit import AuditAction, audit_record
from sessions.models import CheckIn, Message
from sessions.services.homework import (
    InvalidInput,
    ensure_portal_writable,
    screen_rejected_text,
)

if TYPE_CHECKING:
    from practice.models import User

MOOD_MIN, MOOD_MAX = 0, 10
NOTE_MAX_LENGTH = 5_000
MESSAGE_MAX_LENGTH = 5_000


def _text_error(value: object, limit: int, *, required: bool) -> str | None:
    if value is None or value == "":
        return "This field is required." if required else None
    if not isinstance(value, str):
        return "Not a valid string."
    if "\x00" in value:
        return "Null characters are not allowed."
    if required and not value.strip():
        return "This field may not be blank."
    if len(value) > limit:
        return f"Ensure this field has no more than {limit} characters."
    return None


def checkin_errors(mood: object, emotions: object, note: object) -> dict[str, list[str]]:
    """Field errors for a check-in. Mood must be a real integer: "7", 7.0 and true are refused
    rather than coerced, so what is stored is exactly what the client chose."""
    errors: dict[str, list[str]] = {}
    if mood is None:
        errors["mood"] = ["This field is required."]
    elif type(mood) is not int or not MOOD_MIN <= mood <= MOOD_MAX:
        errors["mood"] = [f"Mood must be a whole number from {MOOD_MIN} to {MOOD_MAX}."]
    if emotions is not None:
        if not isinstance(emotions, list) or not all(isinstance(item, str) for item in emotions):
            errors["emotions"] = ["Emotions must be a list of words."]
        else:
            unknown = [item for item in emotions if item.strip().lower() not in CheckIn.EMOTIONS]
            if unknown:
                errors["emotions"] = [
                    f'"{item[:40]}" is not one of: {", ".join(CheckIn.EMOTIONS)}.' for item in unknown[:5]
                ]
    message = _text_error(note, NOTE_MAX_LENGTH, required=False)
    if message:
        errors["note"] = [message]
    return errors


def checkin_create(
    *, client: Client, actor: User, mood: Any, emotions: Any, note: Any
) -> tuple[CheckIn, ScreeningOutcome]:
    """Record a mood check-in; returns it with the screening of its note.

    Invalid input raises InvalidInput (nothing stored; a risky note is still screened).
    """
    ensure_portal_writable(client)
    errors = checkin_errors(mood, emotions, note)
    if errors:
        screening = screen_rejected_text(
            client=client,
            actor=actor,
            texts=[("note", note)] if isinstance(note, str) else [],
            source_type="checkin",
            source_id=None,
        )
        raise InvalidInput(errors, screening)
    chosen: list[str] = []
    for item in emotions or []:
        word = item.strip().lower()
        if word not in chosen:  # a double tap should not count twice
            chosen.append(word)
    with transaction.atomic():
        checkin = CheckIn.objects.create(client=client, mood=mood, emotions=chosen, note=(note or "").strip())
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=checkin,
            client_id=client.pk,
            fields=["mood", "emotions", "note"],
        )
        outcome = screen_client_text(
            client=client,
            texts=[("note", checkin.note)],
            source_type="checkin",
            source_id=checkin.pk,
            actor=actor,
        )
        client_activity_changed(client.pk)
    return checkin, outcome


def message_send(*, client: Client, actor: User, body: Any) -> tuple[Message, ScreeningOutcome]:
    """Send a message in the client's thread, from the client or a therapist who may edit it.

    The caller scopes the client for the actor. Client messages are screened for risk.
    """
    ensure_portal_writable(client)
    from_client = client.user_id is not None and client.user_id == actor.pk
    message = _text_error(body, MESSAGE_MAX_LENGTH, required=True)
    if message:
        screening = ScreeningOutcome()
        if from_client and isinstance(body, str):
            screening = screen_rejected_text(
                client=client,
                actor=actor,
                texts=[("message", body)],
                source_type="message",
                source_id=None,
            )
        raise InvalidInput({"body": [message]}, screening)
    with transaction.atomic():
        sent = Message.objects.create(client=client, sender=actor, from_client=from_client, body=body.strip())
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=sent,
            client_id=client.pk,
            fields=["body"],
        )
        outcome = ScreeningOutcome()
        if from_client:
            outcome = screen_client_text(
                client=client,
                texts=[("message", sent.body)],
                source_type="message",
                source_id=sent.pk,
                actor=actor,
            )
    return sent, outcome


def messages_mark_read(*, client: Client, actor: User) -> int:
    """Mark the client's unread messages as read by their care team; returns how many.

    The caller scopes the client with `Client.objects.editable_by(actor)`: a read receipt is
    the care team's, not a supervisor's or a break-glass reader's.
    """
    with transaction.atomic():
        unread = Message.objects.filter(client=client, from_client=True, read_at__isnull=True)
        marked = unread.update(read_at=timezone.now())
        if marked:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target_type=Message._meta.label_lower,
                client_id=client.pk,
                fields=["read_at"],
            )
    return marked
