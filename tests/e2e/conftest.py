"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser).

Without /usr/bin/chromium these tests are skipped with a notice; with
ALLIANCE_REQUIRE_BROWSER=1 (CI) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
# Screenshots go to test-artifacts/ (ignored by git), so a test run never changes tracked files;
# the README's pictures are taken from the demo by `make screenshots`.
SCREENSHOTS = Path(
    os.environ.get("ALLIANCE_SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop; Django's async-safety check would refuse DB work.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    if chromium_available():
        return
    if os.environ.get("ALLIANCE_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"Chromium is required (ALLIANCE_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not chromium_available():
        terminalreporter.write_line(
            f"NOTICE: browser tests were skipped because {CHROMIUM} is missing (apt-get install chromium).", yellow=True
        )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (shipped inside axe-playwright-python) and return serious/critical issues."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [violation for violation in results.response["violations"] if violation.get("impact") in impacts]
