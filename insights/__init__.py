"""Insights: what Alliance computes from the clinical record, by sub-domain.

- ``insights.risk``: the client-text risk detector and its data. Pure Python, no Django
  (tests/insights/test_insights_layout.py); ``insights.safety`` is its Django-facing adapter.
- ``insights.safety``: alerts raised in the request (screening, acknowledge, resolve);
  ``insights.notifications``: who is told about an alert, and escalation.
- ``insights.engagement``: engagement metrics and snapshots; ``insights.freshness`` marks a
  client's snapshot stale after a write and enqueues its recompute.
- ``insights.reports``: the practice report and its stored monthly aggregates.
- ``insights.ai``: the AI adjuncts (brief, affect, recommendations, reminder timing);
  ``insights.ai.refresh`` computes and stores, ``insights.ai.services`` holds the writes a
  clinician makes.
- ``insights.tasks``: every Celery task of the app (found by autodiscovery); tasks call the
  domain functions above, never a service.
- ``insights.models``; the HTTP layer is ``api_*`` / ``web_*``.

No import cycles at import time (the same test checks it).
"""
