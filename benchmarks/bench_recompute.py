"""One measurement of the insights recompute, in its own process (benchmarks/run.py drives it).

Modes (each prints one JSON object on the last line of stdout):
- timing: the raw SQL reference - one GROUP BY over every homework/check-in event plus one
  INSERT ... ON CONFLICT upsert into the snapshot table - and insights.engagement.recompute_all()
  (the nightly task's body), alternately, `--repeat` times each after a warm-up; best of each.
- memory: recompute_all() once; peak RSS of this process (ru_maxrss) and, with
  --tracemalloc, the peak of Python allocations during the run.
- queries: queries used by recompute_client for the clients with the least and the most
  history (must be equal, whatever the practice size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

REFERENCE_SQL = """
INSERT INTO insights_engagementsnapshot
    (client_id, computed_at, watermark, stale, metrics, disengagement_risk, low_engagement)
SELECT e.client_id, now(), MAX(e.ts), false,
       jsonb_build_object('events', COUNT(*), 'checkins', COUNT(e.mood),
                          'mood_average', AVG(e.mood), 'completed', SUM(e.done)),
       NULL, NULL
FROM (
    SELECT c.client_id, c.created_at AS ts, c.mood, 0 AS done
    FROM clinical_sessions_checkin c
    UNION ALL
    SELECT h.client_id, h.created_at, NULL, CASE WHEN h.status = 'completed' THEN 1 ELSE 0 END
    FROM clinical_sessions_homeworkassignment h
    UNION ALL
    SELECT h.client_id, s.created_at, NULL, 0
    FROM clinical_sessions_homeworksubmission s
    JOIN clinical_sessions_homeworkassignment h ON h.id = s.assignment_id
) e
GROUP BY e.client_id
ON CONFLICT (client_id) DO UPDATE SET
    computed_at = EXCLUDED.computed_at, watermark = EXCLUDED.watermark,
    stale = EXCLUDED.stale, metrics = EXCLUDED.metrics
"""


def rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_reference() -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL)
    return time.perf_counter() - started


def run_recompute(workers: int | None = None) -> tuple[float, int]:
    """The nightly recompute; `workers` (PostgreSQL) runs its batches on that many connections
    instead of the default (insights.engagement.sql.WORKERS)."""
    from insights import engagement
    from insights.engagement import sql as engagement_sql

    started = time.perf_counter()
    if workers is None:
        clients = engagement.recompute_all()
    else:
        clients = engagement_sql.recompute_all(engagement_sql.MIN_BATCH_SIZE, workers=workers)
    return time.perf_counter() - started, clients


def run_reference_split(parts: int = 2) -> float:
    """The reference on `parts` connections side by side, each over a disjoint client-id range
    (the floor for a recompute that uses as many connections)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM clients_client")
        low, high = cursor.fetchone()
    step = (high - low) // parts + 1
    ranges = [(low + index * step, low + (index + 1) * step) for index in range(parts)]
    split_sql = REFERENCE_SQL.replace(
        "GROUP BY e.client_id", "WHERE e.client_id >= %s AND e.client_id < %s GROUP BY e.client_id"
    )

    def one(bounds):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(split_sql, list(bounds))
        finally:
            connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parts) as pool:
        list(pool.map(one, ranges))
    return time.perf_counter() - started


def mode_analytics(repeat: int) -> dict:
    """benchmarks/bench_analytics.py: the floor on one and on two connections, the recompute on
    two connections (the nightly default) and on one, alternately after a warm-up; best of each."""
    run_reference()
    run_reference_split()
    run_recompute(2)
    run_recompute(1)
    times: dict[str, list[float]] = {"floor_1": [], "floor_2": [], "recompute_2": [], "recompute_1": []}
    for _ in range(repeat):
        times["floor_1"].append(run_reference())
        times["floor_2"].append(run_reference_split())
        times["recompute_2"].append(run_recompute(2)[0])
        times["recompute_1"].append(run_recompute(1)[0])
    return {"mode": "analytics", **{key: round(min(values), 3) for key, values in times.items()}}


def mode_timing(repeat: int) -> dict:
    """Reference and recompute alternately (so a load change on the machine hits both), after
    one warm-up of each; the best time of each counts."""
    run_reference()
    run_recompute()
    reference, recompute = [], []
    for _ in range(repeat):
        reference.append(run_reference())
        recompute.append(run_recompute()[0])
    return {
        "mode": "timing",
        "reference_seconds": round(min(reference), 3),
        "recompute_seconds": round(min(recompute), 3),
        "reference_all": [round(t, 3) for t in reference],
        "recompute_all": [round(t, 3) for t in recompute],
    }


def mode_memory(use_tracemalloc: bool) -> dict:
    from django.db import connection

    connection.ensure_connection()
    baseline = rss_mb()
    if use_tracemalloc:
        tracemalloc.start()
    seconds, clients = run_recompute()
    result = {
        "mode": "memory",
        "clients": clients,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": rss_mb(),
        "seconds": round(seconds, 3),
    }
    if use_tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        tracemalloc.stop()
    return result


def mode_queries() -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from clients.models import Client
    from insights.tasks import recompute_client

    ranked = Client.objects.annotate(n=Count("checkins")).order_by("n", "pk")
    counts = {}
    for label, client in (("least_history", ranked.first()), ("most_history", ranked.last())):
        with CaptureQueriesContext(connection) as captured:
            recompute_client.run(client.pk)
        counts[label] = {"client_checkins": client.n, "queries": len(captured)}
    return {"mode": "queries", **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["timing", "memory", "queries", "analytics"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark runs against PostgreSQL (set DATABASE_URL).")
    if args.mode == "timing":
        result = mode_timing(args.repeat)
    elif args.mode == "analytics":
        result = mode_analytics(args.repeat)
    elif args.mode == "memory":
        result = mode_memory(args.tracemalloc)
    else:
        result = mode_queries()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
