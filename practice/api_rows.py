"""Read-only API list pages built from `values()` rows.

A busy list (the caseload, the alerts, a client's check-ins) answers 50 rows a page. Through a
ModelSerializer each row costs a model instance (and those of the rows it joins) and a DRF
field call per value, which made the list three times slower than reading the same rows.
A `ValuesListMixin` view pages `get_queryset().values(*row_columns)` instead and builds each
row with a plain function. The view's `serializer_class` stays what the OpenAPI schema
describes, and the reference the tests compare the rows with, byte for byte.

Scoping is unchanged: `get_queryset()` still comes from the app's selectors; `values()` only
narrows the columns read (encrypted columns no list outputs are never read nor decrypted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings

from practice.api_support import StandardPagination

__all__ = ["ValuesListMixin", "ValuesPagination", "WindowCountPaginator", "date_text", "datetime_text"]


def datetime_text() -> Callable[[dt.datetime | None], str | None]:
    """What DRF's DateTimeField outputs for a value, as one function for a page of rows.

    The current time zone is read once (the API runs in UTC: practice.middleware leaves
    /api/ alone). Any other output format set for DRF falls back to DRF's own field."""
    output_format = api_settings.DATETIME_FORMAT
    if output_format is None or output_format.lower() != ISO_8601 or not settings.USE_TZ:
        return serializers.DateTimeField().to_representation
    zone = timezone.get_current_timezone()

    def text(value: dt.datetime | None) -> str | None:
        if not value:
            return None
        shown = value.astimezone(zone).isoformat()
        return shown[:-6] + "Z" if shown.endswith("+00:00") else shown

    return text


def date_text(value: dt.date | None) -> str | None:
    """What DRF's DateField outputs (ISO 8601, the default DATE_FORMAT) for a date."""
    if not value:
        return None
    if api_settings.DATE_FORMAT is None or api_settings.DATE_FORMAT.lower() != ISO_8601:
        return serializers.DateField().to_representation(value)
    return value.isoformat()


PAGE_TOTAL = "_page_total"


class WindowCountPaginator(Paginator):
    """Django's paginator, reading a page and the total number of rows in one query
    (`COUNT(*) OVER ()` on the page's rows) instead of a COUNT then the page.

    Only for a `values()` queryset (the total comes back as a key of each row and is taken
    out). The answers are Django's: the same pages, counts and errors. The total is counted
    by itself only when the page asked for is empty (past the end: then the usual error)."""

    def page(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 0
        if wanted < 1 or self.orphans or "count" in self.__dict__:
            return super().page(number)  # Django's error, or a page of a counted list
        bottom = (wanted - 1) * self.per_page
        rows = list(self.object_list.annotate(**{PAGE_TOTAL: Window(Count("*"))})[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = rows[0][PAGE_TOTAL]  # the cached_property's value
        elif wanted == 1 and self.allow_empty_first_page:
            self.__dict__["count"] = 0
        else:
            return super().page(number)
        for row in rows:
            del row[PAGE_TOTAL]
        return self._get_page(rows, wanted, self)


class ValuesPagination(StandardPagination):
    django_paginator_class = WindowCountPaginator


# For a generics.ListAPIView: GET pages `values(*row_columns())` of the filtered queryset and
# answers `build_rows(page)`, in the paginator's envelope. `build_rows` must output exactly
# what `get_serializer_class()` outputs for the same rows (same keys, order and types): tests
# compare both for every view using this. (Comments, not a docstring: drf-spectacular would
# publish a view's docstring, inherited ones included, as the operation's description.)
class ValuesListMixin:
    pagination_class = ValuesPagination

    def row_columns(self) -> Iterable[str]:
        raise NotImplementedError

    def build_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset()).values(*self.row_columns())  # type: ignore[attr-defined]
        page = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        if page is None:
            return Response(self.build_rows(list(queryset)))
        return self.get_paginated_response(self.build_rows(list(page)))  # type: ignore[attr-defined]
