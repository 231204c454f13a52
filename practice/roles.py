"""Role -> capability table. Pure Python: the one place that says who may do what.

Permission classes only consult this table; querysets decide *which* records a role sees.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    THERAPIST = "therapist"
    MANAGER = "manager"
    ADMIN = "admin"
    CLIENT = "client"


class Capability(StrEnum):
    VIEW_CLINICAL = "view_clinical"  # read notes, measures, homework, insights of own clients
    EDIT_CLINICAL = "edit_clinical"  # write notes, sessions, homework, measures
    VIEW_ROSTER = "view_roster"  # client list without clinical fields
    CREATE_CLIENT = "create_client"
    EDIT_CLIENT_ADMIN = "edit_client_admin"  # demographics/status/reassignment, no clinical
    MANAGE_MEMBERS = "manage_members"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    CONFIGURE_PRACTICE = "configure_practice"
    MANAGE_LIBRARY = "manage_library"  # homework templates, instrument definitions
    ACKNOWLEDGE_ALERTS = "acknowledge_alerts"
    USE_PORTAL = "use_portal"
    VIEW_API_DOCS = "view_api_docs"
    BREAK_GLASS = "break_glass"  # open emergency read-only access to one client's clinical record
    REVIEW_BREAK_GLASS = "review_break_glass"  # list and revoke the practice's emergency grants
    CONFIGURE_SCHEDULING = "configure_scheduling"  # reminder times, late-cancel window, video service
    CONFIGURE_AI_POLICY = "configure_ai_policy"  # the practice's AI rules (profile, features) and their run log


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.THERAPIST: frozenset(
        {
            Capability.VIEW_CLINICAL,
            Capability.EDIT_CLINICAL,
            Capability.CREATE_CLIENT,
            Capability.MANAGE_LIBRARY,
            Capability.ACKNOWLEDGE_ALERTS,
            Capability.VIEW_API_DOCS,
        }
    ),
    Role.MANAGER: frozenset(
        {
            Capability.VIEW_ROSTER,
            Capability.CREATE_CLIENT,
            Capability.EDIT_CLIENT_ADMIN,
            Capability.MANAGE_MEMBERS,
            Capability.VIEW_REPORTS,
            Capability.VIEW_API_DOCS,
            Capability.REVIEW_BREAK_GLASS,
            Capability.CONFIGURE_SCHEDULING,
            Capability.CONFIGURE_AI_POLICY,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Capability.VIEW_ROSTER,
            Capability.CREATE_CLIENT,
            Capability.EDIT_CLIENT_ADMIN,
            Capability.MANAGE_MEMBERS,
            Capability.VIEW_REPORTS,
            Capability.VIEW_AUDIT,
            Capability.CONFIGURE_PRACTICE,
            Capability.MANAGE_LIBRARY,
            Capability.VIEW_API_DOCS,
            Capability.BREAK_GLASS,
            Capability.REVIEW_BREAK_GLASS,
            Capability.CONFIGURE_SCHEDULING,
            Capability.CONFIGURE_AI_POLICY,
        }
    ),
    Role.CLIENT: frozenset({Capability.USE_PORTAL}),
}

STAFF_ROLES = frozenset({Role.THERAPIST, Role.MANAGER, Role.ADMIN})

# Which roles a member may give to (or manage in) someone else: never one above their own. A
# manager who could make an admin could then open break-glass through that account; nobody but
# the operator's shell (`manage.py add_member`) grants past this table. Clients join through
# portal invites, never by grant.
GRANTABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.THERAPIST, Role.MANAGER, Role.ADMIN}),
    Role.MANAGER: frozenset({Role.THERAPIST, Role.MANAGER}),
}


def has_capability(role: str | None, capability: Capability) -> bool:
    if role is None:
        return False
    try:
        return capability in ROLE_CAPABILITIES[Role(role)]
    except ValueError:
        return False


def is_staff_role(role: str | None) -> bool:
    return role in STAFF_ROLES


def grantable_roles(role: str | None) -> frozenset[Role]:
    """The roles a member with `role` may grant, or manage in another member."""
    try:
        return GRANTABLE_ROLES.get(Role(role), frozenset()) if role is not None else frozenset()
    except ValueError:
        return frozenset()


def can_grant(role: str | None, granted: str) -> bool:
    return granted in grantable_roles(role)
