"""Care-team changes made from outside the care team (a manager or an admin).

Putting someone on a client's care team opens the client's clinical record to them, so such a
change is never silent: it is audited as its own action, announced at once (staff names only)
to the client's therapists before and after and to the practice's managers, and shown on the
client's chart (`recent_care_team_changes`). A therapist arranging their own client's team
stays an ordinary `reassign` audit event.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clients.models import CareTeamChange, Client
from clients.notifications import care_team_change_notice, notice_queue
from practice.audit import AuditAction, audit_record
from practice.roles import Capability, has_capability

SHOWN_ON_CHART_FOR = dt.timedelta(days=30)


def is_sensitive_care_team_change(actor) -> bool:
    """A change by someone who does not treat clients (managers and admins)."""
    return not has_capability(actor.role, Capability.EDIT_CLINICAL)


def care_team_change_record(*, client: Client, actor, before: dict, after: dict) -> CareTeamChange:
    """Record, audit and announce a care-team change. Call inside the transaction that saves it.

    `before` and `after` map each changed field (primary_therapist, co_therapist, supervisor)
    to a member id or None.
    """
    change = CareTeamChange.objects.create(
        client=client, changed_by=actor.membership, before=before, after=after, created_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action=AuditAction.CARE_TEAM_CHANGE,
        target=client,
        client_id=client.pk,
        fields=list(after),
    )
    notice_queue(care_team_change_notice(change), target=change)
    return change


def recent_care_team_changes(client: Client, *, now: dt.datetime | None = None) -> list[tuple[CareTeamChange, str]]:
    """The changes of the last 30 days, newest first, each with a one-line description."""
    since = (now or timezone.now()) - SHOWN_ON_CHART_FOR
    changes = list(
        CareTeamChange.objects.filter(client=client, created_at__gte=since).select_related("changed_by__user")[:5]
    )
    if not changes:
        return []
    from practice.models import Membership

    wanted = set().union(*(change.member_ids() for change in changes))
    names = {
        member.pk: member.display_name for member in Membership.objects.filter(pk__in=wanted).select_related("user")
    }
    return [(change, change.describe(names)) for change in changes]
