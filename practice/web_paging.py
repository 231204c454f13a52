"""Pages of long lists in the HTML views: the query string a pager link keeps.

A pager link changes only `page`; every other filter in the URL stays as it was. Names never
travel in these links (the caseload's name search is kept in the session, practice.search).
"""

from __future__ import annotations

from django.http import QueryDict


def query_without(params: QueryDict, *names: str) -> str:
    """`params` url-encoded without `names` (default: without "page"), for a pager's links."""
    kept = params.copy()
    for name in names or ("page",):
        kept.pop(name, None)
    return kept.urlencode()
