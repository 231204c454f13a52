"""Branded error pages (issue 13, item 8): 400, 403, 404, 500 and a failed CSRF check show the
site's look, a plain explanation and a way back; the 500 page touches no database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client as WebClient
from django.test import RequestFactory
from django.urls import include, path, reverse

from practice import urls as project_urls
from practice.errors import Conflict, DomainError
from practice.web_errors import server_error
from tests.conftest import web_as

pytestmark = pytest.mark.django_db


def _raise(exception):
    def view(request):
        raise exception

    return view


# This module doubles as the URL configuration of its tests: the project's routes plus views
# that fail on purpose, with the project's error handlers.
urlpatterns = [
    path("boom/forbidden/", _raise(PermissionDenied("Only the note's author can change it."))),
    path("boom/suspicious/", _raise(SuspiciousOperation("bad host"))),
    path("boom/domain/", _raise(DomainError("The due date must be in the future."))),
    path("boom/conflict/", _raise(Conflict("Already signed."))),
    path("boom/server/", _raise(RuntimeError("database on fire"))),
    path("", include(project_urls)),
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

as_this_urlconf = pytest.mark.urls(__name__)


def assert_branded(body: str) -> None:
    assert 'class="brand"' in body and "favicon.svg" in body and "alliance.css" in body
    assert 'href="/"' in body  # the way back home


def test_404_is_branded_with_the_navigation_and_a_way_home(admin):
    response = web_as(admin).get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert_branded(body)
    assert "We couldn&#x27;t find that page" in body and "Sign out" in body and reverse("audit-log") in body


def test_404_for_a_visitor_offers_sign_in():
    response = WebClient().get("/no-such-page/", follow=False)
    # Unknown paths are 404 for everyone (no sign-in redirect leaks which pages exist).
    assert response.status_code == 404 and "Go to sign in" in response.content.decode()


def test_a_page_for_another_role_is_the_branded_404(therapist):
    response = web_as(therapist).get(reverse("practice-settings"))
    assert response.status_code == 404 and "We couldn&#x27;t find that page" in response.content.decode()


@as_this_urlconf
def test_403_explains_and_shows_our_message(admin):
    response = web_as(admin).get("/boom/forbidden/")
    body = response.content.decode()
    assert response.status_code == 403
    assert_branded(body)
    assert "You can&#x27;t do that here" in body and "Only the note&#x27;s author can change it." in body


@as_this_urlconf
def test_400_from_a_bad_request_is_branded(admin):
    response = web_as(admin).get("/boom/suspicious/")
    body = response.content.decode()
    assert response.status_code == 400
    assert_branded(body)
    assert "We could not understand that request" in body and "bad host" not in body


@as_this_urlconf
def test_domain_errors_a_page_lets_through_are_branded_400_and_409(admin):
    refused = web_as(admin).get("/boom/domain/")
    assert refused.status_code == 400
    assert_branded(refused.content.decode())
    assert "The due date must be in the future." in refused.content.decode()
    conflict = web_as(admin).get("/boom/conflict/")
    assert conflict.status_code == 409 and "Already signed." in conflict.content.decode()


@as_this_urlconf
def test_500_is_branded_and_says_what_to_do(admin):
    browser = web_as(admin)
    browser.raise_request_exception = False
    response = browser.get("/boom/server/")
    body = response.content.decode()
    assert response.status_code == 500
    assert_branded(body)
    assert "Something went wrong on our side" in body and "database on fire" not in body


def test_500_renders_without_touching_the_database(django_assert_num_queries):
    request = RequestFactory().get("/anything/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_csrf_failure_is_branded_and_explains_the_expired_form(admin, practice):
    browser = WebClient(enforce_csrf_checks=True)
    browser.force_login(admin, backend="practice.backends.MemberModelBackend")
    response = browser.post(reverse("practice-settings"), {"name": "Hijacked"})
    body = response.content.decode()
    assert response.status_code == 403
    assert_branded(body)
    assert "Your form expired" in body and "Nothing was saved" in body
    practice.refresh_from_db()
    assert practice.name == "Northside Therapy"


def test_handlers_and_csrf_view_are_wired():
    # practice.error_views answers JSON under /api/ and hands every page to practice.web_errors.
    assert project_urls.handler404 == "practice.error_views.page_not_found"
    assert project_urls.handler500 == "practice.error_views.server_error"
    assert settings.CSRF_FAILURE_VIEW == "practice.web_errors.csrf_failure"


def test_favicon_files_ship_with_the_app_and_the_header_has_a_logo_mark(admin):
    static = Path(settings.BASE_DIR) / "static" / "img"
    assert (static / "favicon.svg").read_text().startswith("<svg")
    assert (static / "favicon-32.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (static / "favicon.ico").stat().st_size > 0
    body = web_as(admin).get(reverse("practice-settings")).content.decode()
    assert 'rel="icon"' in body and "favicon-32.png" in body and 'class="brand-mark"' in body
