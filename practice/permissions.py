"""DRF permission classes. They only consult practice.roles; querysets do the scoping.

Their HTML twins are in `practice.web_guards`; the record itself comes from the app's
selectors (`clients.selectors.client_for_read` and friends), never from a view's queryset.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions

from practice.roles import Capability, has_capability


def user_role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def holds_break_glass_grant(user) -> bool:
    """An active break-glass grant for any client (the client queryset then narrows it)."""
    membership = user.membership_or_none
    if membership is None or not has_capability(user_role(user), Capability.BREAK_GLASS):
        return False
    # The reverse relation of clients.BreakGlassGrant: no import of an app above this one.
    return membership.break_glass_grants.active().exists()


def capability_required(
    *capabilities: Capability, write: tuple[Capability, ...] | None = None, break_glass_read: bool = False
):
    """A permission class: the role needs one of `capabilities` (and one of `write` to write).

    A role that cannot see the resource at all gets 404, never 403: a 403 would confirm
    that the thing exists. With `break_glass_read`, an admin holding an active break-glass
    grant may also read (safe methods only); `Client.objects.clinical_scope` limits what.
    """

    class HasCapability(permissions.BasePermission):
        def has_permission(self, request, view) -> bool:
            role = user_role(request.user)
            if role is None:
                return False  # DRF turns this into 401 for anonymous users
            if not any(has_capability(role, capability) for capability in capabilities):
                emergency = (
                    break_glass_read
                    and request.method in permissions.SAFE_METHODS
                    and holds_break_glass_grant(request.user)
                )
                if not emergency:
                    raise exceptions.NotFound()
            writing = request.method not in permissions.SAFE_METHODS
            if write and writing and not any(has_capability(role, capability) for capability in write):
                raise exceptions.PermissionDenied()
            return True

    HasCapability.__name__ = "Has" + "Or".join(c.value.title().replace("_", "") for c in capabilities)
    return HasCapability


class CanViewApiDocs(permissions.BasePermission):
    """The OpenAPI schema and its docs page (`/api/schema/`, `/api/docs/`): VIEW_API_DOCS."""

    def has_permission(self, request, view) -> bool:
        return has_capability(user_role(request.user), Capability.VIEW_API_DOCS)


class IsClientUser(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        role = user_role(request.user)
        if role is None:
            return False
        if not has_capability(role, Capability.USE_PORTAL):
            raise exceptions.NotFound()
        return True
