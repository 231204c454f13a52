"""Audit trail: `audit_record` writes one append-only AuditEvent; `audit_read` records a read.

Writes: call `audit_record` inside the same transaction as the write it records.
Reads: `audit_read` is the one way to record that clinical content was read. It is called by
the selector that returns the content (e.g. `clients.selectors.client_detail`,
`sessions.selectors.notes_for_client`), never by a view: a view that got clinical content
from a selector has had the read recorded for it. Field *names* are recorded, never their
values, so the log itself holds no PHI.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import connection, models, transaction

from practice.models import AuditEvent

if TYPE_CHECKING:
    from practice.models import User


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    READ = "read"
    SIGN = "sign"
    COSIGN = "cosign"
    ADDENDUM = "addendum"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"  # a password prompt refused because of repeated failures
    LOGOUT = "logout"
    TOKEN_ISSUE = "token_issue"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKE = "token_revoke"  # noqa: S105
    MFA_ENROL = "mfa_enrol"
    INVITE = "invite"
    INVITE_ACCEPT = "invite_accept"
    REASSIGN = "reassign"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    DECIDE = "decide"
    KEY_ROTATE = "key_rotate"
    BREAK_GLASS = "break_glass"
    REVOKE = "revoke"
    CARE_TEAM_CHANGE = "care_team_change"  # a manager or admin changed who treats a client
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an action name, not a secret
    SIGN_IN_REMINDER = "sign_in_reminder"  # an invite asked for a client who already has an account
    PASSWORD_RESET_REQUEST = "password_reset_request"  # noqa: S105 - a reset link was e-mailed
    SESSIONS_END = "sessions_end"  # every web session and API token of an account ended
    RECOVERY_CODES = "recovery_codes"  # recovery codes shown again or replaced
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


_request_context: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "alliance_request_context",
    default=RequestContext(),  # noqa: B039 - a frozen dataclass is immutable
)


def set_request_context(context: RequestContext) -> contextvars.Token:
    return _request_context.set(context)


def reset_request_context(token: contextvars.Token) -> None:
    _request_context.reset(token)


def current_request_context() -> RequestContext:
    return _request_context.get()


def _event(
    *,
    actor: User | None,
    action: AuditAction | str,
    target: models.Model | None = None,
    target_type: str | None = None,
    target_id: object = "",
    client_id: int | None = None,
    fields: Iterable[str] = (),
    practice_id: int | None = None,
) -> AuditEvent:
    """One unsaved audit event (the request's id and address from the request context)."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk
    membership = getattr(actor, "membership_or_none", None) if actor is not None else None
    if practice_id is None and membership is not None:
        practice_id = membership.practice_id
    context = current_request_context()
    return AuditEvent(
        practice_id=practice_id,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=(membership.role if membership else ""),
        action=str(action),
        target_type=target_type or "",
        target_id="" if target_id is None else str(target_id),
        client_id=client_id,
        request_id=context.request_id,
        ip_address=context.ip_address,
        fields=sorted(set(fields)),
    )


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    target: models.Model | None = None,
    target_type: str | None = None,
    target_id: object = "",
    client_id: int | None = None,
    fields: Iterable[str] = (),
    practice_id: int | None = None,
) -> AuditEvent:
    """Append one audit event. Call inside the transaction of the write it records."""
    event = _event(
        actor=actor,
        action=action,
        target=target,
        target_type=target_type,
        target_id=target_id,
        client_id=client_id,
        fields=fields,
        practice_id=practice_id,
    )
    event.save(force_insert=True)
    return event


@dataclass
class _ReadBatch:
    events: list[AuditEvent]
    depth: int  # transactions open when the batch began (a test case runs inside its own)


# Read events collected by `audit_reads_batched` (None: no batch open, each read is written).
_read_batch: contextvars.ContextVar[_ReadBatch | None] = contextvars.ContextVar("alliance_read_batch", default=None)


@contextmanager
def audit_reads_batched() -> Iterator[None]:
    """Collect the READ events recorded inside the block and write them in one bulk insert,
    one transaction, when it ends (also when it raises: the reads happened). A single event
    outside any transaction is one INSERT, in autocommit.

    A page that shows five kinds of clinical content recorded five events in five
    transactions; batched, a GET commits once. A read recorded inside a transaction is still
    written at once, in that transaction (it must roll back with it). Nested blocks join the
    outer one.
    """
    if _read_batch.get() is not None:
        yield
        return
    batch = _ReadBatch(events=[], depth=len(connection.atomic_blocks))
    token = _read_batch.set(batch)
    try:
        yield
    finally:
        _read_batch.reset(token)
        if len(batch.events) == 1 and not connection.in_atomic_block:
            # Autocommit: one INSERT is its own transaction. BEGIN and COMMIT around it would
            # be two more round trips to the database on most GETs (one read recorded).
            batch.events[0].save(force_insert=True)
        elif batch.events:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(batch.events)


def audit_read(
    *, actor, client_id: int | None, target_type: str, fields: Iterable[str] = (), target_id: object = ""
) -> AuditEvent:
    """Record that `actor` read `fields` of `target_type` in `client_id`'s record (a READ event).

    Inside `audit_reads_batched` (every GET, practice.middleware.AuditReadBatchMiddleware) and
    outside a transaction, the event is written when the block ends; the returned event is
    then unsaved until that moment."""
    batch = _read_batch.get()
    if batch is not None and len(connection.atomic_blocks) == batch.depth:
        event = _event(
            actor=actor,
            action=AuditAction.READ,
            target_type=target_type,
            target_id=target_id,
            client_id=client_id,
            fields=fields,
        )
        batch.events.append(event)
        return event
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=AuditAction.READ,
            target_type=target_type,
            target_id=target_id,
            client_id=client_id,
            fields=fields,
        )


def audit_reads(*, actor, client_ids: Iterable[int], target_type: str, fields: Iterable[str] = ()) -> None:
    """Record one READ event per client in `client_ids`, in one INSERT (a page listing many
    clients' records, such as the alerts page, costs the same whatever their number)."""
    membership = getattr(actor, "membership_or_none", None) if actor is not None else None
    context = current_request_context()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                practice_id=membership.practice_id if membership is not None else None,
                actor=actor if getattr(actor, "pk", None) else None,
                actor_role=(membership.role if membership else ""),
                action=str(AuditAction.READ),
                target_type=target_type,
                target_id="",
                client_id=client_id,
                request_id=context.request_id,
                ip_address=context.ip_address,
                fields=sorted(set(fields)),
            )
            for client_id in sorted(set(client_ids))
        ]
    )
