"""Input bounds shared by every API serializer and web form.

One place says which dates, strings and JSON bodies Alliance accepts, so a bad value is a
clear 400 at the edge and never a stored row that later breaks a page (a session dated
9999-12-31 used to be stored, then every list of that client's sessions answered 500).

- Dates and datetimes: years MIN_YEAR..MAX_YEAR. ModelSerializer fields get the bounded
  classes through `serializer_field_mapping` (practice.apps); declared fields and form fields
  use the classes below; tests/practice/test_input_bounds.py fails on any that does not.
- Free text from a model TextField: at most LONG_TEXT_MAX_LENGTH characters.
- JSON bodies: at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes and MAX_JSON_DEPTH levels of nesting,
  no NUL character and no lone UTF-16
  surrogate in any key or string (PostgreSQL cannot store either; UTF-8 cannot encode a
  surrogate). Query strings and form bodies: no NUL (practice.middleware.UnsafeInputMiddleware).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MIN_YEAR = 1900
MAX_YEAR = 2100
LONG_TEXT_MAX_LENGTH = 20_000
MAX_JSON_DEPTH = 32

DATE_RANGE_MESSAGE = f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}."


def date_in_supported_range(value: dt.date | dt.datetime | None) -> bool:
    return value is None or MIN_YEAR <= value.year <= MAX_YEAR


def validate_supported_date(value: dt.date | dt.datetime | None) -> None:
    """A Django validator (forms, models): years MIN_YEAR..MAX_YEAR only."""
    if not date_in_supported_range(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


class BoundedDateField(serializers.DateField):
    default_error_messages = {"out_of_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value: Any) -> dt.date:
        parsed = super().to_internal_value(value)
        if not date_in_supported_range(parsed):
            self.fail("out_of_range")
        return parsed


class BoundedDateTimeField(serializers.DateTimeField):
    default_error_messages = {"out_of_range": DATE_RANGE_MESSAGE}

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        # Check before converting: 9999-12-31T23:59-05:00 overflows when moved to UTC.
        if not date_in_supported_range(value):
            self.fail("out_of_range")
        return super().enforce_timezone(value)

    def to_internal_value(self, value: Any) -> dt.datetime:
        parsed = super().to_internal_value(value)
        if not date_in_supported_range(parsed):
            self.fail("out_of_range")
        return parsed


class LongTextField(serializers.CharField):
    """A serializer field for a model TextField: free text, bounded."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", LONG_TEXT_MAX_LENGTH)
        super().__init__(**kwargs)


class BoundedFormDateField(forms.DateField):
    default_validators = [validate_supported_date]


class BoundedFormDateTimeField(forms.DateTimeField):
    default_validators = [validate_supported_date]


def parse_bounded_date(raw: str | None) -> dt.date | None:
    """A YYYY-MM-DD query value, or None when it is absent, malformed or out of range."""
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if date_in_supported_range(value) else None


def unsafe_text(value: str) -> str | None:
    """Why `value` cannot be stored (a NUL or a lone surrogate), or None when it can."""
    if "\x00" in value:
        return "Text may not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text may not contain unpaired UTF-16 surrogates."
    return None


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed JSON document is refused (too deep, or a string that cannot be stored).

    Iterative, so a document near the parser's own recursion limit cannot exhaust ours.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            problem = unsafe_text(item)
            if problem:
                return problem
        elif isinstance(item, dict | list):
            if depth + 1 > max_depth:
                return f"nested deeper than {max_depth} levels."
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit and no NUL or lone surrogate in any string."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1 if limit else -1) if stream is not None else b""
        if limit and len(body) > limit:
            raise ParseError(f"JSON parse error - the body is larger than {limit} bytes.")
        try:
            data = json.loads(body.decode(encoding), parse_constant=self._reject_constant if self.strict else None)
        except RecursionError as error:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from error
        except UnicodeDecodeError as error:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        problem = json_problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data

    @staticmethod
    def _reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not valid JSON")
