"""Authorization-matrix helper.

Each app's `tests/<app>/test_authz.py` declares `MATRIX: list[Row]`: for a route, the status
every actor gets. A denied request must also leave every table (audit log included)
unchanged. `tests/test_route_coverage.py` fails on any API route missing from a matrix.
The HTML pages have their own matrices: `tests/web_authz.py`.

`supervisor` is `client`'s clinical supervisor: a therapist of the practice who reads the
client's clinical record (200) and, since they can see it, gets 403 on a write to it (API.md);
co-signing a note and answering an alert are the supervisor's own acts (200).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import Snapshot, as_user

ACTORS = (
    "therapist",
    "supervisor",
    "colleague",
    "outsider",
    "client_user",
    "other_client_user",
    "manager",
    "admin",
    "anonymous",
)
# Out of scope for everyone (404, 401 when anonymous): rows spread the actors that get in over it.
DENY_ALL = {
    "therapist": 404,
    "supervisor": 404,
    "colleague": 404,
    "outsider": 404,
    "client_user": 404,
    "other_client_user": 404,
    "manager": 404,
    "admin": 404,
    "anonymous": 401,
}

# Known wrong answers the read-layer refactor (issue 12) fixes: (row id, actor) -> the status
# the code gives today instead of the row's expectation. A listed actor that still gets exactly
# that status makes the row xfail (every other actor of the row is still checked); one that
# gets the expected status fails the row until its entry is removed. Empty this once the
# read-layer branches are merged.
PENDING_READ_LAYER_FIX: dict[tuple[str, str], int] = {}


@dataclass
class Row:
    url_name: str
    method: str
    expect: dict[str, int]
    kwargs: Callable[[dict], dict] = field(default=lambda ctx: {})
    data: Callable[[dict], Any] | None = None

    def __post_init__(self):
        missing = set(ACTORS) - set(self.expect)
        assert not missing, f"{self.url_name} {self.method}: no expectation for {sorted(missing)}"

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


def run_row(row: Row, ctx: dict) -> None:
    """Call the route as every actor and check the status (and no change when denied)."""
    failures, pending, fixed = [], [], []
    for actor in ACTORS:
        expected = row.expect[actor]
        known_wrong = PENDING_READ_LAYER_FIX.get((row.id, actor))
        client = as_user(ctx["actors"][actor])
        url = reverse(row.url_name, kwargs=row.kwargs(ctx))
        data = row.data(ctx) if row.data else None
        before = Snapshot.take()
        response = getattr(client, row.method)(url, data, format="json")
        status = response.status_code
        if status != expected and status != known_wrong:
            failures.append(f"{actor}: expected {expected}, got {status} {response.content[:200]!r}")
            continue
        if status == known_wrong:
            pending.append(f"{actor}: expected {expected}, still {status} (PENDING_READ_LAYER_FIX)")
        elif known_wrong is not None:
            fixed.append(f"{actor}: now {status} as expected: remove it from PENDING_READ_LAYER_FIX")
        if status >= 400:
            changed = Snapshot.take().changed_since(before)
            if changed:
                failures.append(f"{actor}: denied with {status} but changed {changed}")
    failures += fixed
    assert not failures, f"{row.id}:\n" + "\n".join(failures)
    if pending:
        pytest.xfail(f"{row.id}: " + "; ".join(pending))
