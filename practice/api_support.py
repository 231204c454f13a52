"""Shared DRF plumbing: pagination, error shapes, conflicts, throttles.

Domain errors (`practice.errors`) become HTTP answers here, in `exception_handler`, and
nowhere else in the API: views raise or let through NotFound/Forbidden/Conflict/Invalid.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from practice.errors import DomainError, Forbidden, LockedOutError, NotFound, field_errors

__all__ = ["DomainError", "LockedOutError", "exception_handler"]  # DomainError: kept importable from here


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    """The HTTP 409 answer. Domain code raises `practice.errors.Conflict`, mapped onto this."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of this record."
    default_code = "conflict"


class LockedOut(exceptions.Throttled):
    default_detail = "Too many failed sign-in attempts. Try again later."


def exception_handler(exc, context):
    """Map domain errors (practice.errors) and Django's HTTP errors onto DRF's responses."""
    if isinstance(exc, LockedOutError):
        exc = LockedOut(detail=exc.message)
    elif isinstance(exc, NotFound):
        exc = exceptions.NotFound()  # one answer for missing and out of scope
    elif isinstance(exc, Forbidden):
        exc = exceptions.PermissionDenied(exc.message or None)
    elif isinstance(exc, DomainError):
        if exc.conflict:
            exc = Conflict(exc.message)
        else:
            exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


logger = logging.getLogger(__name__)


class FallbackCache:
    """The default cache, or a per-process local-memory cache while the default one fails.

    Throttles must keep counting (and never answer 500) when Redis is down: a request then
    counts in this process only, which is weaker across workers but never open. After a
    failure the default cache is left alone for RETRY_AFTER_SECONDS, so an outage does not add
    a connection timeout to every request; each outage is logged (at most once a minute)."""

    RETRY_AFTER_SECONDS = 5.0
    LOG_EVERY_SECONDS = 60.0

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.local = LocMemCache("alliance-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})
        self._down_until = 0.0
        self._last_logged: float | None = None

    def _primary_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + self.RETRY_AFTER_SECONDS
        if self._last_logged is None or now - self._last_logged >= self.LOG_EVERY_SECONDS:
            self._last_logged = now
            logger.warning(
                "Throttle cache %r unavailable on %s (%s: %s); counting in this process's memory instead.",
                self.alias,
                operation,
                type(error).__name__,
                error,
            )

    def get(self, key, default=None):
        if not self._primary_down():
            try:
                return caches[self.alias].get(key, default)
            except Exception as error:  # noqa: BLE001 - any backend failure: fall back, never 500
                self._failed("get", error)
        return self.local.get(key, default)

    def set(self, key, value, timeout=None):
        if not self._primary_down():
            try:
                caches[self.alias].set(key, value, timeout)
                return
            except Exception as error:  # noqa: BLE001
                self._failed("set", error)
        self.local.set(key, value, timeout)

    def reset(self) -> None:
        """Forget the outage and the local counters (tests)."""
        self._down_until = 0.0
        self._last_logged = None
        self.local.clear()


class ResilientRateThrottle(SimpleRateThrottle):
    """A rate throttle whose counters survive a cache outage (see FallbackCache).

    Keyed on REMOTE_ADDR only: DRF's default identity trusts X-Forwarded-For, which any caller
    can set to get a fresh allowance per request (the same address practice.middleware.client_ip
    uses for the audit log)."""

    cache = FallbackCache()

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR") or "unknown"


class AuthRateThrottle(ResilientRateThrottle):
    """Per client address on the sign-in endpoints."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthUserRateThrottle(ResilientRateThrottle):
    """Per submitted account name, so one account cannot be hammered from many addresses."""

    scope = "auth_user"

    def get_cache_key(self, request, view):
        data = getattr(request, "data", None)
        username = data.get("username") if isinstance(data, dict) else None
        if not isinstance(username, str) or not username.strip():
            return None
        # Hashed: the key stays short and safe for any cache backend whatever was sent.
        ident = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
