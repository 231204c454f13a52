"""How clinical writes tell the insights engine that a client's metrics changed."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from insights.models import EngagementSnapshot
from practice.tasks_support import enqueue_on_commit

# A burst of writes for one client (a client filling three worksheets in a minute) runs one
# recompute: the first write in the window enqueues it with a short delay.
COALESCE_SECONDS = 10


def client_activity_changed(client_id: int) -> None:
    """Call inside the write's transaction: mark the snapshot stale, recompute after commit."""
    EngagementSnapshot.objects.filter(client_id=client_id).update(stale=True, source_changed_at=timezone.now())
    try:
        first_in_window = cache.add(f"insights:recompute-pending:{client_id}", 1, COALESCE_SECONDS)
    except Exception:  # noqa: BLE001 - a cache outage must not fail a clinical write
        first_in_window = True
    if first_in_window:
        from insights.tasks.engagement import recompute_client

        enqueue_on_commit(recompute_client, client_id)
