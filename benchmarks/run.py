"""`make bench`: the insights recompute benchmark on PostgreSQL, with its pass/fail ratios.

    .venv/bin/python benchmarks/run.py                       # 10,000 clients, 1,000,000 events
    .venv/bin/python benchmarks/run.py --clients 1000 --events 100000   # a quick run

Database: --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/alliance_bench (created when missing, then migrated).
The generator empties the practice tables, so the database name must contain "bench".

Checks, all measured in this run:
1. time: full recompute (recompute_all) <= 3x the raw SQL reference (one GROUP BY over the
   same events + one INSERT ... ON CONFLICT upsert);
2. memory: peak RSS of the recompute process at the full size <= 1.2x its peak at a tenth
   of the size (each in a fresh subprocess);
3. queries: recompute_client uses the same number of queries for the clients with the least
   and the most history, at both sizes;
4. risk screener latency (benchmarks/bench_risk_latency.py, no database): median time per
   typical entry and the time for one very long entry, against the budgets stated there.
5. analytics (benchmarks/bench_analytics.py's measure on the same data): recompute on two
   connections <= 1.5x and on one <= 2.5x the floor at the large size (and 5x it with
   BENCH_ANALYTICS_50K=1), peak RSS flat; the growth from size to size is printed;
6. pages (benchmarks/bench_pages.py, on a second database holding a 600-client demo practice):
   every chart tab <= 15 queries, one commit, no write but the read audit; planner statistics
   present after seeding; the dashboard and the AI refresh times are printed;
7. API overhead (benchmarks/bench_api_overhead.py, same database): list endpoints >= 75% of a
   plain-Django floor view's throughput.
Also printed: benchmarks/bench_risk_screening.py --quick --no-http (load time and RSS, added
p50/p95 per text and the check-in with a note against without, onnxruntime against numpy; run it
alone for the HTTP throughput against the previous detector).
Also printed (informational, no database): benchmarks/bench_not_on_track.py, how much earlier
the expected-recovery curves flag courses that end unchanged or worse, and their false alarms.
Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_risk_latency  # noqa: E402  (its budgets and check lines, not its measurement)

PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alliance_bench"
# The pages and API benchmarks keep their seeded demo practice between runs (a second database:
# the recompute's generator empties the first).
DEFAULT_PAGES_URL = "postgres://postgres@127.0.0.1:5432/alliance_pages_bench"
TIME_RATIO_MAX = 3.0
MEMORY_RATIO_MAX = 1.2


def bench_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    # The benchmark measures the computation, not a broker: tasks stay in-process.
    env.pop("CELERY_BROKER_URL", None)
    env.setdefault("LOG_LEVEL", "WARNING")
    return env


def ensure_database(database_url: str) -> None:
    import psycopg

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    if "bench" not in name or name.startswith("test"):
        raise SystemExit(f"refusing to use database {name!r}: the benchmark empties it; use a *bench* database")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def run(args: list[str], env: dict[str, str]) -> str:
    completed = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return completed.stdout


def measure(mode: str, env: dict[str, str], *extra: str) -> dict:
    output = run(["benchmarks/bench_recompute.py", mode, *extra], env)
    return json.loads(output.strip().splitlines()[-1])


def phase(label: str, clients: int, events: int, env: dict[str, str], *, timing: bool) -> dict:
    print(f"\n== {label}: {clients:,} clients, {events:,} events ==", flush=True)
    print(run(["benchmarks/generate.py", "--clients", str(clients), "--events", str(events)], env).strip(), flush=True)
    result = {
        "memory": measure("memory", env),
        "tracemalloc": measure("memory", env, "--tracemalloc"),
        "queries": measure("queries", env),
        # benchmarks/bench_analytics.py's measurement on the data just generated: the floor and
        # the recompute on one and on two connections.
        "analytics": measure("analytics", env),
    }
    print(f"memory:  {result['memory']}", flush=True)
    print(f"python heap: {result['tracemalloc']}", flush=True)
    print(f"queries: {result['queries']}", flush=True)
    print(f"analytics: {result['analytics']}", flush=True)
    if timing:
        result["timing"] = measure("timing", env)
        print(f"timing: {result['timing']}", flush=True)
    return result


def analytics_rows(phases: list[tuple[int, dict]]) -> list[dict]:
    import bench_analytics

    rows = []
    for clients, result in phases:
        row = {"clients": clients, **{k: v for k, v in result["analytics"].items() if k != "mode"}}
        row["peak_rss_mb"] = result["memory"]["peak_rss_mb"]
        rows.append(bench_analytics.with_ratios(row))
    bench_analytics.print_table(rows)
    return rows


def pages_and_api(env: dict[str, str]) -> list[tuple[str, float, str, bool]]:
    """The chart tabs, the dashboard and the API lists on a seeded 600-client demo practice
    (benchmarks/bench_pages.py seeds it once, about 3 minutes, then reuses it)."""
    import bench_api_overhead
    import bench_pages

    print("\n== pages: chart tabs, caseload dashboard, AI refresh ==", flush=True)
    output = run(["benchmarks/bench_pages.py", "--json"], env)
    print("\n".join(line for line in output.strip().splitlines()[:-1] if not line.startswith(("PASS", "FAIL"))))
    page_checks = bench_pages.checks(json.loads(output.strip().splitlines()[-1]))
    print("\n== API overhead: list endpoints vs a plain-Django floor ==", flush=True)
    output = run(["benchmarks/bench_api_overhead.py", "--json"], env)
    print("\n".join(line for line in output.strip().splitlines()[:-1] if not line.startswith(("PASS", "FAIL"))))
    return page_checks + bench_api_overhead.checks(json.loads(output.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--pages-database-url", default=os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_PAGES_URL))
    parser.add_argument("--skip-pages", action="store_true", help="no page or API benchmark")
    args = parser.parse_args()

    env = bench_env(args.database_url)
    if not args.skip_pages:
        ensure_database(args.pages_database_url)
        run(["manage.py", "migrate", "--noinput"], bench_env(args.pages_database_url))
    # First, and without the database: the in-request risk screener's latency.
    print("\n== risk screener latency ==", flush=True)
    risk_output = run(["benchmarks/bench_risk_latency.py", "--json"], env)
    print("\n".join(risk_output.strip().splitlines()[:-1]), flush=True)
    risk_checks = bench_risk_latency.checks(json.loads(risk_output.strip().splitlines()[-1]))
    # The learned detector on the check-in path (issue 20 goals 1-2): informational figures.
    print("\n== risk screening cost (detector 2.0, onnxruntime and numpy) ==", flush=True)
    screening = subprocess.run(
        [PYTHON, "benchmarks/bench_risk_screening.py", "--quick", "--no-http"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    print((screening.stdout + (screening.stderr[-1500:] if screening.returncode else "")).strip(), flush=True)
    # Not-on-track: expected-recovery curves against the phase-1 rule (no database either).
    print("\n== not on track: curves vs phase 1 ==", flush=True)
    print(run(["benchmarks/bench_not_on_track.py"], env).strip(), flush=True)

    ensure_database(args.database_url)
    run(["manage.py", "migrate", "--noinput"], env)

    page_checks = pages_and_api(bench_env(args.pages_database_url)) if not args.skip_pages else []

    small_clients = max(10, args.clients // 10)
    small = phase("small", small_clients, max(100, args.events // 10), env, timing=False)
    large = phase("large", args.clients, args.events, env, timing=True)
    sized = [(small_clients, small), (args.clients, large)]
    if os.environ.get("BENCH_ANALYTICS_50K", "") not in ("", "0"):
        huge = 5 * args.clients
        sized.append((huge, phase("50k", huge, 5 * args.events, env, timing=False)))
    print("\n== analytics: recompute vs the raw-SQL floor, on two connections and on one ==")
    import bench_analytics

    analytics_checks = bench_analytics.checks(analytics_rows(sized))

    time_ratio = large["timing"]["recompute_seconds"] / large["timing"]["reference_seconds"]
    memory_ratio = large["memory"]["peak_rss_mb"] / small["memory"]["peak_rss_mb"]
    heap_ratio = large["tracemalloc"]["tracemalloc_peak_mb"] / max(small["tracemalloc"]["tracemalloc_peak_mb"], 0.01)
    query_counts = {
        phase_result["queries"][key]["queries"]
        for phase_result in (small, large)
        for key in ("least_history", "most_history")
    }
    checks = [
        ("time: recompute_all / reference SQL", time_ratio, f"<= {TIME_RATIO_MAX}", time_ratio <= TIME_RATIO_MAX),
        ("memory: peak RSS large / small", memory_ratio, f"<= {MEMORY_RATIO_MAX}", memory_ratio <= MEMORY_RATIO_MAX),
        ("python heap peak large / small (info)", heap_ratio, "-", True),
        ("queries per recompute_client", min(query_counts), "same at every size", len(query_counts) == 1),
        *risk_checks,
        *analytics_checks,
        *page_checks,
    ]
    print("\n== results ==")
    for name, value, limit, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.2f} (limit {limit})")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
