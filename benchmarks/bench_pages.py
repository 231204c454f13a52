"""Pages: the chart tabs' queries, commits and writes, the AI tab and the caseload dashboard.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_pages_bench \\
        .venv/bin/python benchmarks/bench_pages.py [--views 15] [--json]
    .venv/bin/python benchmarks/bench_pages.py --seed-only     # seed (if needed) and stop

Seeds the demo practice with 600 clients when the database has none (`seed_demo --clients
600`: three therapists of 200 clients, a year of history each), then measures in one process
through Django's test client (whole middleware stack) as the therapist with the most clients:

- planner statistics: the practice tables that have none (PostgreSQL: never analysed;
  SQLite: no sqlite_stat1 row), right after seeding;
- the caseload dashboard (200 clients): median time of `--views` GETs;
- every chart tab of the client with the most check-ins: queries, commits (transactions
  that end in a commit, counting a write outside a transaction as one), writes other than
  read-audit inserts, and the median time of `--views` GETs;
- the AI tab of a client with AI-processing consent and stored suggestions, and the
  "Refresh now" POST that recomputes them (the embedding work).

Goals (issue #20): every tab <= 15 queries and exactly one commit, no write but the read
audit; the AI tab and the dashboard are compared with the figures of the code before the
change by running this file with ALLIANCE_ROOT pointing at the old checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("ALLIANCE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
# Loading the settings puts the working directory first on sys.path: run from ROOT, so an
# ALLIANCE_ROOT run (another checkout's code, for a before/after comparison) imports only it.
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
MAX_QUERIES = 15
SEED_CLIENTS = 600
TABLES = (
    "clients_client",
    "clients_assessment",
    "clinical_sessions_session",
    "clinical_sessions_progressnote",
    "clinical_sessions_checkin",
    "clinical_sessions_homeworkassignment",
    "clinical_sessions_homeworksubmission",
    "insights_alert",
    "insights_engagementsnapshot",
    "clinical_sessions_message",
)
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")


class Counter:
    """Queries, commits and writes of the requests run inside it (on the default connection).

    A commit is an outermost `atomic` ending in COMMIT, or a write outside any transaction
    (autocommit: the write is its own transaction)."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.queries = 0
        self.commits = 0
        self.writes: list[str] = []

    def __enter__(self):
        connection = self.connection
        self.original_commit = connection.commit

        def commit():
            self.commits += 1
            return self.original_commit()

        connection.commit = commit
        self.wrapper = connection.execute_wrapper(self.execute)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)
        del self.connection.commit

    def execute(self, execute, sql, params, many, context):
        self.queries += 1
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in WRITE_VERBS:
            self.writes.append(sql)
            if not self.connection.in_atomic_block:
                self.commits += 1
        return execute(sql, params, many, context)

    def other_writes(self) -> list[str]:
        """Writes other than inserts into the audit log."""
        return [sql for sql in self.writes if not sql.lstrip().upper().startswith('INSERT INTO "PRACTICE_AUDITEVENT"')]


