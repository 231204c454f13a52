"""The notification outbox: e-mails that cannot be lost to a broker or SMTP outage.

Usage (inside the transaction that makes the event happen)::

    from practice.outbox import outbox_enqueue

    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(...)
        outbox_enqueue(
            kind="break_glass_opened",
            to=[therapist.email, manager.email],
            subject="Alliance: emergency access to a client record",
            body="...no clinical content, no client names...",
            dedupe_key=f"break_glass:{grant.pk}",
            practice_id=grant.client.practice_id,
            target=grant,  # optional: its `notified_at` is stamped once the mail is sent
        )

Guarantees:
- the row commits or rolls back with the caller's write: a rolled-back event sends nothing,
  a committed one is always sent eventually;
- after commit, `practice.send_notification` is published; a broker failure only logs
  (`practice.tasks_support.safe_delay`), it never fails the write;
- the beat task `practice.sweep_outbox` (every minute) re-sends unsent rows older than
  `MIN_AGE_SECONDS`, with exponential backoff, at most `MAX_ATTEMPTS` times;
- a row is sent once: delivery holds a row lock (`select_for_update(skip_locked=True)`) from
  the claim to `sent_at`, so a task delivered twice, or the sweeper racing the task, finds the
  row locked or already sent. Only a crash between the SMTP hand-off and the commit can send a
  second copy (at least once, never none);
- `dedupe_key` is unique: enqueueing the same notice twice returns the first row.

Messages must carry no clinical content and no client names (the body is encrypted at rest
all the same). Recipients are fixed when the row is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from practice.models import Notification
from practice.tasks_support import enqueue_on_commit

logger = logging.getLogger("alliance.outbox")

# The on-commit task normally sends within seconds; the sweeper leaves a row alone this long.
MIN_AGE_SECONDS = 60
MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
# One sweep stops starting new sends after this long (it runs every minute, well inside its
# time limit even when SMTP is slow: each send is bounded by EMAIL_TIMEOUT).
SWEEP_BUDGET_SECONDS = 90
SWEEP_BATCH = 500


def outbox_enqueue(
    *,
    kind: str,
    to: list[str],
    subject: str,
    body: str,
    dedupe_key: str,
    practice_id: int | None,
    target: models.Model | None = None,
    send_on_commit: bool = True,
) -> Notification:
    """Write one notification row; publish its send task after the caller's commit.

    Call inside the transaction of the event being announced. `to` must name at least one
    address. With `send_on_commit=False` the caller delivers itself (`outbox_deliver`) after
    its transaction, as a worker that is already running may.
    """
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        raise ValueError("a notification needs at least one recipient")
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "practice_id": practice_id,
            "recipients": recipients,
            "subject": subject,
            "body": body,
            "target_type": target._meta.label_lower if target is not None else "",
            "target_id": target.pk if target is not None else None,
            "created_at": timezone.now(),
        },
    )
    if created and send_on_commit:
        from practice.tasks import send_notification

        enqueue_on_commit(send_notification, notification.pk)
    return notification


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def outbox_deliver(notification_id: int) -> bool:
    """Send one row if it is unsent and nobody else is sending it. True if this call sent it.

    Runs its own short transaction; do not call inside another one (the lock would be held
    until the outer commit).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .first()
        )
        if notification is None:
            return False  # sent, gone, given up, or being sent by someone else right now
        notification.attempts += 1
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                list(notification.recipients),
                fail_silently=False,
            )
        except Exception as error:  # noqa: BLE001 - any SMTP/socket failure is retried later
            notification.last_error = f"{type(error).__name__}: {error}"[:500]
            notification.next_attempt_at = timezone.now() + backoff(notification.attempts)
            notification.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            log = logger.error if notification.attempts >= MAX_ATTEMPTS else logger.warning
            log(
                "notification %s (%s) failed, attempt %s of %s",
                notification.pk,
                notification.kind,
                notification.attempts,
                MAX_ATTEMPTS,
                exc_info=True,
            )
            return False
        now = timezone.now()
        notification.sent_at = now
        notification.last_error = ""
        notification.save(update_fields=["attempts", "sent_at", "last_error"])
        _stamp_target(notification, now)
    return True


def _stamp_target(notification: Notification, now: dt.datetime) -> None:
    if not notification.target_type or notification.target_id is None:
        return
    try:
        model = apps.get_model(notification.target_type)
    except LookupError:
        return
    if any(field.name == "notified_at" for field in model._meta.concrete_fields):
        model._base_manager.filter(pk=notification.target_id, notified_at__isnull=True).update(notified_at=now)


def outbox_sweep(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Deliver due unsent rows, oldest first, within a time budget. Returns how many were sent."""
    now = now or timezone.now()
    due = list(
        Notification.objects.due(now, min_age=MIN_AGE_SECONDS, max_attempts=MAX_ATTEMPTS)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    started = time.monotonic()
    sent = 0
    for notification_id in due:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            logger.info("outbox sweep stopped at its time budget; the next sweep continues")
            break
        sent += outbox_deliver(notification_id)
    return sent
