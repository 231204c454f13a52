"""A client on a phone (390 x 844) sees their next video appointment, joins inside the window,
and says "I can't make it" to one inside the late-cancel window, seeing the warning first.

axe-core must find no serious or critical violations on any page of the flow.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from sessions.models import CancellationRequest, Session
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login
from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def check_accessible(page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], (name, [(violation["id"], violation["help"]) for violation in violations])


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def phone_390(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_client_joins_the_next_video_session_and_cancels_one_inside_the_late_window(
    phone_390, live_server, client_user, client_record
):
    now = timezone.now()
    video = SessionFactory(
        client=client_record,
        starts_at=now + dt.timedelta(minutes=10),
        status=Session.Status.SCHEDULED,
        modality=Session.Modality.VIDEO,
        video_room="e2e-room-x7",
    )
    later = SessionFactory(client=client_record, starts_at=now + dt.timedelta(hours=6), status=Session.Status.SCHEDULED)
    page = phone_390
    base = live_server.url
    login(page, live_server, client_user.email, PASSWORD)
    page.wait_for_url(f"{base}/portal/")

    # Home: the next appointment is the video one, and its Join button is live (10 min before).
    next_card = page.get_by_test_id("next-appointment")
    assert next_card.get_by_text("Video").first.is_visible()
    join = next_card.get_by_test_id("join-video")
    assert join.is_visible() and join.get_attribute("href").endswith("/video/e2e-room-x7/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_accessible(page, "portal home")
    shot(page, "e2e-portal-home-next-video-390")

    # Appointments: both upcoming; "I can't make it" on the later one, inside the 24 h window.
    page.get_by_role("link", name="Appointments").first.click()
    page.wait_for_url(f"{base}/portal/appointments/")
    cards = page.get_by_test_id("upcoming-appointment")
    assert cards.count() == 2
    check_accessible(page, "appointments")
    shot(page, "e2e-portal-appointments-390")
    cards.nth(1).get_by_test_id("cant-make-it").click()
    page.wait_for_url(f"{base}/portal/appointments/{later.pk}/cant-make-it/")
    warning = page.get_by_test_id("late-cancel-warning")
    assert warning.is_visible() and "less than 24 hours" in warning.inner_text()
    check_accessible(page, "cancel request")
    shot(page, "e2e-portal-cant-make-it-390")
    page.fill("#id_reason", "A work trip came up")
    page.get_by_test_id("confirm-cant-make-it").click()
    page.wait_for_url(f"{base}/portal/appointments/")
    assert page.get_by_test_id("cancel-requested").is_visible()
    check_accessible(page, "appointments after the request")

    request = CancellationRequest.objects.get(session=later)
    assert request.inside_late_window and request.reason == "A work trip came up"
    later.refresh_from_db()
    video.refresh_from_db()
    assert later.status == Session.Status.SCHEDULED and video.status == Session.Status.SCHEDULED

    # The join link opens the built-in placeholder room (nothing from the internet).
    page.goto(f"{base}/portal/")
    page.get_by_test_id("join-video").first.evaluate("link => link.removeAttribute('target')")
    page.get_by_test_id("join-video").first.click()
    page.wait_for_url(f"{base}/video/e2e-room-x7/")
    assert page.get_by_role("heading", name="Video room").is_visible()
    check_accessible(page, "video room")
