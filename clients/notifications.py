"""Notices about a client record that go to staff by email, through the notification outbox
(practice/outbox.py). They carry no client details."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clients.models import BreakGlassGrant
from practice.models import Membership, Notification
from practice.outbox import outbox_deliver, outbox_enqueue
from practice.roles import Role

BREAK_GLASS_SUBJECT = "Alliance: emergency access to a client record"


def break_glass_recipients(grant: BreakGlassGrant) -> list[str]:
    """The client's primary therapist and the practice's managers, never the admin themself."""
    client = grant.client
    recipients = {
        member.user.email
        for member in Membership.objects.filter(
            practice_id=client.practice_id, role=Role.MANAGER, is_active=True
        ).select_related("user")
    }
    therapist = client.primary_therapist
    if therapist is not None and therapist.is_active:
        recipients.add(therapist.user.email)
    recipients.discard(grant.granted_to.user.email)
    return sorted(recipients)


def break_glass_notice_enqueue(grant: BreakGlassGrant, *, send_on_commit: bool = True) -> Notification | None:
    """Put the break-glass notice in the outbox. Call inside the transaction opening the grant."""
    recipients = break_glass_recipients(grant)
    if not recipients:
        return None
    body = (
        f"{grant.granted_to.display_name} (practice admin) opened emergency read-only access to the "
        f"record of client #{grant.client_id} until {timezone.localtime(grant.expires_at):%Y-%m-%d %H:%M %Z}.\n\n"
        "The reason and every record they open are in the audit log. A manager or admin can end "
        "the access at any time. For privacy this email contains no client details."
    )
    return outbox_enqueue(
        kind="break_glass_opened",
        to=recipients,
        subject=BREAK_GLASS_SUBJECT,
        body=body,
        dedupe_key=f"break_glass:{grant.pk}",
        practice_id=grant.client.practice_id,
        target=grant,
        send_on_commit=send_on_commit,
    )


def notify_break_glass_opened(grant: BreakGlassGrant) -> int:
    """Deliver the notice for a grant now (messages queued before the outbox existed).

    Returns how many people this call mailed; 0 when already notified."""
    if grant.notified_at is not None:
        return 0
    with transaction.atomic():
        notification = break_glass_notice_enqueue(grant, send_on_commit=False)
    if notification is None or not outbox_deliver(notification.pk):
        return 0
    return len(notification.recipients)
