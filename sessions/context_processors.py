"""Counts in the therapist's navigation (unread messages, notes to review, unresolved alerts), computed only
when a template shows them (lazily), so other pages pay nothing."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from practice.roles import Capability
from practice.web_guards import user_can


def workspace_counts(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_can(user, Capability.EDIT_CLINICAL):
        return {}
    from sessions import selectors

    # One query, and only if the template shows the counts.
    return {"nav_counts": SimpleLazyObject(lambda: selectors.navigation_counts(user=user))}
