"""Authorization-matrix helper for the server-rendered (HTML) pages.

The web twin of `tests/authz.py`: each app's `tests/<app>/test_web_authz.py` declares
`WEB_MATRIX: list[WebRow]`, the status every actor gets from one page and method, through a
signed-in browser session (`web_as`). Statuses: 200 the page, 302 a redirect after a write
(for `anonymous`, the redirect to sign-in, which is checked), 400/409 a refused input,
403 can see the record but may not change it, 404 not theirs or not for their role,
405 wrong method.

A denied request (401/403/404/405, or anonymous) must leave every table, audit log included,
unchanged; an answered GET writes nothing but READ audit events (GET pages do not write); and no page shows the client's clinical text (PHI_CANARY) to anyone outside the
care team. Each actor's request runs inside a savepoint that is rolled back afterwards, so a
row's expectations do not depend on what the actors before it did (the therapist signing the
note does not turn the next actor's 403 into a 409). `tests/test_route_coverage.py` fails on
any HTML route missing from these matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse

from practice.audit import AuditAction
from practice.models import AuditEvent
from tests.authz import ACTORS
from tests.conftest import PHI_CANARY, Snapshot, web_as

DENIED = frozenset({401, 403, 404, 405})
# What a page that exists for nobody but the named actors answers: 404 to every other signed-in
# role, the sign-in redirect to an anonymous visitor. Rows spread the actors that get in over it.
NOBODY = {**dict.fromkeys(ACTORS, 404), "anonymous": 302}
# Signed in, whoever you are.
ANY_MEMBER = {**dict.fromkeys(ACTORS, 200), "anonymous": 302}
STAFF = ("therapist", "supervisor", "colleague", "outsider", "manager", "admin")
THERAPISTS = ("therapist", "supervisor", "colleague", "outsider")
CLIENTS = ("client_user", "other_client_user")
# Who may ever be shown `client_record`'s clinical text (its presenting concerns carry the canary).
CLINICAL_READERS = frozenset({"therapist", "supervisor"})


# GET pages that write today, which issue 12 ("GET pages do not write") changes: row id -> the
# tables the GET writes (practice.AuditEvent: audit events other than READ). While they still
# write the row xfails (everything else in it still checked); once none of its actors writes
# them, the row fails until its entry is removed. Empty this once the read-layer branches merge.
GET_WRITES_PENDING_READ_LAYER_FIX: dict[str, frozenset[str]] = {}


def only(status: int, *actors: str, **overrides: int) -> dict[str, int]:
    """`status` for `actors`, NOBODY's answer for everyone else, then explicit overrides."""
    return {**NOBODY, **dict.fromkeys(actors, status), **overrides}


@dataclass
class WebRow:
    url_name: str
    method: str
    expect: dict[str, int]
    kwargs: Callable[[dict], dict] = field(default=lambda ctx: {})
    query: str = ""  # a str.format template over ctx: "client={client.pk}"
    data: Callable[[dict], dict] | None = None

    def __post_init__(self):
        missing = set(ACTORS) - set(self.expect)
        assert not missing, f"{self.id}: no expectation for {sorted(missing)}"
        assert self.method in {"get", "post"}, f"{self.id}: a browser only sends GET and POST"

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}" + (f"?{self.query}" if self.query else "")


def _is_login_redirect(response) -> bool:
    return urlsplit(response.get("Location", "")).path == resolve_url(settings.LOGIN_URL)


def _writes_beyond_read_audit(before: Snapshot, last_audit_id: int) -> dict:
    """Rows added or removed by a GET, other than the READ audit events a clinical page records."""
    changed = Snapshot.take().changed_since(before)
    if "practice.AuditEvent" in changed:
        other = AuditEvent.objects.filter(pk__gt=last_audit_id).exclude(action=AuditAction.READ)
        if not other.exists():
            del changed["practice.AuditEvent"]
    return changed


def run_web_row(row: WebRow, ctx: dict) -> None:
    """Open the page as every actor; check the status, that a denial changed nothing, and that
    an answered GET wrote nothing but read audit events."""
    failures: list[str] = []
    known_writes = GET_WRITES_PENDING_READ_LAYER_FIX.get(row.id, frozenset())
    still_writing: list[str] = []
    for actor in ACTORS:
        expected = row.expect[actor]
        browser = web_as(ctx["actors"][actor])
        savepoint = transaction.savepoint()
        try:
            url = reverse(row.url_name, kwargs=row.kwargs(ctx)) + (f"?{row.query.format(**ctx)}" if row.query else "")
            data = row.data(ctx) if row.data else {}
            denial = expected in DENIED or actor == "anonymous"
            before = Snapshot.take() if denial or row.method == "get" else None
            last_audit_id = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = getattr(browser, row.method)(url, data)
            status = response.status_code
            if status != expected:
                failures.append(f"{actor}: expected {expected}, got {status} {response.getvalue()[:160]!r}")
                continue
            # getvalue(): a streamed download (CSV export) is read in full too.
            if actor not in CLINICAL_READERS and PHI_CANARY.encode() in response.getvalue():
                failures.append(f"{actor}: shown the client's clinical text")
            if actor == "anonymous" and status == 302 and not _is_login_redirect(response):
                failures.append(f"anonymous: redirected to {response['Location']}, not to sign-in")
            if denial:
                changed = Snapshot.take().changed_since(before)
                if changed:
                    failures.append(f"{actor}: denied with {status} but changed {changed}")
            elif row.method == "get":
                changed = _writes_beyond_read_audit(before, last_audit_id)
                unexpected = {label: counts for label, counts in changed.items() if label not in known_writes}
                if unexpected:
                    failures.append(f"{actor}: GET {status} wrote {unexpected}")
                if set(changed) & known_writes:
                    still_writing.append(f"{actor} wrote {sorted(set(changed) & known_writes)}")
        finally:
            transaction.savepoint_rollback(savepoint)
    if known_writes and not still_writing:
        failures.append("no longer writes: remove it from GET_WRITES_PENDING_READ_LAYER_FIX")
    assert not failures, f"{row.id}:\n" + "\n".join(failures)
    if still_writing:
        pytest.xfail(f"{row.id}: GET still writes (GET_WRITES_PENDING_READ_LAYER_FIX): " + "; ".join(still_writing))
