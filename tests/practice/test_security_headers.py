"""Issue 19 F6 (CSP, Permissions-Policy, no-store) and F16 (no client name in a URL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import as_user, web_as
from tests.factories import ClientFactory


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def assert_policy_headers(response, *, cacheable: bool = False) -> None:
    directives = _directives(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    if not cacheable:
        assert "no-store" in response.headers["Cache-Control"]
        assert "private" in response.headers["Cache-Control"]


def test_web_pages_carry_the_policy_and_no_store(therapist, manager, client_user, client_record):
    pages = [
        (None, reverse("login")),
        (therapist, reverse("dashboard")),
        (therapist, reverse("client-chart", args=[client_record.pk])),
        (therapist, reverse("schedule")),
        (manager, reverse("roster")),
        (manager, reverse("reports")),
        (client_user, reverse("portal-home")),
    ]
    for user, url in pages:
        response = web_as(user).get(url)
        assert response.status_code == 200, url
        assert_policy_headers(response)


def test_api_responses_and_errors_carry_the_policy_and_no_store(therapist, outsider, client_record):
    responses = [
        as_user(therapist).get(reverse("api-clients")),
        as_user(therapist).get(reverse("api-client-detail", args=[client_record.pk])),
        as_user(outsider).get(reverse("api-client-detail", args=[client_record.pk])),  # 404
        as_user(None).get(reverse("api-clients")),  # 401
        as_user(therapist).post(reverse("api-client-sessions", args=[client_record.pk]), {}, format="json"),  # 400
        as_user(therapist).get(reverse("api-client-fhir", args=[client_record.pk])),
    ]
    assert [response.status_code for response in responses] == [200, 200, 404, 401, 400, 200]
    for response in responses:
        assert_policy_headers(response)


def test_error_pages_carry_the_policy_and_no_store(therapist):
    response = web_as(therapist).get("/no-such-page/")
    assert response.status_code == 404
    assert_policy_headers(response)


def test_static_files_keep_caching_but_carry_the_policy(client):
    response = client.get("/" + settings.STATIC_URL.lstrip("/") + "css/alliance.css")
    assert response.status_code == 200
    assert_policy_headers(response, cacheable=True)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_templates_have_no_inline_script_style_or_event_handler():
    # The policy forbids them; one slipping back in would silently stop working in browsers.
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"<style\b|\sstyle=\"|\son[a-z]+=\"|hx-on|javascript:", text):
            offenders.append(f"{path.name}: inline style or handler")
    assert not offenders


def test_api_docs_page_loads_its_script_from_a_url(therapist):
    response = web_as(therapist).get(reverse("api-docs"))
    assert response.status_code == 200
    body = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert "<style" not in body
    script = re.search(r'<script src="([^"]*script=[^"]*)"', body)
    assert script, "the start-up script is served from its own URL"
    assert web_as(therapist).get(script.group(1).replace("&amp;", "&")).status_code == 200


# --- F16: a client's name never goes into a URL -----------------------------------------


@pytest.mark.parametrize("page", ["dashboard", "roster"])
def test_name_search_forms_post(page, therapist, manager):
    user = therapist if page == "dashboard" else manager
    body = web_as(user).get(reverse(page)).content.decode()
    form = re.search(r'<form method="(\w+)"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', body)
    assert form and form.group(1) == "post"
    assert 'name="q"' in body


def test_caseload_search_posts_the_name_and_redirects_without_it(therapist, practice):
    ClientFactory(primary_therapist=therapist.membership, practice=practice, first_name="Zephyr", last_name="Lake")
    ClientFactory(primary_therapist=therapist.membership, practice=practice, first_name="Morgan", last_name="Hill")
    browser = web_as(therapist)
    response = browser.post(reverse("dashboard"), {"search": "1", "q": "zephyr", "sort": "name"}, follow=True)
    assert [url for url, _ in response.redirect_chain] == [reverse("dashboard") + "?sort=name"]
    body = response.content.decode()
    assert "Zephyr" in body and "Morgan" not in body
    # The term stays for this page until cleared, without ever being in the URL.
    assert "Morgan" not in browser.get(reverse("dashboard")).content.decode()
    cleared = browser.post(reverse("dashboard"), {"search": "1", "q": ""}, follow=True)
    assert "Morgan" in cleared.content.decode()


def test_roster_search_posts_the_name_and_redirects_without_it(manager, therapist, practice):
    ClientFactory(primary_therapist=therapist.membership, practice=practice, first_name="Zephyr", last_name="Lake")
    ClientFactory(primary_therapist=therapist.membership, practice=practice, first_name="Morgan", last_name="Hill")
    browser = web_as(manager)
    response = browser.post(reverse("roster"), {"search": "1", "q": "lake", "status": "active"}, follow=True)
    assert [url for url, _ in response.redirect_chain] == [reverse("roster") + "?status=active"]
    body = response.content.decode()
    assert "Zephyr" in body and "Morgan" not in body


def test_a_name_in_an_old_link_is_moved_off_the_url(therapist, practice):
    ClientFactory(primary_therapist=therapist.membership, practice=practice, first_name="Zephyr", last_name="Lake")
    browser = web_as(therapist)
    response = browser.get(reverse("dashboard"), {"q": "zephyr", "status": "all"})
    assert response.status_code == 302
    assert response.url == reverse("dashboard") + "?status=all"
    assert "Zephyr" in browser.get(response.url).content.decode()


def test_api_name_search_takes_the_name_in_the_body(therapist, manager, practice):
    ClientFactory(primary_therapist=therapist.membership, practice=practice, first_name="Zephyr", last_name="Lake")
    ClientFactory(
        primary_therapist=therapist.membership,
        practice=practice,
        first_name="Morgan",
        last_name="Hill",
        status="waitlist",
    )
    for user in (therapist, manager):
        response = as_user(user).post(reverse("api-clients-search"), {"q": "zeph"}, format="json")
        assert response.status_code == 200
        assert [row["first_name"] for row in response.json()["results"]] == ["Zephyr"]
    filtered = as_user(therapist).post(reverse("api-clients-search"), {"status": "waitlist"}, format="json")
    assert [row["first_name"] for row in filtered.json()["results"]] == ["Morgan"]
    too_long = as_user(therapist).post(reverse("api-clients-search"), {"q": "x" * 101}, format="json")
    assert too_long.status_code == 400 and "q" in too_long.json()
    # The documented GET filter keeps working (backward compatible).
    legacy = as_user(therapist).get(reverse("api-clients"), {"q": "zeph"})
    assert [row["first_name"] for row in legacy.json()["results"]] == ["Zephyr"]


def test_api_errors_outside_views_are_json(therapist):
    missing = as_user(therapist).get("/api/v1/no-such-route/")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/json"
    assert missing.json() == {"detail": "Not found."}
    assert_policy_headers(missing)
    page = web_as(therapist).get("/no-such-page/")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
