"""The therapist's inbox in a browser: the unread count in the menu, the risk-flagged message
marked in the thread, mark read, an inline reply; a new thread with a client who never wrote.
At 1440x900 and 390x844, axe-core at 0 serious/critical, no console errors."""

from __future__ import annotations

import pytest

from sessions.models import Message
from sessions.services.checkins import message_send
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot
from tests.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_therapist_reads_and_replies_in_the_inbox(browser, live_server, therapist, client_record, client_user, size):
    message_send(client=client_record, actor=client_user, body="I feel hopeless and want to kill myself")
    message_send(client=client_record, actor=client_user, body="Sorry, can we talk on Thursday?")
    quiet = ClientFactory(
        primary_therapist=therapist.membership, practice=client_record.practice, first_name="Rowan", last_name="Ng"
    )
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors: list[str] = []
    # Console errors, and failed requests other than the browser's own /favicon.ico probe (the
    # favicon belongs to the design-system work).
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
    tag = "desktop" if size[0] > 800 else "phone"
    try:
        login(page, live_server, therapist.email, PASSWORD)
        page.goto(f"{live_server.url}/inbox/")
        assert "2" in page.get_by_test_id("nav-inbox").inner_text()
        page.get_by_test_id(f"thread-{client_record.pk}").click()
        page.get_by_test_id("risk-flag").wait_for()
        assert page.get_by_test_id("risk-flag").count() == 1
        assert axe_violations(page) == []
        screenshot(page, f"inbox-thread-{tag}")

        page.get_by_test_id("mark-read").click()
        page.get_by_text("Marked 2 messages as read.").wait_for()
        assert "2" not in page.get_by_test_id("nav-inbox").inner_text()

        page.get_by_label("Message").fill("Yes, Thursday at 3 works. If you are in danger, call 988 now.")
        page.get_by_test_id("send").click()
        page.get_by_text("Message sent to Avery.").wait_for()
        page.get_by_text("Yes, Thursday at 3 works.").first.wait_for()
        assert Message.objects.filter(from_client=False, sender=therapist).count() == 1

        # A client who never wrote: "New message", not "Reply".
        page.goto(f"{live_server.url}/inbox/")
        page.select_option("#new-thread-client", str(quiet.pk))
        page.get_by_role("button", name="Open").click()
        page.get_by_role("heading", name="New message").wait_for()
        assert axe_violations(page) == []
        screenshot(page, f"inbox-new-message-{tag}")
        assert errors == []
    finally:
        context.close()
