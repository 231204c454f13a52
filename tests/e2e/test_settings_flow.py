"""An admin moves the practice to the UK and a client's crisis page follows; the admin then
filters the audit log and downloads it as CSV; error pages keep the site's look."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from practice.models import AuditEvent, Practice
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "alliance-demo-2026"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_admin_sets_the_country_to_uk_and_the_client_sees_samaritans(browser, desktop, live_server):
    call_command("seed_demo", clients=4, seed=5, stdout=io.StringIO())
    login(desktop, live_server, "admin@northside.example", PASSWORD)
    desktop.click("nav >> text=Settings")
    desktop.wait_for_url("**/settings/")
    assert "988 Suicide & Crisis Lifeline" in desktop.inner_text("[data-testid=crisis-preview]")
    assert axe_violations(desktop) == []
    shot(desktop, "settings-desktop")

    desktop.select_option("#id_country", "GB")
    desktop.select_option("#id_time_zone", "Europe/London")
    desktop.select_option("#id_locale", "en-GB")
    desktop.click("button:has-text('Save settings')")
    desktop.wait_for_selector("text=Clients now see the crisis lines for United Kingdom")
    preview = desktop.inner_text("[data-testid=crisis-preview]")
    assert "Samaritans" in preview and "988" not in preview
    assert Practice.objects.get(slug="northside").country == "GB"

    desktop.click("a:has-text('Edit crisis lines')")
    desktop.wait_for_url("**/settings/crisis-lines/")
    assert axe_violations(desktop) == []
    shot(desktop, "crisis-lines-desktop")

    # A client of the practice, on a phone: the "Need help now?" page shows the UK lines.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    client_page = phone.new_page()
    try:
        login(client_page, live_server, "client01@northside.example", PASSWORD)
        client_page.click("[data-testid=crisis-button]")
        client_page.wait_for_url("**/portal/crisis/")
        text = client_page.inner_text("main")
        assert "Samaritans" in text and "116 123" in text and "999" in text
        assert "988" not in text and "911" not in text
        assert client_page.locator("a[href='tel:116123']").count() == 1
        assert axe_violations(client_page) == []
        shot(client_page, "portal-crisis-uk-phone")
    finally:
        phone.close()


def test_admin_filters_the_audit_log_and_downloads_csv(desktop, live_server):
    call_command("seed_demo", clients=4, seed=5, stdout=io.StringIO())
    login(desktop, live_server, "admin@northside.example", PASSWORD)
    desktop.click("nav >> text=Audit log")
    desktop.wait_for_url("**/audit/")
    assert desktop.locator(".audit-table tbody tr").count() == 50  # the first page of a month
    assert axe_violations(desktop) == []

    desktop.select_option("#audit-action", "sign")
    desktop.select_option("#audit-actor", "rivera@northside.example")
    desktop.click("button:has-text('Filter')")
    desktop.wait_for_url("**action=sign**")
    rows = desktop.locator(".audit-table tbody tr")
    assert rows.count() >= 1
    assert all("sign" in rows.nth(index).inner_text() for index in range(rows.count()))
    assert axe_violations(desktop) == []
    shot(desktop, "audit-log-desktop")

    with desktop.expect_download() as download_info:
        desktop.click("[data-testid=audit-export]")
    content = Path(download_info.value.path()).read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(content)))
    signed = [row for row in exported if row["action"] == "sign"]
    assert signed and len(signed) == len(exported) == rows.count()
    assert all(row["actor"] == "rivera@northside.example" for row in signed)
    assert AuditEvent.objects.filter(action="export", target_type="practice.auditevent").exists()
    assert "T" in signed[0]["timestamp"] and "+00:00" in signed[0]["timestamp"]


def test_error_pages_keep_the_navigation_and_a_way_home(desktop, live_server):
    call_command("seed_demo", clients=2, seed=5, stdout=io.StringIO())
    login(desktop, live_server, "rivera@northside.example", PASSWORD)
    response = desktop.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert desktop.is_visible("nav >> text=Caseload")
    assert axe_violations(desktop) == []
    shot(desktop, "error-404-desktop")
    desktop.click("a:has-text('Go to your home page')")
    desktop.wait_for_url("**/caseload/**")
