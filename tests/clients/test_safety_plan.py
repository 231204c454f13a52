"""The client's plan between sessions (issue 15): safety plan versions and review, closing the
alert loop, the crisis page and panel, toolkit taps, the agenda in the brief and the
since-last-session panel, goals in plain words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import AgendaEntry, Goal, Objective, SafetyPlanVersion, ToolkitItem, ToolkitUse
from clients.selectors_between import (
    clients_with_urgent_alert_and_no_plan,
    mood_after_use,
    plan_followups,
    toolkit_usage_counts,
)
from clients.services.safety_plan import safety_plan_mark_reviewed, safety_plan_save
from clients.services.toolkit import agenda_add, ensure_library, toolkit_use_record
from insights.models import Alert
from insights.safety import alert_resolve
from practice.audit import AuditAction
from practice.errors import Conflict, DomainError, Forbidden
from practice.models import AuditEvent
from sessions.models import Session
from sessions.services.homework import InvalidInput
from tests.conftest import web_as
from tests.factories import SessionFactory

URGENT = "I want to kill myself tonight"
PLAN = {
    "warning_signs": ["Not answering messages", "Staying in bed past noon"],
    "on_my_own": ["Paced breathing"],
    "people_places": ["The library"],
    "ask_for_help": [{"name": "Jonas", "phone": "+1 555 0142"}],
    "professionals": [{"name": "Dr Haddad", "phone": "+1 555 0110"}],
    "safer_surroundings": ["Jonas keeps my spare medication"],
    "reasons": ["My niece and nephew"],
}


def urgent_alert(client, *, when=None) -> Alert:
    when = when or timezone.now()
    return Alert.objects.create(
        client=client,
        kind=Alert.Kind.RISK_LANGUAGE,
        severity=Alert.Severity.URGENT,
        reason="Risk language",
        created_at=when,
        acknowledge_by=when + dt.timedelta(hours=1),
    )


# ---------------------------------------------------------------------------
# Versioning and review


@pytest.mark.django_db
def test_every_save_is_a_new_immutable_version_with_its_author(client_record, therapist, client_user):
    first, _ = safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    second, _ = safety_plan_save(
        client=client_record, actor=client_user, content={**PLAN, "reasons": ["My niece and nephew", "My cat"]}
    )
    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.content["reasons"] == ["My niece and nephew"]  # unchanged by the later save
    assert first.author == SafetyPlanVersion.Author.THERAPIST and first.created_by == therapist
    assert second.author == SafetyPlanVersion.Author.CLIENT and second.created_by == client_user
    assert second.reviewed_at is None
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clients.safetyplanversion").count() == 2


@pytest.mark.django_db
def test_an_unchanged_plan_makes_no_new_version(client_record, therapist):
    safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    with pytest.raises(DomainError, match="Nothing has changed"):
        safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    assert SafetyPlanVersion.objects.filter(client=client_record).count() == 1


@pytest.mark.django_db
def test_invalid_phone_and_empty_plan_are_refused(client_record, therapist):
    with pytest.raises(InvalidInput) as invalid:
        safety_plan_save(
            client=client_record,
            actor=therapist,
            content={**PLAN, "ask_for_help": [{"name": "Jo", "phone": "call me"}]},
        )
    assert "ask_for_help" in invalid.value.errors
    with pytest.raises(InvalidInput) as empty:
        safety_plan_save(client=client_record, actor=therapist, content={})
    assert "non_field_errors" in empty.value.errors
    assert not SafetyPlanVersion.objects.exists()


@pytest.mark.django_db
def test_only_the_treating_therapist_writes_or_reviews(client_record, therapist, supervisor, colleague):
    version, _ = safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    for other in (supervisor, colleague):
        with pytest.raises(Forbidden):
            safety_plan_save(client=client_record, actor=other, content={**PLAN, "reasons": ["x"]})
        with pytest.raises(Forbidden):
            safety_plan_mark_reviewed(version=version, actor=other)
    reviewed = safety_plan_mark_reviewed(version=version, actor=therapist)
    assert reviewed.reviewed_by == therapist and reviewed.reviewed_at is not None
    with pytest.raises(Conflict):
        safety_plan_mark_reviewed(version=version, actor=therapist)


@pytest.mark.django_db
def test_a_clients_draft_is_screened_and_only_new_lines_raise_an_alert(client_record, therapist, client_user):
    safety_plan_save(client=client_record, actor=therapist, content={**PLAN, "warning_signs": [URGENT]})
    assert not Alert.objects.exists()  # written with the therapist, in session
    _version, outcome = safety_plan_save(
        client=client_record, actor=client_user, content={**PLAN, "warning_signs": [URGENT, "Not eating"]}
    )
    assert not outcome.flagged  # the risky line was already in the plan
    _version, outcome = safety_plan_save(
        client=client_record,
        actor=client_user,
        content={**PLAN, "warning_signs": [URGENT, "Not eating"], "reasons": ["Honestly I want to end my life"]},
    )
    assert outcome.flagged and outcome.crisis_resources
    alert = Alert.objects.get()
    assert alert.source_type == "safety_plan" and alert.severity == Alert.Severity.URGENT


@pytest.mark.django_db
def test_chart_saves_and_marks_reviewed_in_one_go(client_record, therapist):
    response = web_as(therapist).post(
        reverse("chart-safety-plan", args=[client_record.pk]),
        {
            "action": "save",
            "plan-warning_signs": "Not sleeping\n\nCancelling plans ",
            "plan-ask_for_help-name-0": "Jonas",
            "plan-ask_for_help-phone-0": "+1 555 0142",
            "reviewed": "yes",
        },
    )
    assert response.status_code == 302
    version = SafetyPlanVersion.objects.get(client=client_record)
    assert version.content["warning_signs"] == ["Not sleeping", "Cancelling plans"]
    assert version.content["ask_for_help"] == [{"name": "Jonas", "phone": "+1 555 0142"}]
    assert version.reviewed_by == therapist
    page = web_as(therapist).get(reverse("client-chart", args=[client_record.pk]) + "?tab=safety")
    assert b'href="tel:+15550142"' in page.content


@pytest.mark.django_db
def test_the_chart_shows_an_earlier_version_and_records_the_read(client_record, therapist):
    safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    safety_plan_save(client=client_record, actor=therapist, content={**PLAN, "reasons": ["Spring"]})
    url = reverse("client-chart", args=[client_record.pk]) + "?tab=safety&version=1"
    page = web_as(therapist).get(url)
    assert b"My niece and nephew" in page.content and b"earlier version" in page.content
    assert AuditEvent.objects.filter(action=AuditAction.READ, target_type="clients.safetyplanversion").exists()


@pytest.mark.django_db
def test_pdf_is_one_page(client_record, therapist, client_user):
    safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    response = web_as(client_user).get(reverse("portal-safety-plan-pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response.content.count(b"/Type /Page\n") <= 1
    assert b"/Count 1" in response.content


# ---------------------------------------------------------------------------
# Closing the loop


@pytest.mark.django_db
def test_resolving_as_safety_plan_reviewed_links_the_version(client_record, therapist):
    version, _ = safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    alert = urgent_alert(client_record)
    resolved = alert_resolve(
        alert=alert, actor=therapist, outcome=Alert.Outcome.SAFETY_PLAN_REVIEWED, note="Went through it by phone."
    )
    resolved.refresh_from_db()
    version.refresh_from_db()
    assert resolved.reviewed_plan_version == version
    assert version.reviewed_by == therapist  # resolving says it was gone through with the client


@pytest.mark.django_db
def test_resolving_as_safety_plan_reviewed_without_a_plan_is_refused(client_record, therapist):
    alert = urgent_alert(client_record)
    with pytest.raises(DomainError, match="no safety plan"):
        alert_resolve(alert=alert, actor=therapist, outcome=Alert.Outcome.SAFETY_PLAN_REVIEWED, note="Phoned.")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN and alert.reviewed_plan_version is None


@pytest.mark.django_db
def test_alerts_page_resolution_links_the_version(client_record, therapist):
    version, _ = safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    alert = urgent_alert(client_record)
    response = web_as(therapist).post(
        reverse("alerts"),
        {
            "alert": alert.pk,
            "action": "resolve",
            f"resolve-{alert.pk}-outcome": "safety_plan_reviewed",
            f"resolve-{alert.pk}-note": "Reviewed together.",
        },
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.reviewed_plan_version_id == version.pk


@pytest.mark.django_db
def test_follow_up_task_stays_until_a_version_is_reviewed_after_the_alert(client_record, therapist):
    version, _ = safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    safety_plan_mark_reviewed(version=version, actor=therapist)
    assert plan_followups(user=therapist) == []
    urgent_alert(client_record, when=timezone.now() + dt.timedelta(seconds=1))
    tasks = plan_followups(user=therapist)
    assert [task.client for task in tasks] == [client_record] and tasks[0].has_plan
    page = web_as(therapist).get(reverse("dashboard"))
    assert f"Review the safety plan with {client_record.first_name}".encode() in page.content
    newer, _ = safety_plan_save(client=client_record, actor=therapist, content={**PLAN, "reasons": ["Spring"]})
    assert plan_followups(user=therapist)  # a new version alone is not a review
    newer.reviewed_at = timezone.now() + dt.timedelta(seconds=5)
    newer.save()
    assert plan_followups(user=therapist) == []


@pytest.mark.django_db
def test_urgent_alert_without_a_plan_is_flagged_on_the_caseload(client_record, other_client_record, therapist):
    urgent_alert(client_record)
    assert clients_with_urgent_alert_and_no_plan(client_ids=[client_record.pk, other_client_record.pk]) == {
        client_record.pk
    }
    page = web_as(therapist).get(reverse("dashboard"))
    assert b'data-testid="no-safety-plan"' in page.content
    safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    assert clients_with_urgent_alert_and_no_plan(client_ids=[client_record.pk]) == set()


# ---------------------------------------------------------------------------
# The plan first wherever the client may be in crisis


@pytest.mark.django_db
def test_crisis_page_shows_the_plan_above_the_practice_resources(client_record, therapist, client_user):
    safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    html = web_as(client_user).get(reverse("portal-crisis")).content.decode()
    assert 'data-testid="safety-plan"' in html
    assert html.index("Not answering messages") < html.index("If you are in danger")
    assert 'href="tel:+15550142"' in html


@pytest.mark.django_db
def test_crisis_panel_after_a_risky_check_in_shows_the_plan_first(client_record, therapist, client_user):
    safety_plan_save(client=client_record, actor=therapist, content=PLAN)
    response = web_as(client_user).post(reverse("portal-checkin"), {"mood": "1", "note": URGENT})
    html = response.content.decode()
    assert 'data-testid="crisis-panel"' in html
    panel = html[html.index('data-testid="crisis-panel"') :]
    assert panel.index("Not answering messages") < panel.index("If you might act on these thoughts")


# ---------------------------------------------------------------------------
# Toolkit


@pytest.fixture
def toolkit(client_record, therapist):
    library = ensure_library(client_record.practice)
    ToolkitItem.objects.create(client=client_record, strategy=library[0], added_by=therapist)
    return library[0]


@pytest.mark.django_db
def test_each_tap_is_one_use_and_a_resent_request_is_not_another(client_record, client_user, toolkit):
    assert toolkit_use_record(client=client_record, actor=client_user, strategy_id=toolkit.pk, request_key="a" * 32)
    assert not toolkit_use_record(client=client_record, actor=client_user, strategy_id=toolkit.pk, request_key="a" * 32)
    assert toolkit_use_record(client=client_record, actor=client_user, strategy_id=toolkit.pk, request_key="b" * 32)
    assert ToolkitUse.objects.filter(client=client_record).count() == 2
    assert toolkit_usage_counts([client_record.pk]) == {client_record.pk: 2}


@pytest.mark.django_db
def test_portal_tap_posts_count_once_per_form(client_record, client_user, toolkit, therapist):
    browser = web_as(client_user)
    page = browser.get(reverse("portal-toolkit"))
    key = page.content.decode().split('name="request_key" value="')[1].split('"')[0]
    for _ in range(2):  # the same form sent twice
        assert browser.post(reverse("portal-toolkit"), {"strategy": toolkit.pk, "request_key": key}).status_code == 302
    assert ToolkitUse.objects.count() == 1
    engagement = web_as(therapist).get(reverse("client-chart", args=[client_record.pk]) + "?tab=engagement")
    assert b"Coping toolkit uses, last 30 days" in engagement.content


@pytest.mark.django_db
def test_a_strategy_not_in_the_toolkit_cannot_be_tapped(client_record, client_user):
    library = ensure_library(client_record.practice)
    response = web_as(client_user).post(reverse("portal-toolkit"), {"strategy": library[0].pk, "request_key": "k"})
    assert response.status_code == 404
    assert not ToolkitUse.objects.exists()


def test_mood_after_use_compares_the_next_check_in_with_the_others():
    start = timezone.now()
    uses = [start, start + dt.timedelta(days=3)]
    checkins = [
        (start + dt.timedelta(hours=5), 7),  # next after the first use
        (start + dt.timedelta(hours=9), 3),  # not the next one
        (start + dt.timedelta(days=6), 2),  # next after the second use, but 3 days later
    ]
    observation = mood_after_use(uses, checkins)
    assert (observation.after_use_n, observation.after_use_mean) == (1, 7.0)
    assert (observation.other_n, observation.other_mean) == (2, 2.5)
    assert not observation.enough


# ---------------------------------------------------------------------------
# Agenda and goals


@pytest.mark.django_db
def test_agenda_is_screened_and_reaches_the_brief_and_since_panel_verbatim(client_record, therapist, client_user):
    from clients.models import Consent
    from insights.ai.brief import compute_brief
    from insights.ai.services import brief_refresh
    from sessions.selectors import since_last_session

    SessionFactory(
        client=client_record,
        therapist=therapist.membership,
        status=Session.Status.ATTENDED,
        starts_at=timezone.now() - dt.timedelta(days=7),
    )
    text = "I want to talk about my brother — and why I froze."
    entry, outcome = agenda_add(client=client_record, actor=client_user, talk_about=text, helped="Walking  twice")
    assert not outcome.flagged
    _risky, risky_outcome = agenda_add(client=client_record, actor=client_user, talk_about=URGENT, helped="")
    assert risky_outcome.flagged and Alert.objects.get().source_type == "agenda"

    brief = compute_brief(client_record, encoder=None)
    assert [item["id"] for item in brief.sections["agenda"]] == [entry.pk, _risky.pk]
    assert "talk_about" not in str(brief.payload())  # only ids are stored
    panel = since_last_session(client=client_record, actor=therapist)
    assert panel.agenda[0].talk_about == text and panel.agenda[0].helped == "Walking  twice"

    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    brief_refresh(client=client_record, actor=therapist)
    ai_tab = web_as(therapist).get(reverse("client-chart", args=[client_record.pk]) + "?tab=ai").content.decode()
    assert "I want to talk about my brother — and why I froze." in ai_tab
    assert f"#agenda-{entry.pk}" in ai_tab


@pytest.mark.django_db
def test_agenda_needs_some_text_and_a_risky_refusal_still_alerts(client_record, client_user):
    with pytest.raises(InvalidInput):
        agenda_add(client=client_record, actor=client_user, talk_about=" ", helped="")
    with pytest.raises(InvalidInput) as invalid:
        agenda_add(client=client_record, actor=client_user, talk_about=URGENT, helped="x" * 3000)
    assert invalid.value.screening.flagged
    assert not AgendaEntry.objects.exists() and Alert.objects.count() == 1


@pytest.mark.django_db
def test_portal_agenda_post_with_risk_shows_the_crisis_panel(client_record, client_user):
    response = web_as(client_user).post(reverse("portal-agenda"), {"talk_about": URGENT})
    assert response.status_code == 200 and b'data-testid="crisis-panel"' in response.content


@pytest.mark.django_db
def test_goals_show_only_what_the_therapist_worded_and_shared(client_record, therapist, client_user):
    goal = Goal.objects.create(client=client_record, description="Reduce PHQ-9 below 10", status=Goal.Status.ACTIVE)
    Objective.objects.create(goal=goal, description="Behavioural activation 3x/week")
    hidden = Goal.objects.create(client=client_record, description="Clinical wording only")
    browser = web_as(therapist)
    browser.post(
        reverse("chart-shared-wording", args=[client_record.pk]),
        {"kind": "goal", "target": goal.pk, "client_wording": "Feel like myself again", "share_progress": "on"},
    )
    page = web_as(client_user).get(reverse("portal-goals")).content.decode()
    assert "Feel like myself again" in page and "Working on it" in page
    assert "Reduce PHQ-9" not in page and hidden.description not in page
    assert "Behavioural activation" not in page


@pytest.mark.django_db
def test_a_new_practice_has_the_coping_library():
    from clients.models import CopingStrategy
    from practice.services import practice_create

    practice = practice_create(name="Eastside", slug="eastside")
    titles = set(CopingStrategy.objects.filter(practice=practice, client__isnull=True).values_list("kind", flat=True))
    assert {"grounding", "breathing", "activation", "soothing"} <= titles
