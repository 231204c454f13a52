"""Reads of sessions and notes. Selectors that return note bodies record a READ audit event.

Scoping is the caller's first step (`Client.objects.clinical_scope(user)`); these functions
add the eager loading that keeps list endpoints at a constant number of queries.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import Client
from practice.audit import AuditAction, audit_record
from practice.models import Membership
from sessions.models import NoteAddendum, ProgressNote, PsychotherapyNote, Session

if TYPE_CHECKING:
    from practice.models import User

# A note still unsigned this long after its session started is overdue.
NOTE_OVERDUE_AFTER = timedelta(hours=72)


def is_note_overdue(note: ProgressNote, now: datetime | None = None) -> bool:
    """A draft linked to an attended session that started more than 72 hours ago."""
    if note.status != ProgressNote.Status.DRAFT or note.session_id is None:
        return False
    session = note.session
    now = now or timezone.now()
    # session_id is set (checked above), so the session exists.
    return session.status == Session.Status.ATTENDED and session.starts_at + NOTE_OVERDUE_AFTER < now  # type: ignore[union-attr]


def sessions_in_scope(user) -> QuerySet[Session]:
    """Sessions of clients whose clinical record the user may read."""
    return Session.objects.filter(client__in=Client.objects.clinical_scope(user)).select_related("therapist__user")


def sessions_for_client(*, client: Client, status: str | None = None) -> QuerySet[Session]:
    """A client's session history, newest first."""
    queryset = Session.objects.filter(client=client).select_related("therapist__user").order_by("-starts_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def notes_queryset() -> QuerySet[ProgressNote]:
    """Progress notes with everything their API representation touches loaded up front."""
    return ProgressNote.objects.select_related(
        "session",
        "author__membership",
        "signed_by__membership",
        "cosigned_by__membership",
    ).prefetch_related(
        Prefetch("goals", queryset=_goal_ids()),
        Prefetch(
            "addenda",
            queryset=NoteAddendum.objects.select_related("author__membership").order_by("created_at", "id"),
        ),
    )


def _goal_ids():
    from clients.models import Goal

    # Only ids are shown on a note; the goal texts are encrypted and not needed here.
    return Goal.objects.only("id")


def notes_in_scope(user) -> QuerySet[ProgressNote]:
    return notes_queryset().filter(client__in=Client.objects.clinical_scope(user))


def notes_for_client(*, client: Client, actor: User, status: str | None = None) -> QuerySet[ProgressNote]:
    """A client's progress notes, newest first. Records that the actor read them."""
    queryset = notes_queryset().filter(client=client).order_by("-created_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            target_type=ProgressNote._meta.label_lower,
            client_id=client.pk,
            fields=["sections"],
        )
    return queryset


def note_detail(*, note: ProgressNote, actor: User) -> ProgressNote:
    """One note with its addenda. Records that the actor read it."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            target=note,
            client_id=note.client_id,
            fields=["sections", "addenda"],
        )
    return note


def overdue_notes(therapist_membership: Membership, *, now: datetime | None = None) -> QuerySet[Session]:
    """The therapist's attended sessions older than 72 hours that have no signed note.

    Returns sessions (not notes): a session with no note at all is the most overdue kind.
    Sessions recorded without a therapist count for the client's primary therapist.
    """
    cutoff = (now or timezone.now()) - NOTE_OVERDUE_AFTER
    signed = ProgressNote.objects.filter(session=OuterRef("pk"), status=ProgressNote.Status.SIGNED)
    return (
        Session.objects.filter(
            Q(therapist=therapist_membership)
            | Q(therapist__isnull=True, client__primary_therapist=therapist_membership),
            status=Session.Status.ATTENDED,
            starts_at__lt=cutoff,
        )
        .filter(~Exists(signed))
        .select_related("client")
        .order_by("starts_at", "id")
    )


def psychotherapy_notes_of(actor: User) -> QuerySet[PsychotherapyNote]:
    """Psychotherapy notes the actor may read: their own, for clients still in their scope.

    There is deliberately no other way to list these: no role, not even an admin, reads
    someone else's process notes.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return PsychotherapyNote.objects.none()
    return (
        PsychotherapyNote.objects.filter(author=actor, client__in=Client.objects.clinical_scope(actor))
        .select_related("author__membership")
        .order_by("-created_at", "-id")
    )


def psychotherapy_note_detail(*, note: PsychotherapyNote, actor: User) -> PsychotherapyNote:
    """Records the author's read (the audit event names the field, never the text)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            target=note,
            client_id=note.client_id,
            fields=["text"],
        )
    return note


def psychotherapy_notes_for_client(*, client: Client, actor: User) -> QuerySet[PsychotherapyNote]:
    queryset = psychotherapy_notes_of(actor).filter(client=client)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            target_type=PsychotherapyNote._meta.label_lower,
            client_id=client.pk,
            fields=["text"],
        )
    return queryset
