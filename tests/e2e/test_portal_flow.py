"""A client on a phone does a thought record and a check-in; their therapist sees the work.

axe-core must find no serious or critical violations on any portal page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from clients.models import DueQuestionnaire
from clients.services.records import portal_invite_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot
from tests.factories import HomeworkAssignmentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SITUATION = "Team meeting ran late and my manager frowned"


def check_accessible(page, name: str) -> None:
    violations = axe_violations(page)
    print(f"axe {name}: {len(violations)} serious/critical violations")
    assert violations == [], [(violation["id"], violation["help"]) for violation in violations]


def fits_phone_width(page) -> bool:
    # Nothing may force sideways scrolling at 360 px.
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def phone_screenshot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def chart_page_exists(client_id: int) -> bool:
    try:
        resolve(f"/clients/{client_id}/")
    except Resolver404:
        return False
    return True


def test_client_completes_homework_and_checks_in_on_a_phone(
    phone, desktop, live_server, client_user, client_record, therapist, other_client_record
):
    assignment = HomeworkAssignmentFactory(client=client_record, kind="thought_record", title="Thought record")
    base = live_server.url
    phone.set_default_timeout(10_000)
    desktop.set_default_timeout(10_000)

    login(phone, live_server, client_user.email, PASSWORD)
    phone.wait_for_url(f"{base}/portal/")
    assert phone.get_by_role("heading", name="How are you feeling today?").is_visible()
    assert phone.get_by_test_id("crisis-button").is_visible()
    assert fits_phone_width(phone)
    check_accessible(phone, "home")
    phone_screenshot(phone, "portal-home")

    # The thought record: fill the required answers, pick the intensity from the row of buttons.
    phone.get_by_role("link", name="Thought record").click()
    phone.wait_for_url(f"{base}/portal/homework/{assignment.pk}/")
    check_accessible(phone, "homework form")
    phone.get_by_label("Situation").fill(SITUATION)
    phone.get_by_label("Automatic thought").fill("Everyone thinks I'm useless")
    phone.locator("#field-emotion").fill("anxious")
    phone.locator("fieldset", has_text="How strong was the emotion?").get_by_text("70", exact=True).click()
    phone.get_by_label("Balanced or alternative thought").fill("The meeting was long; the frown may not be about me")
    assert fits_phone_width(phone)
    phone_screenshot(phone, "portal-homework")
    phone.get_by_role("button", name="Submit").click()
    phone.wait_for_url(f"{base}/portal/")
    assert phone.get_by_text("Your homework was sent to your therapist").is_visible()

    # The check-in: mood in one tap, a feeling, a note.
    phone.get_by_role("link", name="Check in", exact=True).first.click()
    phone.wait_for_url(f"{base}/portal/check-in/")
    check_accessible(phone, "check-in")
    phone.locator(".mood-scale label", has_text="7").click()
    phone.locator(".chips label", has_text="Hopeful").click()
    phone.get_by_label("Anything you'd like to add?").fill("Went for a walk after work")
    assert fits_phone_width(phone)
    phone_screenshot(phone, "portal-checkin")
    phone.get_by_role("button", name="Save check-in").click()
    phone.wait_for_url(f"{base}/portal/")
    assert phone.get_by_text("Thanks for checking in.").is_visible()

    # The crisis button is on every page and leads to tap-to-call help.
    phone.get_by_test_id("crisis-button").click()
    phone.wait_for_url(f"{base}/portal/crisis/")
    assert phone.locator("a.resource[href^='tel:']").first.is_visible()
    box = phone.locator("a.resource").first.bounding_box()
    assert box is not None and box["height"] >= 44
    check_accessible(phone, "crisis")
    phone_screenshot(phone, "portal-crisis")

    # A check-in that signals risk shows help at once, in an alert.
    phone.goto(f"{base}/portal/check-in/")
    phone.locator(".mood-scale label", has_text="2").click()
    phone.get_by_label("Anything you'd like to add?").fill("I want to kill myself")
    phone.get_by_role("button", name="Save check-in").click()
    panel = phone.get_by_role("alert").filter(has_text="We have let your therapist know")
    assert panel.is_visible()
    check_accessible(phone, "check-in with crisis panel")

    questionnaire = DueQuestionnaire.objects.create(
        client=client_record, instrument="gad7", due_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(days=3)
    )
    phone.goto(f"{base}/portal/questionnaires/")
    check_accessible(phone, "questionnaires")
    phone.goto(f"{base}/portal/questionnaires/{questionnaire.pk}/")
    check_accessible(phone, "questionnaire form")

    phone.goto(f"{base}/portal/history/")
    # On a phone the narrow drawing is shown, the wide one hidden, and no chart text is
    # scaled below 12 px (font-size in SVG units x the drawing's scale on screen).
    assert phone.locator(".chart-narrow svg.chart").first.is_visible()
    assert not phone.locator(".chart-wide svg.chart").first.is_visible()
    smallest = phone.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.chart, svg.sparkline')]
            .filter(svg => svg.getBoundingClientRect().width > 0)
            .flatMap(svg => [...svg.querySelectorAll('text')].map(
                text => svg.getScreenCTM().a * parseFloat(text.getAttribute('font-size')))))"""
    )
    assert smallest >= 12
    check_accessible(phone, "history")
    phone.goto(f"{base}/portal/settings/")
    check_accessible(phone, "settings")
    phone.goto(f"{base}/portal/messages/")
    check_accessible(phone, "messages")

    # Accepting an invite is done signed out, by a new client.
    phone.get_by_role("button", name="Sign out").click()
    _invite, raw = portal_invite_create(client=other_client_record, actor=therapist)
    phone.goto(f"{base}/portal/accept-invite/?token={raw}")
    assert phone.get_by_label("Choose a password").is_visible()
    assert fits_phone_width(phone)
    check_accessible(phone, "accept-invite")

    # The therapist sees the finished thought record.
    login(desktop, live_server, therapist.email, PASSWORD)
    desktop.wait_for_url(f"{base}/caseload/")
    if chart_page_exists(client_record.pk):
        desktop.goto(f"{base}/clients/{client_record.pk}/?tab=homework")
        # Finished assignments are collapsed under "Past assignments": open this one.
        finished = desktop.locator("details.homework.past").filter(has_text=SITUATION).first
        finished.locator("summary").first.click()
        submissions = finished.locator("details")
        for index in range(submissions.count()):
            if submissions.nth(index).get_attribute("open") is None:
                submissions.nth(index).locator("summary").click()
        assert finished.get_by_text(SITUATION).first.is_visible()
    else:
        response = desktop.request.get(f"{base}/api/v1/clients/{client_record.pk}/homework/")
        assert response.status == 200
        rows = {row["id"]: row for row in response.json()["results"]}
        assert rows[assignment.pk]["status"] == "completed"
        assert rows[assignment.pk]["latest_submission"]["responses"]["situation"] == SITUATION
