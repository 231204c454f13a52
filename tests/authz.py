"""Authorization-matrix helper.

Each app's `tests/<app>/test_authz.py` declares `MATRIX: list[Row]`: for a route, the status
every actor gets. A denied request must also leave every table (audit log included)
unchanged. `tests/test_route_coverage.py` fails on any API route missing from a matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from tests.conftest import Snapshot, as_user

ACTORS = ("therapist", "colleague", "outsider", "client_user", "other_client_user", "manager", "admin", "anonymous")
# Out of scope for everyone (404, 401 when anonymous): rows spread the actors that get in over it.
DENY_ALL = {
    "therapist": 404,
    "colleague": 404,
    "outsider": 404,
    "client_user": 404,
    "other_client_user": 404,
    "manager": 404,
    "admin": 404,
    "anonymous": 401,
}


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
    failures = []
    for actor in ACTORS:
        expected = row.expect[actor]
        client = as_user(ctx["actors"][actor])
        url = reverse(row.url_name, kwargs=row.kwargs(ctx))
        data = row.data(ctx) if row.data else None
        before = Snapshot.take()
        response = getattr(client, row.method)(url, data, format="json")
        if response.status_code != expected:
            failures.append(f"{actor}: expected {expected}, got {response.status_code} {response.content[:200]!r}")
            continue
        if expected >= 400:
            changed = Snapshot.take().changed_since(before)
            if changed:
                failures.append(f"{actor}: denied with {expected} but changed {changed}")
    assert not failures, f"{row.id}:\n" + "\n".join(failures)
