"""Domain errors: what went wrong, in the domain's words, apart from HTTP.

Services and selectors raise these; they never raise DRF or Django HTTP exceptions. Two
places turn them into responses, so every route answers the same way:

- the API: `practice.api_support.exception_handler` (NotFound 404, Forbidden 403,
  Conflict 409, Invalid and any other DomainError 400 with field errors);
- HTML pages: `practice.web_guards.DomainErrorMiddleware` (NotFound 404 page, Forbidden 403
  page, Conflict a 409 page). A view that wants a friendlier answer (re-show a form, a flash
  message) catches the error itself, as most chart and portal writes do.

`NotFound` means "missing or out of the caller's scope": the two are never told apart (a
403 would confirm the record exists). `Forbidden` means the caller can see the record but
may not do this (API.md: 403 only when the caller can see the object).

`DomainError(message, field=..., conflict=...)` is the historical base raised by services;
`conflict=True` is the same as raising `Conflict`. `practice.api_support.DomainError` is
this class, kept importable from there.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule violation. 400 with `{field or non_field_errors: [message]}`, 409 if `conflict`."""

    def __init__(self, message: str = "", *, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict


class NotFound(DomainError):
    """The record does not exist, or the caller may not know it does (404)."""

    def __init__(self, message: str = "Not found.", *, field: str | None = None):
        super().__init__(message, field=field)


class Forbidden(DomainError):
    """The caller can see the record but may not do this to it (403)."""

    def __init__(self, message: str = "You do not have permission to perform this action.", *, field=None):
        super().__init__(message, field=field)


class Conflict(DomainError):
    """The request conflicts with the record's current state (409)."""

    def __init__(self, message: str = "The request conflicts with the current state of this record.", *, field=None):
        super().__init__(message, field=field, conflict=True)


class Invalid(DomainError):
    """Input the rules refuse (400). `errors` maps field names to lists of messages."""

    def __init__(self, message: str = "", *, field: str | None = None, errors: dict[str, list] | None = None):
        super().__init__(message, field=field)
        self.errors = errors if errors is not None else {field or "non_field_errors": [message]}


class LockedOutError(DomainError):
    """A password prompt refused after repeated failures (the API answers 429, pages say so)."""


def field_errors(error: DomainError) -> dict[str, list]:
    """The 400 body for a domain error: `{field: [message]}` (or `non_field_errors`)."""
    if isinstance(error, Invalid):
        return error.errors
    return {error.field or "non_field_errors": [error.message]}
