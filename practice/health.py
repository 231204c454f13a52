"""Liveness and readiness probes."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return type(error).__name__
    return None


def _check_cache() -> str | None:
    try:
        cache.set("alliance:health", "1", 5)
        if cache.get("alliance:health") != "1":
            return "cache did not return the value written"
    except Exception as error:  # noqa: BLE001
        return type(error).__name__
    return None


def _check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return None
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as error:  # noqa: BLE001
        return type(error).__name__
    return None


def _check_risk_model() -> tuple[str | None, dict]:
    """The risk detector must be loaded: without it every client text goes to a person for
    review, which is safe but not a working service. Turned off by the operator
    (ALLIANCE_RISK_EMBEDDINGS=0, rules only) it is reported, not failed."""
    try:
        from insights.risk import embedding_status

        status = embedding_status()
    except Exception as error:  # noqa: BLE001
        return f"risk module unavailable ({type(error).__name__})", {"loaded": False}
    if not status["enabled"] or status["loaded"]:
        return None, status
    if status["error"]:
        return f"risk model failed to load: {status['error']}", status
    return "risk model still loading", status


@require_GET
@never_cache
def ready(request):
    risk_problem, risk_status = _check_risk_model()
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "broker": _check_broker(),
        "risk_model": risk_problem,
    }
    down = [name for name, problem in checks.items() if problem]
    body = {
        "status": "ok" if not down else "unavailable",
        "checks": {name: ("ok" if problem is None else f"down: {problem}") for name, problem in checks.items()},
        "down": down,
        "risk_model": risk_status,
    }
    return JsonResponse(body, status=503 if down else 200)
