from __future__ import annotations

from practice.roles import Capability, Role, has_capability


def alliance(request) -> dict:
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    practice = None
    if user is not None and role is not None:
        practice = user.membership.practice
    return {
        "alliance_role": role,
        "alliance_practice": practice,
        "is_client_user": role == Role.CLIENT,
        "crisis_resources": practice.crisis_resources if practice is not None else [],
        "can_configure_practice": has_capability(role, Capability.CONFIGURE_PRACTICE),
        "can_view_audit": has_capability(role, Capability.VIEW_AUDIT),
        "can_configure_ai_policy": has_capability(role, Capability.CONFIGURE_AI_POLICY),
    }
