"""Notices about a client record that go to staff by email, through the notification outbox
(practice/outbox.py). They carry no client details."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from clients.models import BreakGlassGrant, CareTeamChange
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


# ---------------------------------------------------------------------------
# Care-team changes and portal sign-in reminders. Each notice is composed below and goes out
# through `notice_queue`, the one door to the outbox for this module's notices.

CARE_TEAM_SUBJECT = "Alliance: a client's care team was changed"
SIGN_IN_REMINDER_SUBJECT = "Alliance: you already have a portal account"
PORTAL_ACCOUNT_READY_SUBJECT = "Alliance: your portal account is ready"


@dataclass(frozen=True)
class Notice:
    kind: str
    recipients: list[str]
    subject: str
    body: str
    dedupe_key: str
    practice_id: int | None


def notice_queue(notice: Notice | None, *, target: models.Model | None = None) -> Notification | None:
    """Put a notice in the outbox. Call inside the transaction of the event it announces, so
    both commit (or roll back) together; a broker outage never loses it or fails the write."""
    if notice is None or not notice.recipients:
        return None
    return outbox_enqueue(
        kind=notice.kind,
        to=notice.recipients,
        subject=notice.subject,
        body=notice.body,
        dedupe_key=notice.dedupe_key,
        practice_id=notice.practice_id,
        target=target,
    )


def care_team_change_notice(change: CareTeamChange) -> Notice | None:
    """To the client's current primary therapist, everyone who left or joined the team and the
    practice's managers, except whoever made the change. Staff names and the client's number
    only: nothing about the client."""
    client = change.client
    wanted = change.member_ids() | ({client.primary_therapist_id} if client.primary_therapist_id else set())
    members = {
        member.pk: member
        for member in Membership.objects.filter(practice_id=client.practice_id)
        .filter(Q(pk__in=wanted) | Q(role=Role.MANAGER))
        .select_related("user")
    }
    recipients = {
        member.user.email
        for member in members.values()
        if member.is_active and (member.pk in wanted or member.role == Role.MANAGER)
    }
    recipients.discard(change.changed_by.user.email)
    if not recipients:
        return None
    names = {member_id: member.display_name for member_id, member in members.items()}
    body = (
        f"{change.changed_by.display_name} (practice {change.changed_by.role}) changed the care team of "
        f"client #{client.pk} on {timezone.localtime(change.created_at):%Y-%m-%d %H:%M %Z}:\n"
        f"{change.describe(names)}.\n\n"
        "Whoever is on a client's care team can read the client's clinical record. If you did not expect "
        "this change, tell a practice admin and the other managers now. The change is in the audit log "
        "and on the client's chart. For privacy this email contains no client details."
    )
    return Notice(
        kind="care_team_change",
        recipients=sorted(recipients),
        subject=CARE_TEAM_SUBJECT,
        body=body,
        dedupe_key=f"care_team_change:{change.pk}",
        practice_id=client.practice_id,
    )


def sign_in_reminder_notice(*, user, sign_in_url: str) -> Notice | None:
    """To the login address of a client who already has a portal account. No token and no
    link that sets a password: their password stays theirs. At most one a day per account, so
    repeated invites cannot flood the client's inbox."""
    membership = user.membership_or_none
    if membership is None or not user.is_active:
        return None
    body = (
        "Your practice tried to invite you to the Alliance client portal, but you already have an "
        f"account. Sign in with this email address and your password:\n{sign_in_url}\n\n"
        "Nothing about your account has changed. If you have forgotten your password, ask your "
        "practice for help; nobody at the practice can see or choose your password."
    )
    return Notice(
        kind="sign_in_reminder",
        recipients=[user.email],
        subject=SIGN_IN_REMINDER_SUBJECT,
        body=body,
        dedupe_key=f"sign_in_reminder:{user.pk}:{timezone.localdate():%Y-%m-%d}",
        practice_id=membership.practice_id,
    )


def portal_account_ready_notice(*, user, invite_id: int) -> Notice | None:
    """To the address a new portal login signs in with, once it is set up from an invite.

    Whoever holds an invite link can set the account up; telling the address owner at once
    means a link used by someone else does not go unnoticed."""
    membership = user.membership_or_none
    if membership is None:
        return None
    body = (
        "Your Alliance client portal account was set up with this email address, from an invite "
        f"sent by your practice, on {timezone.localtime():%Y-%m-%d %H:%M %Z}.\n\n"
        "If you did not set it up yourself, contact your practice straight away: someone else may "
        "have used your invite link."
    )
    return Notice(
        kind="portal_account_ready",
        recipients=[user.email],
        subject=PORTAL_ACCOUNT_READY_SUBJECT,
        body=body,
        dedupe_key=f"portal_account_ready:{invite_id}",
        practice_id=membership.practice_id,
    )


PORTAL_INVITE_SUBJECT = "Alliance: your invitation to the client portal"


def portal_invite_notice(*, invite, link: str) -> Notice | None:
    """To the client's own address: the one-time link to set up their portal account.

    Nothing clinical and no name: only the practice's name, the link and when it stops working.
    Each invite is its own notice, so sending again sends a new link (the old one stops working)."""
    if not invite.sent_to:
        return None
    practice = invite.client.practice
    expires = timezone.localtime(invite.expires_at)
    body = (
        f"{practice.name} has invited you to its Alliance client portal, where you can check in, do "
        "homework between sessions and message your therapist.\n\n"
        f"Choose your password here (the link works once, until {expires:%d %B %Y, %H:%M %Z}):\n{link}\n\n"
        "If the link has expired, ask your practice to send a new one. If you were not expecting this "
        "e-mail, you can ignore it."
    )
    return Notice(
        kind="portal_invite",
        recipients=[invite.sent_to],
        subject=PORTAL_INVITE_SUBJECT,
        body=body,
        dedupe_key=f"portal_invite:{invite.pk}",
        practice_id=practice.id,
    )
