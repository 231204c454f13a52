"""A client in distress, on their phone, sees their own safety plan first: on the "Help now"
page, in the crisis panel after a risky check-in, and with no network once the portal has
been opened (the service worker keeps the crisis page and the plan, nothing else).

axe-core must find no serious or critical violations on these pages. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.models import SafetyPlanVersion, ToolkitItem, ToolkitUse
from clients.services.toolkit import ensure_library
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PLAN = {
    "warning_signs": ["I stop answering messages", "Staying in bed past noon"],
    "on_my_own": ["Paced breathing for three minutes"],
    "people_places": ["The library reading room"],
    "ask_for_help": [{"name": "Jonas (brother)", "phone": "+1 555 0142"}],
    "professionals": [],
    "safer_surroundings": ["Jonas keeps my spare medication"],
    "reasons": ["My niece and nephew"],
}


@pytest.fixture
def phone_390(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield context, page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-{name}.png"), full_page=True)


def check_accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], (name, [(violation["id"], violation["help"]) for violation in violations])


def test_plan_first_on_the_crisis_page_in_the_panel_and_offline(
    phone_390, live_server, client_user, client_record, therapist
):
    context, page = phone_390
    SafetyPlanVersion.objects.create(
        client=client_record,
        number=1,
        content=PLAN,
        author=SafetyPlanVersion.Author.THERAPIST,
        created_by=therapist,
    )
    strategy = ensure_library(client_record.practice)[0]
    ToolkitItem.objects.create(client=client_record, strategy=strategy, added_by=therapist)
    base = live_server.url

    login(page, live_server, client_user.email, PASSWORD)
    page.wait_for_url(f"{base}/portal/")
    # Opening the portal installs the worker, which keeps the crisis page and the plan.
    page.wait_for_function(
        "caches.open('alliance-help-v1').then(c => c.keys()).then(k => k.length >= 3)", timeout=15_000
    )

    # "Need help now?": the client's own plan is the first thing on the page.
    page.get_by_test_id("crisis-button").click()
    page.wait_for_url(f"{base}/portal/crisis/")
    first_card = page.locator("main .card").first
    assert first_card.get_attribute("data-testid") == "safety-plan"
    assert first_card.get_by_text("I stop answering messages").is_visible()
    call = page.get_by_role("link", name="Jonas (brother)")
    assert call.get_attribute("href") == "tel:+15550142"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_accessible(page, "crisis page")
    shot(page, "crisis-with-plan")

    # The toolkit from the crisis page: one tap is one use.
    page.get_by_test_id("crisis-toolkit").click()
    page.wait_for_url(f"{base}/portal/toolkit/**")
    page.locator(f"#strategy-{strategy.pk}").get_by_role("button", name="I'm doing this now").click()
    page.wait_for_url(f"{base}/portal/toolkit/**")
    assert ToolkitUse.objects.filter(client=client_record).count() == 1
    check_accessible(page, "toolkit")
    shot(page, "toolkit")

    # A risky check-in: the crisis panel opens with the plan above the crisis lines.
    page.goto(f"{base}/portal/check-in/")
    page.locator("label:has(#mood-1)").click()
    page.locator("#id_note").fill("I want to kill myself tonight")
    page.get_by_role("button", name="Save check-in").click()
    panel = page.get_by_test_id("crisis-panel")
    panel.wait_for()
    plan_box = panel.get_by_test_id("safety-plan").bounding_box()
    lines_box = panel.locator(".resource-list").last.bounding_box()
    assert plan_box["y"] < lines_box["y"]
    check_accessible(page, "crisis panel")
    shot(page, "crisis-panel-with-plan")

    # Offline: once the portal has been opened, the crisis page comes from the worker's cache.
    page.goto(f"{base}/portal/crisis/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    kept = page.evaluate(
        "caches.open('alliance-help-v1').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    )
    assert set(kept) <= {"/portal/crisis/", "/portal/safety-plan/", "/static/css/alliance.css"}, kept
    page.reload()  # now controlled by the worker
    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert page.get_by_test_id("safety-plan").get_by_text("I stop answering messages").is_visible()
    shot(page, "crisis-offline")
    # Another portal page offline falls back to the kept crisis page, never to other content.
    page.goto(f"{base}/portal/history/")
    assert page.get_by_role("heading", name="Help now").is_visible()
    context.set_offline(False)

    # Signing out clears what was kept.
    page.goto(f"{base}/portal/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.wait_for_function("caches.keys().then(k => !k.includes('alliance-help-v1'))", timeout=10_000)
