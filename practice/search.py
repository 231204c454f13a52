"""Name searches that never put a client's name in a URL.

A name typed into a caseload or roster search is posted (with CSRF), kept in the session and
the page redirects to itself with only the non-identifying filters in its query string, so
no name reaches browser history, a Referer header or an access log. A bookmarked or typed
`?q=` is moved into the session the same way on first sight.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import urlencode

SEARCH_FIELD = "q"
MAX_SEARCH_LENGTH = 100


def _session_key(page: str) -> str:
    return f"alliance_search:{page}"


def _redirect_without_term(request: HttpRequest, source, keep: Iterable[str]) -> HttpResponseRedirect:
    params = {name: source[name] for name in keep if source.get(name)}
    return HttpResponseRedirect(request.path + (f"?{urlencode(params)}" if params else ""))


def remember_search(request: HttpRequest, *, page: str, keep: Iterable[str]) -> HttpResponseRedirect:
    """Keep the posted term for `page` and redirect to it with only the `keep` filters."""
    term = request.POST.get(SEARCH_FIELD, "").strip()[:MAX_SEARCH_LENGTH]
    if term:
        request.session[_session_key(page)] = term
    else:
        request.session.pop(_session_key(page), None)
    return _redirect_without_term(request, request.POST, keep)


def current_search(request: HttpRequest, *, page: str, keep: Iterable[str]) -> tuple[str, HttpResponseRedirect | None]:
    """The term for `page`, and a redirect to take instead when the URL itself carried one."""
    if SEARCH_FIELD in request.GET:
        term = request.GET.get(SEARCH_FIELD, "").strip()[:MAX_SEARCH_LENGTH]
        if term:
            request.session[_session_key(page)] = term
        else:
            request.session.pop(_session_key(page), None)
        return term, _redirect_without_term(request, request.GET, keep)
    return request.session.get(_session_key(page), ""), None
