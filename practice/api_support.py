"""Shared DRF plumbing: pagination, error shapes, conflicts, throttles."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of this record."
    default_code = "conflict"


class DomainError(Exception):
    """Raised by services for a rule violation; views map it to 400 (fields), 409 (conflict) or
    403 (forbidden: the caller can see the record but may not make this change)."""

    def __init__(self, message: str, *, field: str | None = None, conflict: bool = False, forbidden: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict
        self.forbidden = forbidden


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        if exc.forbidden:
            exc = exceptions.PermissionDenied(exc.message)
        elif exc.conflict:
            exc = Conflict(exc.message)
        else:
            exc = exceptions.ValidationError({exc.field or "non_field_errors": [exc.message]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


class AuthRateThrottle(SimpleRateThrottle):
    """Per client address on the sign-in endpoints."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthUserRateThrottle(SimpleRateThrottle):
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
