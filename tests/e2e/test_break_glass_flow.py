"""An admin opens emergency access from the roster, reads the chart read-only, and ends it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clients.models import BreakGlassGrant, Client
from tests.e2e.conftest import axe_violations, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_breaks_the_glass_and_ends_it(desktop, live_server):
    call_command("seed_demo", clients=6, seed=5, stdout=io.StringIO())
    client = Client.objects.order_by("last_name", "first_name", "id").first()
    login(desktop, live_server, "admin@northside.example", "alliance-demo-2026")
    desktop.goto(f"{live_server.url}/roster/")
    desktop.click(f"a[href='/clients/{client.pk}/break-glass/']")
    assert axe_violations(desktop) == []

    desktop.fill("#id_reason", "Family called about a safety concern; therapist unreachable.")
    desktop.fill("#id_password", "alliance-demo-2026")
    desktop.click("button:has-text('Open emergency access')")
    desktop.wait_for_url(f"**/clients/{client.pk}/")
    assert desktop.is_visible("[data-testid=break-glass-banner]")
    assert client.last_name in desktop.inner_text("h1")
    screenshot(desktop, "break-glass-chart", full_page=False)
    assert axe_violations(desktop) == []
    desktop.click("a:has-text('DAP note') >> nth=0")  # the timeline leads to the notes, not the editor
    desktop.wait_for_url("**?tab=documents")
    assert desktop.locator("details").count() >= 1

    desktop.click("a:has-text('End it when you are done')")
    desktop.click("button:has-text('End now')")
    desktop.wait_for_selector("text=Emergency access ended.")
    assert axe_violations(desktop) == []
    assert not BreakGlassGrant.objects.active().exists()
    response = desktop.goto(f"{live_server.url}/clients/{client.pk}/")
    assert response.status == 404
