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


@require_GET
@never_cache
def ready(request):
    checks = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
    down = [name for name, problem in checks.items() if problem]
    body = {
        "status": "ok" if not down else "unavailable",
        "checks": {name: ("ok" if problem is None else f"down: {problem}") for name, problem in checks.items()},
        "down": down,
    }
    try:
        from insights.risk import embedding_status

        body["risk_model"] = embedding_status()
    except Exception:  # noqa: BLE001 - the detector's rules still run; report, don't fail
        body["risk_model"] = {"loaded": False, "error": "risk module unavailable"}
    return JsonResponse(body, status=503 if down else 200)
