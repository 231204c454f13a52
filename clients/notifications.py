"""Notices about a client record that go to staff by email. They carry no client details."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from clients.models import BreakGlassGrant, CareTeamChange
from practice.models import Membership
from practice.roles import Role
from practice.tasks_support import enqueue_on_commit

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


# ---------------------------------------------------------------------------
# Care-team changes and sign-in reminders. Each notice is composed by a function below and
# goes out through `notice_queue`, the one door (switch its body to the outbox).

CARE_TEAM_SUBJECT = "Alliance: a client's care team was changed"
SIGN_IN_REMINDER_SUBJECT = "Alliance: you already have a portal account"
CARE_TEAM_CHANGE = "care_team_change"
SIGN_IN_REMINDER = "sign_in_reminder"


@dataclass(frozen=True)
class Notice:
    kind: str
    recipients: list[str]
    subject: str
    body: str
    dedupe_key: str
    practice_id: int | None


def notice_queue(kind: str, object_id: int, *extra: str) -> None:
    """Send a notice about `object_id` once the caller's transaction commits.

    Call inside the transaction of the event announced; arguments are ids (and plain strings
    without personal data). A broker outage never fails the caller's write.
    """
    from clients.tasks import send_client_notice

    enqueue_on_commit(send_client_notice, kind, object_id, *extra)


def care_team_change_notice(change: CareTeamChange) -> Notice | None:
    """To the client's current primary therapist, everyone who left or joined the team and the
    practice's managers, except whoever made the change. Staff names and the client's number
    only: nothing about the client."""
    client = change.client
    wanted = change.member_ids() | ({client.primary_therapist_id} if client.primary_therapist_id else set())
    members = {
        member.pk: member
        for member in Membership.objects.filter(practice_id=client.practice_id)
        .filter(Q(pk__in=wanted | {change.changed_by_id}) | Q(role=Role.MANAGER))
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
        kind=CARE_TEAM_CHANGE,
        recipients=sorted(recipients),
        subject=CARE_TEAM_SUBJECT,
        body=body,
        dedupe_key=f"{CARE_TEAM_CHANGE}:{change.pk}",
        practice_id=client.practice_id,
    )


def sign_in_reminder_notice(user, sign_in_url: str, reminder_id: str) -> Notice | None:
    """To the login address of a client who already has a portal account. No token, no link
    that sets a password: their password stays theirs."""
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
        kind=SIGN_IN_REMINDER,
        recipients=[user.email],
        subject=SIGN_IN_REMINDER_SUBJECT,
        body=body,
        dedupe_key=f"{SIGN_IN_REMINDER}:{reminder_id}",
        practice_id=membership.practice_id,
    )


def notice_deliver(kind: str, object_id: int, *extra: str) -> int:
    """Compose and send one queued notice (the task's body). Returns how many were mailed.

    A care-team notice is sent, then marked: a crash between the two sends it twice, never none.
    """
    if kind == CARE_TEAM_CHANGE:
        change = (
            CareTeamChange.objects.filter(pk=object_id, notified_at__isnull=True)
            .select_related("client", "changed_by__user")
            .first()
        )
        if change is None:
            return 0
        notice = care_team_change_notice(change)
        if notice is not None:
            send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, notice.recipients)
        CareTeamChange.objects.filter(pk=change.pk, notified_at__isnull=True).update(notified_at=timezone.now())
        return len(notice.recipients) if notice else 0
    if kind == SIGN_IN_REMINDER:
        user = get_user_model().objects.filter(pk=object_id).first()
        notice = sign_in_reminder_notice(user, *extra) if user is not None else None
        if notice is None:
            return 0
        send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, notice.recipients)
        return 1
    raise ValueError(f"unknown notice kind {kind!r}")
