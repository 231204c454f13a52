"""Notices about a client record that go to staff by email. They carry no client details."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from clients.models import BreakGlassGrant
from practice.models import Membership
from practice.roles import Role

BREAK_GLASS_SUBJECT = "Alliance: emergency access to a client record"


def notify_break_glass_opened(grant: BreakGlassGrant) -> int:
    """Email the client's primary therapist and the practice's managers, once per grant.

    Sent, then marked: a crash between the two sends a second notice, never none.
    """
    if grant.notified_at is not None:
        return 0
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
    if recipients:
        body = (
            f"{grant.granted_to.display_name} (practice admin) opened emergency read-only access to the "
            f"record of client #{client.pk} until {timezone.localtime(grant.expires_at):%Y-%m-%d %H:%M %Z}.\n\n"
            "The reason and every record they open are in the audit log. A manager or admin can end "
            "the access at any time. For privacy this email contains no client details."
        )
        send_mail(BREAK_GLASS_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients))
    BreakGlassGrant.objects.filter(pk=grant.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    return len(recipients)
