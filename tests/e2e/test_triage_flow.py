"""The therapist's day, alerts triage and the chart's long lists in a browser (issue 17, items
2, 4 and 7): at 1440x900 and 390x844, axe-core at 0 serious/critical, no console errors, no
sideways scrolling, screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insights.models import AiSuggestion, Alert
from insights.safety import alert_resolve, raise_alert
from sessions.models import CheckIn, HomeworkAssignment, Message
from sessions.selectors_today import practice_zone
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot
from tests.factories import ClientFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = [(1440, 900), (390, 844)]


def _day(therapist, client_record, client_user) -> None:
    practice, now = client_record.practice, timezone.now()
    zone = practice_zone(practice)
    today = now.astimezone(zone).date()
    SessionFactory(
        client=client_record,
        starts_at=dt.datetime.combine(today, dt.time(9), tzinfo=zone),
        status="scheduled",
        modality="video",
        video_room="demo-room",
    )
    AiSuggestion.objects.create(
        client=client_record,
        kind="session_brief",
        payload={"sections": {"checkins": {"count": 4}, "homework": {"completed": [1], "missed": [2]}}},
        method="m",
        version="1",
    )
    other = ClientFactory(
        primary_therapist=therapist.membership,
        practice=practice,
        first_name="Blake",
        last_name="Moss",
        phone="555-0101",
    )
    SessionFactory(client=other, starts_at=dt.datetime.combine(today, dt.time(14), tzinfo=zone), status="scheduled")
    SessionFactory(client=other, starts_at=now - dt.timedelta(days=2), status="attended")  # a note is due
    raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="Risk language in a check-in")
    raise_alert(client=other, kind="measure_flag", severity="concern", reason="PHQ-9 rose by 6")
    done = raise_alert(client=other, kind="phq9_item9", severity="concern", reason="Item 9 answered 1")
    alert_resolve(alert=done, actor=therapist, outcome="contacted_client", note="Called; safe, no plan.")
    Message.objects.create(client=client_record, sender=client_user, from_client=True, body="Running late")
    # A long history: more than a page of timeline and of homework.
    CheckIn.objects.bulk_create(
        [
            CheckIn(client=client_record, mood=index % 11, created_at=now - dt.timedelta(hours=6 * index + 1))
            for index in range(70)
        ]
    )
    HomeworkAssignment.objects.bulk_create(
        [
            HomeworkAssignment(
                client=client_record,
                title=f"Thought record {index}",
                kind="thought_record",
                due_at=now - dt.timedelta(days=index + 1),
                status="completed",
                completed_at=now - dt.timedelta(days=index + 1),
            )
            for index in range(22)
        ]
        + [
            HomeworkAssignment(
                client=client_record, title="Sleep diary", kind="journal", due_at=now + dt.timedelta(days=3)
            )
        ]
    )


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    return errors


def _checked(page, name: str, width: int) -> None:
    assert axe_violations(page) == [], name
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name} scrolls sideways by {overflow}px"
    screenshot(page, name)


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_day_the_alerts_and_the_long_chart_lists(browser, live_server, therapist, client_record, client_user, size):
    _day(therapist, client_record, client_user)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = _watch(page)
    tag = "desktop" if size[0] > 800 else "phone"
    try:
        login(page, live_server, therapist.email, PASSWORD)
        page.wait_for_url(f"{live_server.url}/caseload/")
        page.get_by_test_id("today").wait_for()
        sessions = page.get_by_test_id("today-sessions")
        assert sessions.locator("li").count() == 2
        assert "09:00" in sessions.inner_text() and "Avery Quinn" in sessions.inner_text()
        assert page.get_by_test_id("prep-brief").count() == 1
        assert "4 check-ins" in sessions.inner_text()
        assert "1" in page.get_by_test_id("notes-due").inner_text()
        # The alert's kind in clinician words (practice/labels.py), not "Risk Language".
        assert "Worrying language" in page.get_by_test_id("today-alerts").inner_text()
        assert "1 unread" in page.get_by_test_id("today-unread").inner_text()
        assert "2" in page.get_by_test_id("nav-alerts").inner_text()
        _checked(page, f"dashboard-today-{tag}", size[0])

        # Caseload filter: only clients with unread messages.
        page.get_by_role("checkbox", name="unread messages").check()
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**unread=1**")
        rows = page.locator("table.caseload tbody tr")
        assert rows.count() == 1 and "Quinn" in rows.first.inner_text()

        # Alerts triage: grouped by client, the urgent one first; forms open on demand.
        page.get_by_test_id("nav-alerts").click()
        page.wait_for_url(f"{live_server.url}/alerts/")
        groups = page.get_by_test_id("alert-group")
        assert groups.count() == 2 and "Avery Quinn" in groups.first.inner_text()
        assert not page.get_by_role("button", name="Resolve", exact=True).first.is_visible()
        _checked(page, f"alerts-triage-{tag}", size[0])
        first = groups.nth(1)
        first.get_by_test_id("open-resolve").click()
        first.get_by_label("Outcome").select_option("contacted_client")
        first.get_by_label("What was done").fill("Called Blake; agreed to review at the next session.")
        _checked(page, f"alerts-resolve-open-{tag}", size[0])
        first.get_by_role("button", name="Resolve", exact=True).click()
        page.get_by_text("Alert resolved.").wait_for()
        assert Alert.objects.filter(status="resolved").count() == 2
        assert "1" in page.get_by_test_id("nav-alerts").inner_text()

        page.get_by_test_id("alerts-resolved-tab").click()
        history = page.get_by_test_id("resolved-alerts")
        history.wait_for()
        assert "Called Blake" in history.inner_text() and "Called; safe, no plan." in history.inner_text()
        _checked(page, f"alerts-resolved-{tag}", size[0])

        # The chart's timeline: paginated and filtered.
        page.goto(f"{live_server.url}/clients/{client_record.pk}/?tab=overview")
        timeline = page.get_by_test_id("timeline")
        assert timeline.locator("li").count() == 50
        _checked(page, f"chart-timeline-{tag}", size[0])
        page.get_by_role("link", name="Next page").click()
        page.wait_for_url("**page=2**")
        assert page.get_by_test_id("timeline").locator("li").count() > 0
        page.locator("#timeline-kind").select_option("checkin")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url("**kind=checkin**")
        assert "Session" not in page.get_by_test_id("timeline").inner_text()

        # The Homework tab: open first, past collapsed, paginated.
        page.goto(f"{live_server.url}/clients/{client_record.pk}/?tab=homework")
        assert page.get_by_test_id("past-assignment").count() == 19  # 20 a page, one open
        assert (
            not page.get_by_text("Leave feedback").first.is_visible() or page.locator("article.homework").count() == 1
        )
        _checked(page, f"chart-homework-{tag}", size[0])
        page.get_by_test_id("past-assignment").first.locator("summary").click()
        page.get_by_role("link", name="Next page").click()
        page.wait_for_url("**page=2**")
        assert page.get_by_test_id("past-assignment").count() == 3
        assert errors == []
    finally:
        context.close()