def ensure_seeded() -> float | None:
    from practice.models import Practice

    if Practice.objects.filter(slug="northside").exists():
        return None
    started = time.perf_counter()
    env = {**os.environ, "ALLIANCE_DEMO": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--clients", str(SEED_CLIENTS), "--seed", "7"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def tables_without_statistics() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s)"
                " AND last_analyze IS NULL AND last_autoanalyze IS NULL",
                [list(TABLES)],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return list(TABLES)
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analysed = {row[0] for row in cursor.fetchall()}
        return [table for table in TABLES if table not in analysed]


def median_time(browser, url: str, views: int) -> float:
    times = []
    for _ in range(views):
        started = time.perf_counter()
        response = browser.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return statistics.median(times)


def one_view(browser, url: str) -> dict:
    with Counter() as counter:
        response = browser.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return {"queries": counter.queries, "commits": counter.commits, "other_writes": counter.other_writes()}


def subjects():
    from django.db.models import Count

    from clients.models import Client, Consent
    from insights.models import AiSuggestion
    from practice.models import Membership
    from practice.roles import Role

    therapist = (
        Membership.objects.filter(role=Role.THERAPIST, is_active=True, practice__slug="northside")
        .annotate(n=Count("primary_clients"))
        .order_by("-n", "pk")
        .select_related("user")
        .first()
    )
    mine = Client.objects.filter(primary_therapist=therapist)
    chart = mine.annotate(n=Count("checkins")).order_by("-n", "pk").first()
    consented = mine.filter(consents__kind=Consent.Kind.AI_PROCESSING, consents__revoked_at__isnull=True).annotate(
        n=Count("checkins")
    )
    with_suggestions = consented.filter(pk__in=AiSuggestion.objects.values("client_id")).order_by("-n", "pk").first()
    return therapist, chart, with_suggestions or consented.order_by("-n", "pk").first()


def measure(views: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client as Browser
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seeded = ensure_seeded()
    missing = tables_without_statistics()
    therapist, chart_client, ai_client = subjects()
    browser = Browser()
    browser.force_login(therapist.user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    dashboard = reverse("dashboard")
    browser.get(dashboard)  # warm-up (templates, caches)
    result: dict = {
        "vendor": connection.vendor,
        "seed_seconds": None if seeded is None else round(seeded, 1),
        "tables_without_statistics": missing,
        "caseload": therapist.n,
        "dashboard": {
            **one_view(browser, dashboard),
            "median_ms": round(median_time(browser, dashboard, views) * 1000, 1),
        },
    }
    from clients.web_chart import TABS

    tabs = {}
    base = reverse("client-chart", args=[chart_client.pk])
    for tab, _label in TABS:
        subject = base if tab != "ai" else reverse("client-chart", args=[ai_client.pk])
        url = f"{subject}?tab={tab}"
        browser.get(url)  # warm-up
        row = one_view(browser, url)
        row["median_ms"] = round(median_time(browser, url, views) * 1000, 1)
        row["other_writes"] = [sql[:120] for sql in row["other_writes"]]
        tabs[tab] = row
    result["tabs"] = tabs
    # The AI refresh: what the nightly task and the "Refresh now" button compute.
    # Cold: the cache emptied first, so every template and sentence is embedded (what each
    # refresh cost before the embedding cache); warm: the texts were embedded before. Alternated.
    from django.core.cache import cache

    ai_url = f"{reverse('client-chart', args=[ai_client.pk])}?tab=ai"
    refresh: dict[str, list[float]] = {"cold": [], "warm": []}
    browser.post(ai_url, {"action": "ai_refresh"})  # loads the model (once per process)
    for _ in range(max(3, views // 3)):
        for kind in ("cold", "warm"):
            if kind == "cold":
                cache.clear()
            started = time.perf_counter()
            response = browser.post(ai_url, {"action": "ai_refresh"})
            refresh[kind].append(time.perf_counter() - started)
            if response.status_code != 302:
                raise SystemExit(f"ai_refresh: {response.status_code}")
    result["ai_refresh_median_ms"] = round(statistics.median(refresh["warm"]) * 1000, 1)
    result["ai_refresh_cold_median_ms"] = round(statistics.median(refresh["cold"]) * 1000, 1)
    return result


def checks(result: dict) -> list[tuple[str, float, str, bool]]:
    rows = [
        (
            "pages: practice tables without planner statistics",
            len(result["tables_without_statistics"]),
            "0",
            not result["tables_without_statistics"],
        ),
    ]
    worst = max(result["tabs"].items(), key=lambda item: item[1]["queries"])
    rows.append(
        (
            f"pages: most queries on a chart tab ({worst[0]})",
            worst[1]["queries"],
            f"<= {MAX_QUERIES}",
            worst[1]["queries"] <= MAX_QUERIES,
        )
    )
    commits = {tab: row["commits"] for tab, row in result["tabs"].items()}
    rows.append(
        (
            "pages: chart tabs not committing exactly once",
            sum(1 for n in commits.values() if n != 1),
            "0",
            all(n == 1 for n in commits.values()),
        )
    )
    writers = [tab for tab, row in result["tabs"].items() if row["other_writes"]]
    rows.append(("pages: chart tabs writing more than the read audit", len(writers), "0", not writers))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--views", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    if args.seed_only:
        import django

        django.setup()
        seconds = ensure_seeded()
        print("already seeded" if seconds is None else f"seeded in {seconds:.0f} s")
        return 0
    result = measure(args.views)
    print(
        f"{result['vendor']}; caseload {result['caseload']} clients"
        + (f"; seeded in {result['seed_seconds']} s" if result["seed_seconds"] else "")
    )
    print(f"tables without planner statistics: {', '.join(result['tables_without_statistics']) or 'none'}")
    dash = result["dashboard"]
    print(f"dashboard: {dash['median_ms']} ms median, {dash['queries']} queries, {dash['commits']} commits")
    print(f"{'tab':12s} {'queries':>7s} {'commits':>7s} {'writes':>6s} {'median ms':>9s}")
    for tab, row in result["tabs"].items():
        print(
            f"{tab:12s} {row['queries']:7d} {row['commits']:7d} {len(row['other_writes']):6d} {row['median_ms']:9.1f}"
        )
        for sql in row["other_writes"]:
            print(f"{'':14s}write: {sql}")
    cold = result.get("ai_refresh_cold_median_ms")
    print(
        f"AI refresh (POST ai_refresh): {result['ai_refresh_median_ms']} ms median"
        + (
            f"; with the embedding cache emptied first {cold} ms ({cold / result['ai_refresh_median_ms']:.1f}x)"
            if cold
            else ""
        )
    )
    for name, value, limit, ok in checks(result):
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value} (limit {limit})")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
