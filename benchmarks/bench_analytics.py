"""Analytics: the nightly recompute against the raw-SQL floor, on two connections and on one,
at growing practice sizes, with the recompute process's peak memory.

    .venv/bin/python benchmarks/bench_analytics.py                 # 1,000 and 10,000 clients
    BENCH_ANALYTICS_50K=1 .venv/bin/python benchmarks/bench_analytics.py   # + 50,000 clients
    .venv/bin/python benchmarks/bench_analytics.py --sizes 1000,10000,50000 [--json]

Database: --database-url, else BENCH_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/alliance_bench (benchmarks/run.py creates and migrates it;
the generator empties it, so the name must contain "bench"). Each size is generated with the
bulk loader (benchmarks/generate.py: COPY in time order, then VACUUM ANALYZE), 100 events a
client (10,000 clients = 1,000,000 events).

Per size, in fresh processes (benchmarks/bench_recompute.py):
- `analytics`: after a warm-up of each, alternately 3 times, best of each:
  floor_1 = the raw-SQL reference (one GROUP BY over every event + one upsert) on one
  connection; floor_2 = the same split over two client ranges on two connections;
  recompute_2 = insights.engagement.recompute_all() as the nightly task runs it (batches on two
  connections); recompute_1 = the same statements on one connection.
- `memory`: peak RSS (ru_maxrss) of a process that runs recompute_all() once.

Printed ratios (goals, issue #20): recompute_2 / floor_1 <= 1.5 ("two connections"),
recompute_1 / floor_1 <= 2.5 ("one connection"); recompute_2 / floor_2 for information (both
sides on two connections); peak RSS flat across sizes; growth of each time from size to size.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench_run  # the database helpers and subprocess runner

EVENTS_PER_CLIENT = 100
TWO_CONNECTIONS_MAX = 1.5
ONE_CONNECTION_MAX = 2.5
MEMORY_GROWTH_MAX = 1.2


def default_sizes() -> list[int]:
    sizes = [1_000, 10_000]
    if os.environ.get("BENCH_ANALYTICS_50K", "") not in ("", "0"):
        sizes.append(50_000)
    return sizes


def measure_size(clients: int, env: dict[str, str]) -> dict:
    print(f"\n-- {clients:,} clients, {clients * EVENTS_PER_CLIENT:,} events --", flush=True)
    generated = bench_run.run(
        ["benchmarks/generate.py", "--clients", str(clients), "--events", str(clients * EVENTS_PER_CLIENT)], env
    )
    print(generated.strip(), flush=True)
    timing = bench_run.measure("analytics", env)
    memory = bench_run.measure("memory", env)
    row = with_ratios(
        {"clients": clients, **{k: v for k, v in timing.items() if k != "mode"}, "peak_rss_mb": memory["peak_rss_mb"]}
    )
    print(
        f"floor: {row['floor_1']:.3f} s on one connection, {row['floor_2']:.3f} s on two | "
        f"recompute: {row['recompute_2']:.3f} s on two, {row['recompute_1']:.3f} s on one | "
        f"peak RSS {row['peak_rss_mb']} MB",
        flush=True,
    )
    return row


def with_ratios(row: dict) -> dict:
    row["ratio_two"] = round(row["recompute_2"] / row["floor_1"], 2)
    row["ratio_one"] = round(row["recompute_1"] / row["floor_1"], 2)
    row["ratio_two_vs_two"] = round(row["recompute_2"] / row["floor_2"], 2)
    return row


def print_table(rows: list[dict]) -> None:
    print("\n   clients  floor 1c  floor 2c  recomp 2c  recomp 1c  2c/floor  1c/floor  2c/floor2c  peak RSS")
    for row in rows:
        print(
            f"{row['clients']:>10,}  {row['floor_1']:8.3f}  {row['floor_2']:8.3f}  {row['recompute_2']:9.3f}"
            f"  {row['recompute_1']:9.3f}  {row['ratio_two']:7.2f}x  {row['ratio_one']:7.2f}x  {row['ratio_two_vs_two']:9.2f}x"
            f"  {row['peak_rss_mb']:6.1f} MB"
        )
    for before, after in itertools.pairwise(rows):
        factor = after["clients"] / before["clients"]
        print(
            f"growth {before['clients']:,} -> {after['clients']:,} clients (x{factor:g}): "
            f"floor x{after['floor_1'] / before['floor_1']:.1f}, recompute (2c) x{after['recompute_2'] / before['recompute_2']:.1f}, "
            f"recompute (1c) x{after['recompute_1'] / before['recompute_1']:.1f}, peak RSS x{after['peak_rss_mb'] / before['peak_rss_mb']:.2f}"
        )


def checks(rows: list[dict]) -> list[tuple[str, float, str, bool]]:
    result = []
    for row in rows:
        if row["clients"] < 10_000:
            continue  # the goals are stated at 10k and 50k clients
        size = f"{row['clients'] // 1000}k"
        result.append(
            (
                f"analytics {size}: recompute (2 connections) / floor",
                row["ratio_two"],
                f"<= {TWO_CONNECTIONS_MAX}",
                row["ratio_two"] <= TWO_CONNECTIONS_MAX,
            )
        )
        result.append(
            (
                f"analytics {size}: recompute (1 connection) / floor",
                row["ratio_one"],
                f"<= {ONE_CONNECTION_MAX}",
                row["ratio_one"] <= ONE_CONNECTION_MAX,
            )
        )
    memory = rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    result.append(
        (
            f"analytics: peak RSS {rows[-1]['clients'] // 1000}k / {rows[0]['clients'] // 1000}k",
            round(memory, 2),
            f"<= {MEMORY_GROWTH_MAX}",
            memory <= MEMORY_GROWTH_MAX,
        )
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="", help="comma-separated client counts (default 1000,10000[,50000])")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench_run.DEFAULT_URL))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-migrate", action="store_true", help="the database is already migrated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size] or default_sizes()
    env = bench_run.bench_env(args.database_url)
    if not args.no_migrate:
        bench_run.ensure_database(args.database_url)
        bench_run.run(["manage.py", "migrate", "--noinput"], env)
    rows = [measure_size(clients, env) for clients in sizes]
    print_table(rows)
    for name, value, limit, ok in checks(rows):
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.2f} (limit {limit})")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
