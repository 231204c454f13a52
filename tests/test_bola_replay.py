"""Cross-practice replay (issue 19): every route that takes an id, called by every role of
practice A with practice B's ids, answers exactly as it does for an id that does not exist
(404, or 401/403/405 whatever the id), never 2xx, and changes no table.

The routes come from the URL resolver, so a new route is replayed without editing this file;
a route whose id keyword this test cannot fill fails the test (see tests/data_sets.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PASSWORD, Snapshot, as_user, web_as
from tests.data_sets import CONSTANT_KINDS, ROLES, build_practice_data, kind_for_kwarg

MISSING_ID = 2_000_000_000
API_METHODS = ("get", "post", "put", "patch", "delete")
# Enough plausible fields that a write reaches its record lookup rather than stopping at
# validation; unknown fields are ignored by the serializers.
WRITE_BODY = {
    "text": "Replayed text",
    "body": "Replayed message",
    "reason": "Replayed reason",
    "password": PASSWORD,
    "status": "cancelled",
    "outcome": "no_action_needed",
    "decision": "accepted",
    "first_name": "Replayed",
    "is_active": False,
    "title": "Replayed title",
    "sections": {"data": "Replayed"},
    "starts_at": "2026-01-05T10:00:00Z",
    "problem": "Replayed",
    "description": "Replayed",
    "responses": {"text": "Replayed"},
    "submit": True,
    "attest": "yes",
    "answers": [0, 0, 0, 0, 0, 0, 0, 0, 0],
}


@dataclass(frozen=True)
class IdRoute:
    name: str
    route: str
    kwargs: tuple[str, ...]
    methods: tuple[str, ...]
    api: bool


def id_routes() -> list[IdRoute]:
    found: list[IdRoute] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
                continue
            assert isinstance(pattern, URLPattern)
            kwargs = tuple(pattern.pattern.regex.groupindex)
            if not kwargs:
                continue
            view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            api = route.startswith("api/")
            if view_class is not None:
                methods = tuple(method for method in API_METHODS if hasattr(view_class, method))
            else:
                methods = ("get", "post")  # function views: a method they refuse answers 405
            found.append(IdRoute(pattern.name, route, kwargs, methods, api))

    walk(get_resolver().url_patterns, "")
    return found


def send(route: IdRoute, caller, method: str, kwargs: dict, data):
    cache.clear()  # throttles must not turn one of a pair into a 429
    url = reverse(route.name, kwargs=kwargs)
    if route.api:
        return getattr(caller, method)(url, data, format="json")
    return getattr(caller, method)(url, data or {})


def test_every_id_route_has_a_known_record_kind():
    unknown = [
        f"{route.route} ({kwarg})"
        for route in id_routes()
        for kwarg in route.kwargs
        if kind_for_kwarg(route.route, kwarg) is None
    ]
    assert not unknown, f"routes whose id the replay cannot fill (add them to tests/data_sets.py): {unknown}"


# Routes whose path segment is itself the credential: a calendar app subscribes with the private
# feed URL its owner copied (stored hashed, revocable, shown once). Holding practice B's token is
# being B's subscriber, so the replay cannot apply; what must hold instead is that no other
# token, a revoked one included, opens anything.
BEARER_TOKEN_ROUTES = {"calendar-feed"}


@pytest.mark.django_db
def test_a_bearer_token_route_opens_nothing_else(practice, other_practice):
    theirs = build_practice_data(other_practice, label="south")
    token = theirs.ids.get("feed_token")
    assert token, "the data set gives each practice a calendar feed token"
    browser = web_as(None)
    assert browser.get(reverse("calendar-feed", kwargs={"token": token})).status_code == 200
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * len(token), ""):
        if wrong:
            assert browser.get(reverse("calendar-feed", kwargs={"token": wrong})).status_code == 404


def test_route_walk_finds_api_and_web_id_routes():
    names = {route.name for route in id_routes()}
    assert {"api-client-detail", "api-note-sign", "api-me-homework-submissions", "client-chart"} <= names
    assert len([route for route in id_routes() if route.api]) >= 35


@pytest.mark.django_db
def test_practice_a_cannot_reach_practice_b_records_through_any_id_route(practice, other_practice):
    mine = build_practice_data(practice, label="north")
    theirs = build_practice_data(other_practice, label="south")
    api_clients = {role: as_user(mine.users[role]) for role in ROLES} | {"anonymous": as_user(None)}
    browsers = {role: web_as(mine.users[role]) for role in ROLES} | {"anonymous": web_as(None)}

    requests = 0
    statuses: Counter[int] = Counter()
    leaks: list[str] = []
    constant_only: list[IdRoute] = []
    for route in id_routes():
        if route.name in BEARER_TOKEN_ROUTES:
            continue  # the path is the credential: checked by test_a_bearer_token_route_opens_nothing_else
        kinds = {kwarg: kind_for_kwarg(route.route, kwarg) for kwarg in route.kwargs}
        if all(kind in CONSTANT_KINDS for kind in kinds.values()):
            constant_only.append(route)  # names no practice's record: checked below
            continue
        target = {kwarg: theirs.ids[kind] for kwarg, kind in kinds.items()}
        # A constant (a consent kind, an instrument code) stays as it is; the ids go missing.
        missing = {kwarg: target[kwarg] if kind in CONSTANT_KINDS else MISSING_ID for kwarg, kind in kinds.items()}
        for role, caller in (api_clients if route.api else browsers).items():
            for method in route.methods:
                data = None if method in ("get", "delete") else WRITE_BODY

                before = Snapshot.take()
                replayed = send(route, caller, method, target, data)
                changed = Snapshot.take().changed_since(before)
                baseline = send(route, caller, method, missing, data)
                requests += 2
                statuses[replayed.status_code] += 1
                label = f"{method.upper()} {route.route} as {role}"
                if 200 <= replayed.status_code < 300:
                    leaks.append(f"{label}: {replayed.status_code} {replayed.content[:160]!r}")
                if replayed.status_code != baseline.status_code:
                    leaks.append(f"{label}: {replayed.status_code} for B's id, {baseline.status_code} for none")
                if route.api and replayed.status_code not in {401, 403, 404, 405}:
                    leaks.append(f"{label}: unexpected {replayed.status_code}")
                if changed:
                    leaks.append(f"{label}: changed {changed}")
    # A route taking only constants (e.g. consent-texts/<kind>/) answers for the caller's own
    # practice: reading it as every role of A shows nothing of B's and changes nothing.
    for route in constant_only:
        kwargs = {kwarg: mine.ids[kind_for_kwarg(route.route, kwarg)] for kwarg in route.kwargs}
        for role, caller in (api_clients if route.api else browsers).items():
            before = Snapshot.take()
            replayed = send(route, caller, "get", kwargs, None)
            changed = Snapshot.take().changed_since(before)
            requests += 1
            statuses[replayed.status_code] += 1
            label = f"GET {route.route} as {role}"
            if b"south" in replayed.content.lower():
                leaks.append(f"{label}: {replayed.status_code} shows practice B's {replayed.content[:160]!r}")
            if changed:
                leaks.append(f"{label}: changed {changed}")
    assert constant_only, "the consent-kind routes take no practice's id and are read here"
    # Control: the marker is there when B's own staff read the same page.
    own_text = web_as(theirs.users["therapist"]).get(reverse("consent-text-edit", kwargs={"kind": "portal"}))
    assert b"south" in own_text.content.lower()
    print(f"cross-practice replay: {requests} requests, {len(leaks)} leaks, answers {dict(sorted(statuses.items()))}")
    assert requests > 500
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_the_same_requests_reach_practice_a_own_records(practice):
    """Control: the replay's requests are well formed, so its 404s are the scoping at work."""
    mine = build_practice_data(practice, label="north")
    reached = set()
    for route in id_routes():
        if not route.api or "get" not in route.methods:
            continue
        kwargs = {kwarg: mine.ids[kind_for_kwarg(route.route, kwarg)] for kwarg in route.kwargs}
        role = (
            "client"
            if route.route.startswith("api/v1/me/")
            else "admin"
            if "break-glass" in route.route
            else "therapist"
        )
        if as_user(mine.users[role]).get(reverse(route.name, kwargs=kwargs)).status_code == 200:
            reached.add(route.name)
    assert {"api-client-detail", "api-note-detail", "api-alert-detail", "api-me-homework-detail"} <= reached
    assert len(reached) >= 20, sorted(reached)


