"""The calendar in a real browser (issue 14): a therapist books a weekly series from an empty
slot, reschedules one occurrence, then cancels the rest of the series; axe on every page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from sessions.models import Session, SessionChange, SessionSeries
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-calendar-{name}.png"), full_page=True)


def accessible(page) -> None:
    assert axe_violations(page) == [], page.url


def test_therapist_books_a_series_moves_one_and_cancels_the_rest(desktop, live_server, therapist, client_record):
    page = desktop
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    tuesday = monday + dt.timedelta(days=1)
    login(page, live_server, therapist.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/caseload/")

    # An empty slot next Tuesday at 10:00 opens the booking form with the slot filled in.
    page.goto(f"{live_server.url}/schedule/?view=week&date={monday.isoformat()}")
    accessible(page)
    shot(page, "week-empty")
    page.click(f'a.cal-slot[data-slot="{tuesday.isoformat()}T10:00"]')
    page.wait_for_url("**/schedule/book/**")
    assert page.input_value("#id_new-starts_at") == f"{tuesday.isoformat()}T10:00"
    accessible(page)
    page.select_option("#id_new-client", str(client_record.pk))
    page.select_option("#id_new-repeat", "weekly")
    page.check("#id_new-ends_0")
    page.fill("#id_new-count", "6")
    shot(page, "book")
    page.click("button:has-text('Book')")
    page.wait_for_url("**/schedule/?view=week**")
    assert "6 sessions booked" in page.inner_text(".messages")
    block = page.locator(f'.cal-day[data-date="{tuesday.isoformat()}"] .cal-session')
    assert block.count() == 1 and client_record.full_name in block.inner_text()
    accessible(page)
    shot(page, "week-booked")
    series = SessionSeries.objects.get()
    occurrences = list(series.occurrences.order_by("starts_at"))
    assert len(occurrences) == 6

    # Reschedule only the second occurrence to the Wednesday at 14:00.
    second = occurrences[1]
    page.goto(f"{live_server.url}/schedule/?view=week&date={(monday + dt.timedelta(days=7)).isoformat()}")
    page.click(f'a.cal-session[data-session="{second.pk}"]')
    page.wait_for_url(f"**/schedule/sessions/{second.pk}/")
    accessible(page)
    wednesday = tuesday + dt.timedelta(days=8)
    page.fill("#id_move-starts_at", f"{wednesday.isoformat()}T14:00")
    page.check("#id_move-scope_0")  # only this session
    page.click("button:has-text('Move session')")
    page.wait_for_url(f"**/schedule/sessions/{second.pk}/")
    assert "Moved from" in page.inner_text("#history-heading + ul")
    assert "Changed on its own" in page.inner_text(".session-facts")
    shot(page, "session-moved")
    second.refresh_from_db()
    assert second.starts_at.astimezone(dt.UTC).date() == wednesday and second.series_detached

    # Cancel the third and everything after it: the client is moving away.
    third = occurrences[2]
    page.goto(f"{live_server.url}/schedule/sessions/{third.pk}/")
    page.check("#id_cancel-cancelled_by_0")
    page.fill("#id_cancel-cancellation_reason", "Moving to another city")
    page.check("#id_cancel-scope_1")  # this and all following
    page.click("button:has-text('Cancel session')")
    page.wait_for_url(f"**/schedule/sessions/{third.pk}/")
    assert "4 sessions cancelled" in page.inner_text(".messages")
    accessible(page)
    shot(page, "series-cancelled")
    statuses = list(Session.objects.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["scheduled", "scheduled", "cancelled", "cancelled", "cancelled", "cancelled"]
    reasons = [change.reason for change in SessionChange.objects.filter(kind="status")]  # encrypted: compare here
    assert reasons == ["Moving to another city"] * 4


def test_calendar_pages_on_a_phone(phone, live_server, therapist, client_record):
    from sessions.services.scheduling import session_create

    session_create(client=client_record, actor=therapist, starts_at=timezone.now() + dt.timedelta(hours=2))
    login(phone, live_server, therapist.email, PASSWORD)
    phone.wait_for_url(f"{live_server.url}/caseload/")
    for path, name in (
        ("/schedule/?view=day", "phone-day"),
        ("/schedule/?view=month", "phone-month"),
        ("/schedule/availability/", "phone-availability"),
        ("/schedule/book/", "phone-book"),
    ):
        phone.goto(f"{live_server.url}{path}")
        accessible(phone)
        shot(phone, name)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= phone.viewport_size["width"] + 1, f"{path} scrolls sideways ({width}px)"
    phone.goto(f"{live_server.url}/schedule/?view=day")
    assert client_record.full_name in phone.inner_text(".cal-list")


def test_manager_sees_the_practice_schedule_without_clinical_content(
    browser, live_server, manager, therapist, client_record
):
    from sessions.services.scheduling import session_create

    session_create(client=client_record, actor=therapist, starts_at=timezone.now() + dt.timedelta(hours=2))
    for viewport, name in (
        ({"width": 1440, "height": 900}, "practice-desktop"),
        ({"width": 390, "height": 844}, "practice-phone"),
    ):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        login(page, live_server, manager.email, PASSWORD)
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/schedule/practice/")
        accessible(page)
        shot(page, name)
        text = page.inner_text("main")
        assert "AQ" in text and client_record.last_name not in text
        context.close()
