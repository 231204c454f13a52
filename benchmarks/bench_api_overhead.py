"""API overhead: list endpoints against a plain-Django floor view for the same rows and fields.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_pages_bench \\
        .venv/bin/python benchmarks/bench_api_overhead.py [--rounds 7] [--requests 40] [--json]

Needs a seeded practice (benchmarks/bench_pages.py --seed-only, or `manage.py seed_demo
--clients 600`: three therapists of 200 clients each). Runs in one process through Django's
test client, so every request goes through the whole middleware stack and the request
signals (the connection is closed after each request when DB_CONN_MAX_AGE is 0, as under
gunicorn). The floor views live in this file only: a URLconf built here includes the
product's URLs and adds them under /api/bench-floor/ (never in practice/urls.py).

For each endpoint: `--rounds` rounds, each `--requests` API requests then the same number
of floor requests (interleaved, so a change of load hits both); the median round of each.
Printed ratio = floor time / API time, i.e. the API's throughput as a share of the floor's
(goal: >= 0.75).

Endpoints (the therapist with the most clients; 50 rows a page, as the API pages them):
- GET /api/v1/clients/ (the caseload): the floor reads the same 50 rows and fields with
  `values()` (the primary therapist's name through a join) plus the count the page carries;
- GET /api/v1/alerts/: the first 50 of the alerts visible to the therapist, with each
  client's name;
- GET /api/v1/clients/<id>/checkins/: the first 50 check-ins of the client with the most.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(os.environ.get("ALLIANCE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
# Loading the settings puts the working directory first on sys.path: run from ROOT, so an
# ALLIANCE_ROOT run (another checkout's code, for a before/after comparison) imports only it.
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
TARGET_RATIO = 0.75
PAGE = 50


def floor_urlconf():
    """practice.urls plus the floor views, as a module built here (never in the product)."""
    from django.db.models import Count, F
    from django.http import JsonResponse
    from django.urls import include, path

    from clients.models import Client
    from insights.models import Alert
    from sessions.models import CheckIn

    def floor_clients(request, therapist_id: int):
        rows = Client.objects.filter(primary_therapist_id=therapist_id).order_by("last_name", "first_name", "id")
        page = rows.values(
            "id",
            "first_name",
            "last_name",
            "status",
            "primary_therapist_id",
            "referred_at",
            "intake_date",
            "discharged_at",
            "created_at",
            "version",
            "preferred_name",
            "date_of_birth",
            "email",
            "phone",
            "co_therapist_id",
            "supervisor_id",
            "discharge_reason",
            "user_id",
            therapist_first=F("primary_therapist__user__first_name"),
            therapist_last=F("primary_therapist__user__last_name"),
        )[:PAGE]
        return JsonResponse({"count": rows.count(), "results": list(page)})

    def floor_alerts(request, therapist_id: int):
        rows = Alert.objects.filter(client__primary_therapist_id=therapist_id).order_by("-created_at", "-id")
        page = rows.values(
            "id",
            "client_id",
            "kind",
            "severity",
            "reason",
            "status",
            "source_type",
            "source_id",
            "created_at",
            "acknowledge_by",
            "acknowledged_at",
            "resolved_at",
            "outcome",
            "escalation_level",
            client_first=F("client__first_name"),
            client_last=F("client__last_name"),
        )[:PAGE]
        return JsonResponse({"count": rows.count(), "results": list(page)})

    def floor_checkins(request, client_id: int):
        rows = CheckIn.objects.filter(client_id=client_id).order_by("-created_at", "-id")
        page = rows.values("id", "mood", "emotions", "note", "created_at")[:PAGE]
        return JsonResponse({"count": rows.count(), "results": list(page)})

    del Count
    module = types.ModuleType("bench_api_floor_urls")
    module.urlpatterns = [
        path("api/bench-floor/clients/<int:therapist_id>/", floor_clients),
        path("api/bench-floor/alerts/<int:therapist_id>/", floor_alerts),
        path("api/bench-floor/checkins/<int:client_id>/", floor_checkins),
        path("", include("practice.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def pick_subjects():
    from django.db.models import Count

    from clients.models import Client
    from practice.models import Membership
    from practice.roles import Role

    therapist = (
        Membership.objects.filter(role=Role.THERAPIST, is_active=True)
        .annotate(n=Count("primary_clients"))
        .order_by("-n", "pk")
        .select_related("user")
        .first()
    )
    if therapist is None or therapist.n == 0:
        raise SystemExit("No seeded practice: run benchmarks/bench_pages.py --seed-only first.")
    client = (
        Client.objects.filter(primary_therapist=therapist).annotate(n=Count("checkins")).order_by("-n", "pk").first()
    )
    return therapist, client


def api_headers(user) -> dict:
    from practice.services import token_issue

    _, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {raw}"}


def timed(browser, url: str, count: int, headers: dict) -> float:
    started = time.perf_counter()
    for _ in range(count):
        response = browser.get(url, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    return time.perf_counter() - started


def measure(rounds: int, requests: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client as Browser
    from django.test.utils import override_settings
    from django.urls import clear_url_caches

    # Test-client requests skip host checks only with testserver allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    therapist, client = pick_subjects()
    headers = api_headers(therapist.user)
    browser = Browser()
    endpoints = {
        "clients": ("/api/v1/clients/", f"/api/bench-floor/clients/{therapist.pk}/"),
        "alerts": ("/api/v1/alerts/", f"/api/bench-floor/alerts/{therapist.pk}/"),
        "checkins": (f"/api/v1/clients/{client.pk}/checkins/", f"/api/bench-floor/checkins/{client.pk}/"),
    }
    results = {}
    with override_settings(ROOT_URLCONF=floor_urlconf()):
        clear_url_caches()
        for name, (api_url, floor_url) in endpoints.items():
            # Same rows: the API page and the floor page name the same ids.
            api_ids = [row["id"] for row in browser.get(api_url, **headers).json()["results"]]
            floor_ids = [row["id"] for row in browser.get(floor_url).json()["results"]]
            if name != "alerts" and api_ids != floor_ids:
                raise SystemExit(f"{name}: the floor returns other rows than the API")
            timed(browser, api_url, 3, headers)  # warm-up
            timed(browser, floor_url, 3, {})
            api_times, floor_times = [], []
            for _ in range(rounds):
                api_times.append(timed(browser, api_url, requests, headers))
                floor_times.append(timed(browser, floor_url, requests, {}))
            api, floor = statistics.median(api_times), statistics.median(floor_times)
            results[name] = {
                "rows": len(api_ids),
                "api_rps": round(requests / api, 1),
                "floor_rps": round(requests / floor, 1),
                "ratio": round(floor / api, 3),
            }
    clear_url_caches()
    return {
        "vendor": connection.vendor,
        "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
        "caseload": therapist.n,
        "endpoints": results,
    }


def checks(result: dict) -> list[tuple[str, float, str, bool]]:
    return [
        (f"api overhead: {name} throughput / floor", row["ratio"], f">= {TARGET_RATIO}", row["ratio"] >= TARGET_RATIO)
        for name, row in result["endpoints"].items()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--json", action="store_true", help="also print the result as JSON (last line)")
    args = parser.parse_args()
    result = measure(args.rounds, args.requests)
    print(
        f"{result['vendor']}, CONN_MAX_AGE={result['conn_max_age']}, caseload {result['caseload']} clients, "
        f"median of {args.rounds} rounds of {args.requests} requests"
    )
    for name, row in result["endpoints"].items():
        print(
            f"  {name:9s} {row['rows']:3d} rows: API {row['api_rps']:7.1f} req/s, floor {row['floor_rps']:7.1f} req/s,"
            f" API/floor {row['ratio']:.0%}"
        )
    for name, value, limit, ok in checks(result):
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.2f} (limit {limit})")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
