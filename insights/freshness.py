"""How fresh an engagement snapshot is: how writes mark it stale, and how readers judge it.

Writes: `client_activity_changed` (inside the write's transaction) marks the client's snapshot
stale and enqueues a recompute after commit.

Reads: `snapshot_freshness` is the ONE rule every reader applies, through
`insights.selectors.engagement_view` (the API `/clients/{id}/insights/`, the chart's
Engagement tab, the note editor's "since last session" panel and the dashboard badge):
- MISSING: no snapshot. Pages say "No data yet"; the API computes one in the request.
- OUTDATED: computed by an older engine (`metrics["version"]` is not `engagement.VERSION`).
  Its metrics document is not read (its keys may mean something else); the stored score and
  low-engagement columns are, marked stale. The API computes a fresh one in the request,
  as for a missing one (cheap for one client); pages never compute on GET.
- STALE: a source changed after it was computed (`stale`): shown as stored, marked stale
  (the recompute is queued).
- CURRENT: shown as stored.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.cache import cache
from django.utils import timezone

from insights.engagement import VERSION
from insights.models import EngagementSnapshot
from practice.tasks_support import enqueue_on_commit

# A burst of writes for one client (a client filling three worksheets in a minute) runs one
# recompute: the first write in the window enqueues it with a short delay.
COALESCE_SECONDS = 10


class Freshness(StrEnum):
    MISSING = "missing"
    OUTDATED = "outdated"
    STALE = "stale"
    CURRENT = "current"


def snapshot_freshness(snapshot: EngagementSnapshot | None) -> Freshness:
    """The one rule for judging a stored snapshot (see the module docstring)."""
    if snapshot is None:
        return Freshness.MISSING
    if (snapshot.metrics or {}).get("version") != VERSION:
        return Freshness.OUTDATED
    return Freshness.STALE if snapshot.stale else Freshness.CURRENT


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
