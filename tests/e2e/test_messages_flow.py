"""A client writes from the portal; the therapist sees the badge, reads and replies; the client
sees the reply and that their message was read."""

from __future__ import annotations

import pytest

from sessions.models import Message
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_client_and_therapist_exchange_messages(desktop, phone, live_server, therapist, client_record, client_user):
    login(phone, live_server, client_user.email, PASSWORD)
    phone.goto(f"{live_server.url}/portal/messages/")
    phone.fill("#id_body", "Could we move Tuesday's session to 4pm?")
    phone.click("button:has-text('Send')")
    phone.get_by_text("Your message was sent.").wait_for()

    login(desktop, live_server, therapist.email, PASSWORD)
    desktop.wait_for_url(f"{live_server.url}/caseload/")
    desktop.get_by_test_id("unread-messages").click()
    desktop.get_by_text("Could we move Tuesday's session to 4pm?").wait_for()
    assert axe_violations(desktop) == []
    desktop.get_by_label("Reply to the client").fill("Yes, 4pm works. See you then.")
    desktop.get_by_role("button", name="Send").click()
    desktop.get_by_text("Yes, 4pm works. See you then.").wait_for()
    screenshot(desktop, "chart-messages")
    assert Message.objects.filter(from_client=False, sender=therapist).count() == 1

    phone.goto(f"{live_server.url}/portal/messages/")
    phone.get_by_text("Yes, 4pm works. See you then.").wait_for()
    assert phone.get_by_text("· Read").count() == 1