@pytest.mark.django_db
def test_practice_b_ids_in_filters_and_bodies_reach_nothing(practice, other_practice):
    """Ids travel in query strings and bodies too: a filter on B's record lists nothing of
    B's, and a write that names B's record is refused without a trace."""
    mine = build_practice_data(practice, label="north")
    theirs = build_practice_data(other_practice, label="south")
    ids, own_client = theirs.ids, {"pk": mine.ids["client"]}
    reads = [
        ("therapist", "api-alerts", {}, {"client": ids["client"]}),
        ("manager", "api-break-glass", {}, {"client": ids["client"]}),
        ("admin", "api-audit", {}, {"client": ids["client"]}),
        ("manager", "api-clients", {}, {"therapist": theirs.users["therapist"].membership.pk}),
        ("manager", "api-reports-practice", {}, {"therapist": theirs.users["therapist"].membership.pk}),
        ("therapist", "api-client-assessments", own_client, {"instrument": "phq9"}),
    ]
    writes = [
        ("therapist", "api-client-notes", own_client, {"format": "dap", "session": ids["session"]}),
        ("therapist", "api-client-notes", own_client, {"format": "dap", "goals": [ids["goal"]]}),
        (
            "therapist",
            "api-client-homework",
            own_client,
            {"template": ids["homework_template"], "due_at": "2026-01-09T10:00:00Z"},
        ),
        (
            "therapist",
            "api-client-homework",
            own_client,
            {"title": "Walk", "goal": ids["goal"], "due_at": "2026-01-09T10:00:00Z"},
        ),
        ("therapist", "api-client-detail", own_client, {"co_therapist": theirs.users["therapist"].membership.pk}),
        ("manager", "api-client-detail", own_client, {"therapist": theirs.users["therapist"].membership.pk}),
    ]
    leaks = []
    for role, name, kwargs, query in reads:
        response = as_user(mine.users[role]).get(reverse(name, kwargs=kwargs), query)
        if response.status_code < 300 and b"south" in response.content.lower():
            leaks.append(f"GET {name} {query} as {role}: {response.content[:200]!r}")
        if response.status_code >= 500:
            leaks.append(f"GET {name} {query} as {role}: {response.status_code}")
    for role, name, kwargs, body in writes:
        caller = as_user(mine.users[role])
        before = Snapshot.take()
        method = "patch" if name == "api-client-detail" else "post"
        response = getattr(caller, method)(reverse(name, kwargs=kwargs), body, format="json")
        if not 400 <= response.status_code < 500:
            leaks.append(f"{method.upper()} {name} {body} as {role}: {response.status_code} {response.content[:200]!r}")
        changed = Snapshot.take().changed_since(before)
        if changed:
            leaks.append(f"{method.upper()} {name} {body} as {role}: changed {changed}")
    assert not leaks, "\n".join(leaks)
    # Control: the marker the reads look for is there when B's own staff ask.
    own_view = as_user(theirs.users["therapist"]).get(reverse("api-alerts"), {"client": ids["client"]})
    assert b"south" in own_view.content.lower()
