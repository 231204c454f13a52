"""Web authorization matrix for the client's plan between sessions (issue 15).

The safety plan is the care team's and the client's: the therapist reads and writes it, the
supervisor reads (403 on writes), colleagues, outsiders, managers and admins get 404, and an
admin under break-glass reads only (test below). The portal pages are each client's own: the
other client sees their own (empty) plan, never `client_user`'s. The web app manifest and
the service worker script are public and carry nothing clinical.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import BreakGlassGrant, CopingStrategy, Goal, SafetyPlanVersion, ToolkitItem
from tests.conftest import PHI_CANARY, web_as
from tests.web_authz import CLIENTS, WebRow, only, run_web_row

CARE_TEAM_READ = only(200, "therapist", "supervisor")
PORTAL = only(200, *CLIENTS)


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


def plan_content(text: str) -> dict:
    return {
        "warning_signs": [text],
        "on_my_own": ["Paced breathing"],
        "people_places": [],
        "ask_for_help": [{"name": "Jonas", "phone": "+1 555 0142"}],
        "professionals": [],
        "safer_surroundings": [],
        "reasons": ["My cat"],
    }


WEB_MATRIX = [
    # ---- the chart's safety plan and toolkit (tabs are in tests/clients/test_web_authz.py's
    # CHART_TABS pattern; repeated here for the new tabs)
    WebRow("client-chart", "get", CARE_TEAM_READ, kwargs=client_pk, query="tab=safety"),
    WebRow("client-chart", "get", CARE_TEAM_READ, kwargs=client_pk, query="tab=toolkit"),
    WebRow(
        "chart-safety-plan",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        data=lambda ctx: {
            "action": "save",
            "plan-warning_signs": "Not sleeping\nCancelling plans",
            "plan-reasons": "My cat",
        },
    ),
    WebRow(
        "chart-safety-plan",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        query="review",
        data=lambda ctx: {"action": "review", "version": ctx["plan"].pk},
    ),
    WebRow("chart-safety-plan-pdf", "get", CARE_TEAM_READ, kwargs=client_pk),
    WebRow(
        "chart-toolkit",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        data=lambda ctx: {"action": "add", "strategy": ctx["strategy"].pk},
    ),
    WebRow(
        "chart-shared-wording",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=client_pk,
        data=lambda ctx: {
            "kind": "goal",
            "target": ctx["goal"].pk,
            "client_wording": "Back to work",
            "share_progress": "on",
        },
    ),
    # ---- the portal: each client their own
    WebRow("portal-safety-plan", "get", PORTAL),
    WebRow("portal-safety-plan-edit", "get", PORTAL),
    WebRow(
        "portal-safety-plan-edit",
        "post",
        only(302, *CLIENTS),
        data=lambda ctx: {"plan-on_my_own": "Walk to the canal", "plan-reasons": "My niece"},
    ),
    WebRow("portal-safety-plan-pdf", "get", only(200, "client_user", other_client_user=404)),
    WebRow("portal-toolkit", "get", PORTAL),
    WebRow(
        "portal-toolkit",
        "post",
        only(302, "client_user", other_client_user=404),
        data=lambda ctx: {"strategy": ctx["strategy_in_toolkit"].pk, "request_key": "matrix-key-1"},
    ),
    WebRow("portal-goals", "get", PORTAL),
    WebRow("portal-agenda", "get", PORTAL),
    WebRow(
        "portal-agenda",
        "post",
        only(302, *CLIENTS),
        data=lambda ctx: {"talk_about": "My sister's visit", "helped": "Walking"},
    ),
    # ---- the installable web app: public, nothing clinical
    WebRow("pwa-manifest", "get", {**dict.fromkeys(PORTAL, 200), "anonymous": 200}),
    WebRow("pwa-service-worker", "get", {**dict.fromkeys(PORTAL, 200), "anonymous": 200}),
]


@pytest.fixture
def ctx(actors, client_record, therapist):
    from clients.services.toolkit import ensure_library

    plan = SafetyPlanVersion.objects.create(
        client=client_record,
        number=1,
        content=plan_content("Staying in bed all day"),
        author=SafetyPlanVersion.Author.THERAPIST,
        created_by=therapist,
    )
    library = ensure_library(client_record.practice)
    in_toolkit = library[0]
    ToolkitItem.objects.create(client=client_record, strategy=in_toolkit, added_by=therapist)
    goal = Goal.objects.create(client=client_record, description="Return to work")
    return {
        "actors": actors,
        "client": client_record,
        "plan": plan,
        "strategy": library[1],
        "strategy_in_toolkit": in_toolkit,
        "goal": goal,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_safety_plan_page_authorization(row, ctx):
    run_web_row(row, ctx)


@pytest.mark.django_db
def test_the_plan_shows_its_canary_to_the_care_team_and_the_client(ctx):
    """The plan's text reaches those who may read it, and no other client (the matrix cannot
    carry the canary in the plan: the client is shown their own plan)."""
    SafetyPlanVersion.objects.create(
        client=ctx["client"],
        number=2,
        content=plan_content(f"Staying in bed {PHI_CANARY}"),
        author=SafetyPlanVersion.Author.THERAPIST,
    )
    chart = reverse("client-chart", args=[ctx["client"].pk]) + "?tab=safety"
    for actor in ("therapist", "supervisor"):
        assert PHI_CANARY.encode() in web_as(ctx["actors"][actor]).get(chart).content, actor
    portal = web_as(ctx["actors"]["client_user"])
    assert PHI_CANARY.encode() in portal.get(reverse("portal-safety-plan")).content
    assert PHI_CANARY.encode() in portal.get(reverse("portal-crisis")).content
    other = web_as(ctx["actors"]["other_client_user"])
    assert PHI_CANARY.encode() not in other.get(reverse("portal-crisis")).content


@pytest.mark.django_db
def test_break_glass_admin_reads_the_plan_but_cannot_change_it(ctx):
    SafetyPlanVersion.objects.create(
        client=ctx["client"], number=2, content=plan_content(PHI_CANARY), author=SafetyPlanVersion.Author.THERAPIST
    )
    admin = ctx["actors"]["admin"]
    BreakGlassGrant.objects.create(
        client=ctx["client"],
        granted_to=admin.membership,
        reason="Therapist unreachable",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    browser = web_as(admin)
    page = browser.get(reverse("client-chart", args=[ctx["client"].pk]) + "?tab=safety")
    assert page.status_code == 200 and PHI_CANARY.encode() in page.content
    assert b"Save new version" not in page.content
    assert browser.get(reverse("chart-safety-plan-pdf", args=[ctx["client"].pk])).status_code == 200
    before = SafetyPlanVersion.objects.count()
    response = browser.post(
        reverse("chart-safety-plan", args=[ctx["client"].pk]), {"action": "save", "plan-reasons": "x"}
    )
    # Emergency access is GET-only: a write is not a page for the admin's role at all (as the chart).
    assert response.status_code == 404
    assert SafetyPlanVersion.objects.count() == before


@pytest.mark.django_db
def test_the_service_worker_caches_only_the_crisis_page_and_the_plan(ctx):
    body = web_as(None).get(reverse("pwa-service-worker"))
    assert body["Service-Worker-Allowed"] == "/"
    source = body.content.decode()
    assert 'const PAGES = ["/portal/crisis/", "/portal/safety-plan/"];' in source
    assert "__STYLESHEET__" not in source and PHI_CANARY not in source
    # The only cache writes are through store(); keys are the two pages and the stylesheet.
    assert source.count("cache.put(") == 1


@pytest.mark.django_db
def test_library_strategies_belong_to_the_practice(ctx):
    assert not CopingStrategy.objects.exclude(practice=ctx["client"].practice).exists()
