"""Take the README's screenshots from a freshly seeded demo (`make screenshots`).

Seeds a throwaway demo database in a temporary folder, serves it on a loopback port, signs in
as each demo role in Debian's Chromium (Playwright, never a downloaded browser) and writes
docs/screenshots/<name>.png at desktop (1440x900) or phone (390x844) size. Nothing in ./data
is touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ALLIANCE_SCREENSHOTS_DIR") or ROOT / "docs" / "screenshots")
PASSWORD = "alliance-demo-2026"
THERAPIST = "rivera@northside.example"
MANAGER = "manager@northside.example"
ADMIN = "admin@northside.example"
CLIENT = "client01@northside.example"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

# (file name, login, path, viewport, full page). A path that answers 404 in this build is
# skipped with a notice, so the list can name pages that other branches add.
SHOTS = [
    ("dashboard", THERAPIST, "/caseload/", DESKTOP, False),
    ("dashboard-phone", THERAPIST, "/caseload/", PHONE, False),
    ("chart", THERAPIST, "/clients/{client}/", DESKTOP, False),
    ("chart-measures", THERAPIST, "/clients/{client}/?tab=measures", DESKTOP, False),
    ("chart-engagement", THERAPIST, "/clients/{client}/?tab=engagement", DESKTOP, False),
    ("chart-ai", THERAPIST, "/clients/{client}/?tab=ai", DESKTOP, False),
    ("chart-safety-plan", THERAPIST, "/clients/{client}/?tab=safety", DESKTOP, False),
    ("schedule", THERAPIST, "/schedule/", DESKTOP, False),
    ("inbox", THERAPIST, "/inbox/", DESKTOP, False),
    ("alerts", THERAPIST, "/alerts/", DESKTOP, False),
    ("roster", MANAGER, "/roster/", DESKTOP, False),
    ("reports", MANAGER, "/reports/", DESKTOP, False),
    ("staff", ADMIN, "/staff/", DESKTOP, False),
    ("settings", ADMIN, "/settings/", DESKTOP, False),
    ("audit", ADMIN, "/audit/", DESKTOP, False),
    ("ai-policy", ADMIN, "/settings/ai-policy/", DESKTOP, False),
    ("ai-policy-phone", ADMIN, "/settings/ai-policy/", PHONE, False),
    ("portal-home", CLIENT, "/portal/", PHONE, False),
    ("portal-crisis", CLIENT, "/portal/crisis/", PHONE, False),
    ("portal-checkin", CLIENT, "/portal/check-in/", PHONE, False),
    ("portal-history", CLIENT, "/portal/history/", PHONE, False),
    ("portal-appointments", CLIENT, "/portal/appointments/", PHONE, False),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="alliance-shots-") as data_dir:
        env = {**os.environ, "ALLIANCE_DEMO": "1", "ALLIANCE_DATA_DIR": data_dir}
        env.pop("DATABASE_URL", None)
        env.pop("CELERY_BROKER_URL", None)
        python = sys.executable
        run([python, "manage.py", "migrate", "--noinput"], env)
        run([python, "manage.py", "seed_demo", "--seed", "7"], env)
        # The chart shown is that of a client of the therapist's with a safety plan; the portal
        # pictures are taken as the same client.
        query = (
            "from clients.models import Client; "
            f"c = Client.objects.filter(primary_therapist__user__email='{THERAPIST}', user__isnull=False, "
            "status='active', safety_plan_versions__isnull=False).order_by('id').first(); "
            "print('CLIENT', c.pk, c.user.email)"
        )
        output = run([python, "manage.py", "shell", "-c", query], env)
        client_id, client_login = output.split("CLIENT ")[-1].split()[:2]
        port = free_port()
        server = subprocess.Popen(
            [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(60):
                try:
                    urllib.request.urlopen(f"{base}/health/live", timeout=1)  # noqa: S310 - loopback only
                    break
                except OSError:
                    time.sleep(0.5)
            OUT.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                contexts: dict[tuple[str, int], object] = {}
                for name, login, path, viewport, full_page in SHOTS:
                    login = client_login if login == CLIENT else login
                    key = (login, viewport["width"])
                    if key not in contexts:
                        context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE)
                        page = context.new_page()
                        page.goto(f"{base}/accounts/login/")
                        page.fill("input[name=username]", login)
                        page.fill("input[name=password]", PASSWORD)
                        page.click("button[type=submit]")
                        page.wait_for_load_state("networkidle")
                        contexts[key] = page
                    page = contexts[key]
                    response = page.goto(base + path.format(client=client_id))
                    if response is None or response.status >= 400:
                        print(f"skipped {name}: {path} answered {response.status if response else 'nothing'}")
                        continue
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
                    print(f"wrote {OUT / (name + '.png')}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
