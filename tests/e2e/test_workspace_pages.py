"""Note templates, a note from a template, its print view, and the practice report's range
message and refresh, in a browser at 1440x900 and 390x844 with axe-core (0 serious/critical)."""

from __future__ import annotations

import pytest

from sessions.models import ProgressNote
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = [(1440, 900), (390, 844)]


def _checked(page, name):
    assert axe_violations(page) == [], name
    screenshot(page, name)


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_template_note_signed_and_printed(browser, live_server, therapist, client_record, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    tag = "desktop" if size[0] > 800 else "phone"
    try:
        login(page, live_server, therapist.email, PASSWORD)
        page.goto(f"{live_server.url}/note-templates/")
        page.get_by_label("Name").fill("Couples session")
        page.locator("#heading-1").fill("Each partner's view")
        page.locator("#prompt-1").fill("In their words.")
        page.locator("#heading-2").fill("Plan")
        page.get_by_role("button", name="Create template").click()
        page.get_by_text("Template “Couples session” saved.").wait_for()
        _checked(page, f"note-templates-{tag}")

        page.goto(f"{live_server.url}/notes/new/?client={client_record.pk}")
        page.get_by_label("Couples session").check()
        _checked(page, f"note-new-with-templates-{tag}")
        page.get_by_role("button", name="Start note").click()
        page.get_by_label("Each partner's view").fill("Both want more time together.")
        page.get_by_label("I attest this note is accurate and complete").check()
        page.get_by_role("button", name="Sign note").click()
        page.get_by_test_id("note-locked").wait_for()
        note = ProgressNote.objects.get()
        assert note.format == "free" and note.sections["each_partner_s_view"] == "Both want more time together."

        page.get_by_role("link", name="Print view").click()
        page.get_by_text("Both want more time together.").wait_for()
        _checked(page, f"note-print-{tag}")
        with page.expect_download() as download:
            page.get_by_test_id("download-pdf").click()
        assert download.value.suggested_filename == f"progress-note-{note.pk}.pdf"
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_report_covers_the_exact_range_and_refreshes(browser, live_server, manager, client_record, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    tag = "desktop" if size[0] > 800 else "phone"
    try:
        login(page, live_server, manager.email, PASSWORD)
        page.goto(f"{live_server.url}/reports/?start=2026-01-01&end=2026-03-03")
        page.get_by_test_id("range-exact").wait_for()
        assert "1 Jan 2026 to 3 Mar 2026" in page.get_by_test_id("report-period").inner_text()
        # An exact range is computed when the report is opened, and says so.
        assert "Figures as of" in page.get_by_test_id("computed-at").inner_text()
        page.get_by_test_id("refresh-figures").click()
        page.get_by_text("Figures recomputed just now.").wait_for()
        assert "Figures as of" in page.get_by_test_id("computed-at").inner_text()
        assert "start=2026-01-01" in page.url and "end=2026-03-03" in page.url
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
        _checked(page, f"reports-range-{tag}")
    finally:
        context.close()
