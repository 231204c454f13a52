"""Planner statistics after a bulk load.

A freshly seeded or bulk-loaded database has no planner statistics until (auto)ANALYZE runs:
PostgreSQL then guesses row counts, and the caseload dashboard's overdue-notes NOT EXISTS took
550-650 ms at 200 clients until ANALYZE ran (#20). Every loader (seed_demo, the benchmark's
generator) ends with `refresh_planner_statistics()`.
"""

from __future__ import annotations

from django.db import connections


def refresh_planner_statistics(using: str = "default") -> None:
    """ANALYZE on PostgreSQL; ANALYZE then `PRAGMA optimize` on SQLite. Call outside a
    transaction (after the load has committed)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
