"""A manager opens the practice report, changes the range and downloads the CSV."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import Client
from tests.e2e.conftest import axe_violations, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_changes_the_range_and_downloads_the_csv(desktop, live_server):
    call_command("seed_demo", clients=12, seed=5, stdout=io.StringIO())
    names = [client.full_name for client in Client.objects.all()]
    login(desktop, live_server, "manager@northside.example", "alliance-demo-2026")
    desktop.goto(f"{live_server.url}/reports/")
    assert "Practice report" in desktop.content() or "report" in desktop.title().lower()
    assert axe_violations(desktop) == []

    start = (timezone.localdate() - dt.timedelta(days=180)).replace(day=1)
    desktop.fill("#report-start", start.isoformat())
    desktop.click("button:has-text('Show report')")
    desktop.wait_for_url(f"**/reports/?*start={start.isoformat()}*")
    page_text = desktop.inner_text("main")
    assert start.strftime("%Y") in page_text
    for name in names:
        assert name not in page_text  # aggregates only: no client appears anywhere
    screenshot(desktop, "reports")

    with desktop.expect_download() as download_info:
        desktop.click("text=Download CSV")
    content = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "attendance" in content.lower() and start.isoformat() in content
    for name in names:
        assert name not in content
