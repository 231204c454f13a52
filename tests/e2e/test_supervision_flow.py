"""Supervision end to end in a browser: the supervisor turns on "review before signing"; the
trainee writes a note and submits it for review; the supervisor returns it with a comment; the
trainee sees the comment, edits and resubmits; the supervisor co-signs, which signs the note.
Every page checked with axe-core (0 serious/critical), at desktop and phone sizes."""

from __future__ import annotations

import pytest

from sessions.models import ProgressNote
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _page(browser, size):
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
    return context, page, errors


def _checked(page, name):
    assert axe_violations(page) == [], name
    screenshot(page, name)


def test_trainee_submits_supervisor_returns_then_cosigns(browser, live_server, therapist, supervisor, client_record):
    boss_context, boss, boss_errors = _page(browser, (1440, 900))
    trainee_context, trainee, trainee_errors = _page(browser, (390, 844))
    try:
        login(boss, live_server, supervisor.email, PASSWORD)
        boss.goto(f"{live_server.url}/supervision/")
        boss.get_by_test_id(f"review-on-{therapist.membership.pk}").click()
        boss.get_by_text("now come to you for review").wait_for()
        _checked(boss, "supervision-queue-empty-desktop")

        login(trainee, live_server, therapist.email, PASSWORD)
        trainee.goto(f"{live_server.url}/notes/new/?client={client_record.pk}")
        trainee.get_by_role("button", name="Start note").click()
        trainee.get_by_label("Data").fill("Talked through the week.")
        trainee.get_by_label("I attest this note is accurate and complete").check()
        assert trainee.get_by_role("button", name="Sign note").count() == 0
        _checked(trainee, "note-submit-for-review-phone")
        trainee.get_by_test_id("submit-for-review").click()
        trainee.get_by_test_id("in-review").wait_for()
        note = ProgressNote.objects.get()
        assert note.status == ProgressNote.Status.IN_REVIEW

        boss.goto(f"{live_server.url}/supervision/")
        boss.get_by_test_id("in-review-notes").get_by_role("link", name="Review").click()
        _checked(boss, "note-review-desktop")
        boss.get_by_label("Return for revision").fill("Add how the client rated the exposure.")
        boss.get_by_test_id("return").click()
        boss.get_by_text("Note returned to its author").wait_for()

        trainee.goto(f"{live_server.url}/supervision/")
        trainee.get_by_test_id("returned-notes").get_by_role("link", name="Revise").click()
        trainee.get_by_test_id("review-comment").get_by_text("Add how the client rated the exposure.").wait_for()
        _checked(trainee, "note-returned-phone")
        trainee.get_by_label("Data").fill("Talked through the week. Exposure rated 40 then 20 SUDS.")
        trainee.get_by_label("I attest this note is accurate and complete").check()
        trainee.get_by_test_id("submit-for-review").click()
        trainee.get_by_test_id("in-review").wait_for()

        boss.goto(f"{live_server.url}/notes/{note.pk}/")
        boss.get_by_test_id("cosign").click()
        boss.get_by_test_id("note-locked").wait_for()
        _checked(boss, "note-cosigned-desktop")
        note.refresh_from_db()
        assert note.status == ProgressNote.Status.SIGNED and note.cosigned_by == supervisor
        assert "40 then 20 SUDS" in note.sections["data"]
        assert boss_errors == [] and trainee_errors == []
    finally:
        boss_context.close()
        trainee_context.close()
