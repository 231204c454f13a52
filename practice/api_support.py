"""Shared DRF plumbing: pagination, error shapes, conflicts, throttles.

Domain errors (`practice.errors`) become HTTP answers here, in `exception_handler`, and
nowhere else in the API: views raise or let through NotFound/Forbidden/Conflict/Invalid.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from practice.errors import DomainError, Forbidden, NotFound, field_errors

__all__ = ["DomainError", "exception_handler"]  # DomainError: kept importable from here


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    """The HTTP 409 answer. Domain code raises `practice.errors.Conflict`, mapped onto this."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of this record."
    default_code = "conflict"


def exception_handler(exc, context):
    """Map domain errors (practice.errors) and Django's HTTP errors onto DRF's responses."""
    if isinstance(exc, NotFound):
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
