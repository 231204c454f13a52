"""Web authorization matrix for the roster, the client portal, the chart and break-glass.

`client_user` owns `client_record` (its homework and due questionnaire); `other_client_user`
is another client of the same therapist, so a page about one client's item is 404 to the
other. Accepting a portal invite is public and listed in tests/test_route_coverage.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import BreakGlassGrant, Consent, DueQuestionnaire, Goal
from tests.clients.web_authz_measures import MEASURE_ROWS
from tests.conftest import PASSWORD, PHI_CANARY, web_as
from tests.factories import CheckInFactory, HomeworkAssignmentFactory
from tests.web_authz import CLIENTS, STAFF, THERAPISTS, WebRow, only, run_web_row

CHART_READERS = only(200, "therapist", "supervisor")
# The chart's tabs (?tab=), as a browser asks for them.
CHART_TABS = ("overview", "plan", "measures", "engagement", "homework", "messages", "ai", "documents", "consent")
PORTAL = only(200, *CLIENTS)


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


def open_grant(ctx):
    return BreakGlassGrant.objects.create(
        client=ctx["client"],
        granted_to=ctx["actors"]["admin"].membership,
        reason="Covering an emergency",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )


WEB_MATRIX = [
    # ---- the roster: managers and admins
    WebRow("roster", "get", only(200, "manager", "admin")),
    WebRow(
        "roster",
        "post",
        only(302, "manager", "admin"),
        data=lambda ctx: {
            "client": ctx["client"].pk,
            "therapist": ctx["actors"]["colleague"].membership.pk,
            "version": ctx["client"].version,
        },
    ),
    # ---- the client portal: client logins, each only their own things
    WebRow("portal-home", "get", PORTAL),
    WebRow("portal-checkin", "get", PORTAL),
    WebRow("portal-checkin", "post", only(302, *CLIENTS), data=lambda ctx: {"mood": "6", "note": "A good walk"}),
    WebRow("portal-history", "get", PORTAL),
    WebRow("portal-crisis", "get", PORTAL),
    WebRow(
        "portal-homework", "get", only(200, "client_user"), kwargs=lambda ctx: {"assignment_id": ctx["homework"].pk}
    ),
    WebRow(
        "portal-homework",
        "post",
        only(302, "client_user"),
        kwargs=lambda ctx: {"assignment_id": ctx["homework"].pk},
        data=lambda ctx: {"entry": "I walked by the river.", "action": "submit"},
    ),
    WebRow("portal-questionnaires", "get", PORTAL),
    WebRow("portal-questionnaire", "get", only(200, "client_user"), kwargs=lambda ctx: {"due_id": ctx["due"].pk}),
    WebRow(
        "portal-questionnaire",
        "post",
        only(200, "client_user"),
        kwargs=lambda ctx: {"due_id": ctx["due"].pk},
        data=lambda ctx: {f"item{number}": "1" for number in range(1, 8)},
    ),
    WebRow("portal-messages", "get", PORTAL),
    WebRow("portal-messages", "post", only(302, *CLIENTS), data=lambda ctx: {"body": "See you on Tuesday."}),
    WebRow("portal-settings", "get", PORTAL),
    WebRow(
        "portal-settings",
        "post",
        only(302, *CLIENTS),
        data=lambda ctx: {"hour": "7", "channel": "none"},  # a change: reminders off
    ),
    # ---- the chart: the care team reads every tab; only the treating therapist writes
    *[WebRow("client-chart", "get", CHART_READERS, kwargs=client_pk, query=f"tab={tab}") for tab in CHART_TABS],
    WebRow(
        "client-chart",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        query="tab=plan",
        data=lambda ctx: {"action": "add_goal", "goal-description": "Sleep seven hours"},
    ),
    WebRow(
        "client-chart",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        query="tab=consent",
        data=lambda ctx: {"action": "consent_record", "kind": "treatment", "text": "0", "confirmed": "on"},
    ),
    # ---- onboarding: add a client (every staff role), the client's details page (who administers it)
    WebRow("client-new", "get", only(200, *STAFF)),
    WebRow(
        "client-new",
        "post",
        only(302, *STAFF),
        data=lambda ctx: {"first_name": "Jamie", "last_name": "Rowe", "date_of_birth": "1990-04-02"},
    ),
    WebRow("client-details", "get", only(200, "therapist", "manager", "admin", supervisor=403), kwargs=client_pk),
    WebRow(
        "client-details",
        "post",
        only(302, "therapist", "manager", "admin", supervisor=403),
        kwargs=client_pk,
        data=lambda ctx: {
            "action": "details",
            "details-first_name": "Avery",
            "details-last_name": "Quinn",
            "details-date_of_birth": "1988-03-04",
            "details-phone": "555 0100",
            "details-emergency_contact_name": "Robin Quinn",
            "details-emergency_contact_phone": "555 0200",
        },
    ),
    # ---- consent texts: therapists and admins (MANAGE_LIBRARY)
    WebRow("consent-texts", "get", only(200, *THERAPISTS, "admin")),
    WebRow("consent-text-edit", "get", only(200, *THERAPISTS, "admin"), kwargs=lambda ctx: {"kind": "ai_processing"}),
    WebRow(
        "consent-text-edit",
        "post",
        only(302, *THERAPISTS, "admin"),
        kwargs=lambda ctx: {"kind": "ai_processing"},
        data=lambda ctx: {"title": "Optional AI features", "body": "We may use AI tools to summarise your week."},
    ),
    # ---- the portal's consents: each client their own
    WebRow("portal-consents", "get", PORTAL),
    WebRow("portal-consents", "post", only(302, *CLIENTS), data=lambda ctx: {"kind": "ai_processing"}),
    WebRow("portal-consent-sign", "get", PORTAL, kwargs=lambda ctx: {"kind": "ai_processing"}),
    WebRow(
        "portal-consent-sign",
        "post",
        # The other client's name is not "Avery Quinn": their signature is refused (400).
        only(302, "client_user", other_client_user=400),
        kwargs=lambda ctx: {"kind": "ai_processing"},
        data=lambda ctx: {"signature_name": "avery  quinn", "text": "0"},
    ),
    # ---- break-glass: admins open it, admins and managers review and end it
    WebRow("break-glass-open", "get", only(200, "admin"), kwargs=client_pk),
    WebRow(
        "break-glass-open",
        "post",
        only(302, "admin"),
        kwargs=client_pk,
        data=lambda ctx: {
            "reason": "Therapist unreachable; the client's family reports a crisis.",
            "password": PASSWORD,
            "duration_minutes": "60",
        },
    ),
    WebRow("break-glass", "get", only(200, "manager", "admin")),
    WebRow("break-glass", "post", only(302, "manager", "admin"), data=lambda ctx: {"grant": open_grant(ctx).pk}),
    # ---- measures in the browser (issue 16)
    *MEASURE_ROWS,
]


@pytest.fixture
def ctx(actors, client_record):
    now = timezone.now()
    # Clinical text the chart's plan tab shows: the canary no one else may be shown.
    Goal.objects.create(client=client_record, problem=f"Low mood {PHI_CANARY}", description="Return to work")
    # With AI consent the chart's AI tab has something to show (and, today, to compute).
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    CheckInFactory(client=client_record, mood=4, note="I could not sleep again and felt awful all day.")
    homework = HomeworkAssignmentFactory(client=client_record, kind="journal", title="Daily journal")
    due = DueQuestionnaire.objects.create(
        client=client_record, instrument="gad7", due_at=now, expires_at=now + dt.timedelta(days=3)
    )
    return {"actors": actors, "client": client_record, "homework": homework, "due": due}


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_client_page_authorization(row, ctx):
    run_web_row(row, ctx)


@pytest.mark.django_db
def test_the_chart_shows_the_canary_to_the_care_team(ctx):
    """The matrix's "no clinical text outside the care team" check looks for PHI_CANARY: it can
    only fail while a page of this matrix shows that text to the therapist and supervisor."""
    url = reverse("client-chart", args=[ctx["client"].pk]) + "?tab=plan"
    for actor in ("therapist", "supervisor"):
        assert PHI_CANARY.encode() in web_as(ctx["actors"][actor]).get(url).content, actor
