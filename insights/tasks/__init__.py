"""Every Celery task of the insights app, one submodule per sub-domain.

Celery's autodiscovery (``app.autodiscover_tasks()`` in practice/celery.py) imports
``insights.tasks``; importing this package imports, and so registers, every submodule, so there
is no hand-kept list of task modules in settings. Task names are explicit (``name=``) and stay
the same whatever module a task lives in: the beat schedule and queued messages use them.

Tasks take ids, fetch, and call one domain function; they never import a service
(tests/test_layering.py checks it).
"""

from __future__ import annotations

from insights.tasks import ai, engagement, reports, safety
from insights.tasks.engagement import recompute_all, recompute_client, sweep_stale

__all__ = ["ai", "engagement", "recompute_all", "recompute_client", "reports", "safety", "sweep_stale"]
