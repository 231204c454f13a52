"""Kiosk mode: the therapist hands the device over; the client sees only the questionnaire,
nothing else answers, and only the therapist's password leads back to the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.models import Assessment
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_kiosk_shows_only_the_questionnaire_and_leaves_with_the_password(
    desktop, live_server, therapist, client_record
):
    login(desktop, live_server, therapist.email, PASSWORD)
    chart = f"{live_server.url}/clients/{client_record.pk}/?tab=measures"
    desktop.goto(chart)
    assert axe_violations(desktop) == []
    desktop.select_option("#kiosk-instrument", "gad7")
    desktop.click("[data-testid=kiosk-start]")
    desktop.wait_for_url("**/kiosk/")
    shot(desktop, "kiosk-questionnaire")
    assert axe_violations(desktop) == []
    assert desktop.locator("nav").count() == 0
    assert client_record.last_name not in desktop.content()

    # Nothing else answers: the chart, the caseload and the API all lead back or refuse.
    for path in (f"/clients/{client_record.pk}/", "/caseload/", "/alerts/", "/accounts/logout/"):
        desktop.goto(f"{live_server.url}{path}")
        assert desktop.url == f"{live_server.url}/kiosk/", path
    api = desktop.goto(f"{live_server.url}/api/v1/clients/")
    assert api.status == 403
    desktop.goto(f"{live_server.url}/kiosk/")

    for item in range(1, 8):
        desktop.click(f"label[for=item{item}-1]")
    desktop.click("button:has-text('Send my answers')")
    desktop.wait_for_selector("[data-testid=kiosk-done]")
    assert axe_violations(desktop) == []
    assert Assessment.objects.get(client=client_record).source == "kiosk"

    desktop.click("[data-testid=kiosk-exit-link]")
    desktop.wait_for_url("**/kiosk/exit/")
    assert axe_violations(desktop) == []
    desktop.fill("#id_password", "not the password")
    desktop.click("button:has-text('Back to the record')")
    desktop.wait_for_selector("text=Your password is not correct.")
    desktop.goto(f"{live_server.url}/clients/{client_record.pk}/")
    assert desktop.url == f"{live_server.url}/kiosk/"

    desktop.goto(f"{live_server.url}/kiosk/exit/")
    desktop.fill("#id_password", PASSWORD)
    desktop.click("button:has-text('Back to the record')")
    desktop.wait_for_url("**?tab=measures")
    assert desktop.locator("text=Kiosk mode ended.").count() == 1
    shot(desktop, "kiosk-after-exit")
