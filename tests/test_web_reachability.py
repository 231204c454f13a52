"""Every API write a therapist, manager or admin can make is also reachable from a web page.

The people who use Alliance use the browser (issue 13): an API write that a staff role is
allowed (a 2xx in an API authorization matrix) must have a page that does the same job, and
the web authorization matrix must let that role use it. `WEB_EQUIVALENT` names the page for
each write (`client-chart:<action>` for a form on the client chart, posted with that action);
`INTENTIONAL_EXCEPTIONS` lists the writes that have no page yet, each with its reason. A new
API write fails this test until it gets one or the other.
"""

from __future__ import annotations

import importlib

from django.urls import NoReverseMatch, reverse

from clients.web_chart_actions import ACTIONS, READER_ACTIONS
from tests.test_route_coverage import MATRIX_MODULES, WEB_MATRIX_MODULES

STAFF = ("therapist", "manager", "admin")
WRITE_METHODS = {"post", "patch", "put", "delete"}
# What a role that may use a page gets from it in the web matrix (a form re-shown with an
# error, a redirect after a write, or the page itself).
USABLE = {200, 302, 400, 409}

WEB_EQUIVALENT: dict[tuple[str, str], tuple[str, ...]] = {
    ("api-alert-acknowledge", "post"): ("alerts",),
    ("api-alert-resolve", "post"): ("alerts",),
    ("api-break-glass-revoke", "post"): ("break-glass",),
    ("api-client-assessments", "post"): ("measure-give",),
    ("api-client-break-glass", "post"): ("break-glass-open",),
    ("api-client-consents", "post"): ("client-chart:consent_record",),
    ("api-client-detail", "patch"): ("client-details",),
    ("api-client-goals", "post"): ("client-chart:add_goal",),
    ("api-client-homework", "post"): ("client-chart:assign_homework",),
    ("api-client-measure-schedules", "post"): ("client-chart:schedule",),
    ("api-client-messages", "post"): ("client-chart:message", "inbox-reply"),
    ("api-client-messages-read", "post"): ("client-chart:mark_read", "inbox-read"),
    ("api-client-notes", "post"): ("note-new",),
    ("api-client-psychotherapy-notes", "post"): ("client-chart:psychotherapy_note",),
    ("api-client-series", "post"): ("schedule-book",),
    ("api-client-sessions", "post"): ("schedule-book",),
    ("api-clients", "post"): ("client-new",),
    ("api-clients-search", "post"): ("dashboard", "roster"),
    ("api-homework-detail", "patch"): ("client-chart:feedback",),
    ("api-logout", "post"): ("logout",),
    ("api-member-detail", "patch"): ("staff-member-role", "staff-member-deactivate"),
    ("api-members", "post"): ("staff-invite",),
    ("api-note-addenda", "post"): ("note-addendum",),
    ("api-note-drafts", "post"): ("note-draft-request",),
    ("api-note-draft-insert", "post"): ("note-draft-insert",),
    ("api-note-draft-discard", "post"): ("note-draft-discard",),
    ("api-note-detail", "patch"): ("note-autosave",),
    ("api-note-sign", "post"): ("note-sign",),
    ("api-portal-invite", "post"): ("client-details",),
    ("api-practice", "patch"): ("practice-settings",),
    ("api-session-cancel-following", "post"): ("session-cancel",),
    ("api-session-detail", "patch"): ("session-status", "session-reschedule"),
    ("api-suggestion-decision", "post"): ("client-chart:ai_decide",),
}

INTENTIONAL_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("api-goal-detail", "patch"): "goals are added and shared from the chart's Plan tab; changing a goal's "
    "status or wording after it is written is API-only for now",
    ("api-homework-templates", "post"): "the homework library ships ten built-in templates; writing a new "
    "template's field schema has no page yet",
    ("api-homework-template-detail", "patch"): "as above: editing a template's field schema has no page yet",
    ("api-instruments", "post"): "a practice-defined instrument is a licensed, validated definition that an "
    "admin uploads as JSON; there is no form for it",
    ("api-psychotherapy-note-detail", "patch"): "psychotherapy notes are written once from the chart; "
    "editing one afterwards is API-only for now",
}


def _rows(modules: list[str], attribute: str) -> list:
    rows = []
    for name in modules:
        rows += getattr(importlib.import_module(name), attribute, [])
    return rows


def staff_api_writes() -> dict[tuple[str, str], set[str]]:
    writes: dict[tuple[str, str], set[str]] = {}
    for row in _rows(MATRIX_MODULES, "MATRIX"):
        if row.method in WRITE_METHODS:
            roles = {role for role in STAFF if 200 <= row.expect.get(role, 0) < 300}
            if roles:
                writes.setdefault((row.url_name, row.method), set()).update(roles)
    return writes


def usable_by(target: str, role: str, web_rows: list) -> bool:
    url_name, _, action = target.partition(":")
    if action and action not in ACTIONS and action not in READER_ACTIONS:
        return False
    return any(
        row.url_name == url_name and row.expect.get(role) in USABLE
        for row in web_rows
        # A chart action is a POST to the chart; a page elsewhere may be reached by its form's POST
        # or be the page that holds the form (GET).
        if (row.method == "post" if action else True)
    )


def test_every_staff_api_write_has_a_page_or_a_stated_exception():
    writes = staff_api_writes()
    assert len(writes) > 25, "found too few API writes: has the matrix layout changed?"
    missing = sorted(set(writes) - set(WEB_EQUIVALENT) - set(INTENTIONAL_EXCEPTIONS))
    assert not missing, f"API writes with no web page and no stated exception: {missing}"


def test_each_page_exists_and_the_web_matrix_lets_the_role_use_it():
    web_rows = _rows(WEB_MATRIX_MODULES, "WEB_MATRIX")
    problems = []
    for (api_route, method), roles in sorted(staff_api_writes().items()):
        targets = WEB_EQUIVALENT.get((api_route, method))
        if targets is None:
            continue
        for target in targets:
            url_name = target.partition(":")[0]
            try:
                reverse(url_name)
            except NoReverseMatch as error:
                if "with no arguments not found" not in str(error) and "arguments '()'" not in str(error):
                    problems.append(f"{target}: no such page")
        for role in sorted(roles):
            if not any(usable_by(target, role, web_rows) for target in targets):
                problems.append(f"{method.upper()} {api_route}: the {role} cannot use {', '.join(targets)}")
    assert not problems, "\n".join(problems)


def test_exceptions_name_real_api_writes():
    writes = staff_api_writes()
    stale = sorted(set(INTENTIONAL_EXCEPTIONS) - set(writes)) + sorted(set(WEB_EQUIVALENT) - set(writes))
    assert not stale, f"listed API writes that no matrix allows a staff role any more: {stale}"


def test_the_check_fails_for_a_role_the_web_matrix_refuses():
    web_rows = _rows(WEB_MATRIX_MODULES, "WEB_MATRIX")
    assert usable_by("practice-settings", "admin", web_rows)
    assert not usable_by("practice-settings", "therapist", web_rows)
    assert not usable_by("client-chart:no_such_action", "therapist", web_rows)
