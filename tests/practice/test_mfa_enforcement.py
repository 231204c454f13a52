"""F1 and F14: one authentication rule for the web and the API.

A session short of its second factor (the account has a device, or MFA is required for it) and
the session of a deactivated member are not authenticated anywhere: every API route answers
401 and every page sends the browser to verify, enrol or sign in again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as WebClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from practice.authentication import SessionState, session_state
from tests.conftest import PASSWORD, Snapshot, as_user, web_as

pytestmark = pytest.mark.django_db

PUBLIC_ROUTES = {"api-token", "api-accept-invite"}


def enrol_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def password_sign_in(user) -> WebClient:
    """A browser that typed the right password on the real sign-in form (and nothing more)."""
    browser = WebClient()
    response = browser.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in browser.session
    return browser


def api_routes() -> list[tuple[str, dict]]:
    """Every API route, with made-up values for its URL arguments."""
    routes: list[tuple[str, dict]] = []

    def walk(patterns, prefix: str, converters: dict) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            found = {**converters, **getattr(pattern.pattern, "converters", {})}
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, found)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/") and pattern.name not in PUBLIC_ROUTES:
                kwargs = {name: 1 if type(conv).__name__ == "IntConverter" else "x" for name, conv in found.items()}
                routes.append((pattern.name, kwargs))

    walk(get_resolver().url_patterns, "", {})
    return routes


def test_password_only_session_of_an_mfa_account_gets_401_on_every_api_route(therapist, client_record):
    enrol_totp(therapist)
    browser = password_sign_in(therapist)
    routes = api_routes()
    assert len(routes) > 50  # the walk found the API, not an empty list
    before = Snapshot.take()
    wrong = []
    for name, kwargs in routes:
        url = reverse(name, kwargs=kwargs)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(browser, method)(url, content_type="application/json")
            if response.status_code not in (401, 405):
                wrong.append(f"{method.upper()} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert not Snapshot.take().changed_since(before)


def test_password_only_session_cannot_read_clinical_records_until_the_code_is_entered(therapist, client_record):
    device = enrol_totp(therapist)
    browser = password_sign_in(therapist)
    detail = reverse("api-client-detail", kwargs={"pk": client_record.pk})
    denied = browser.get(detail)
    assert denied.status_code == 401
    assert "two-factor" in denied.json()["detail"]
    assert "CANARY" not in denied.content.decode()
    # Pages redirect to the code prompt and come back afterwards.
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url.startswith(reverse("mfa_verify"))
    verified = browser.post(page.url, {"otp": current_code(device)})
    assert verified.status_code == 302 and verified.url == reverse("dashboard")
    assert browser.get(detail).status_code == 200
    assert browser.get(reverse("dashboard")).status_code == 200


def test_staff_who_must_enrol_get_401_on_the_api_and_the_enrolment_page_on_the_web(therapist, client_record):
    practice = therapist.membership.practice
    practice.require_mfa = True
    practice.save()
    browser = password_sign_in(therapist)
    response = browser.get(reverse("api-clients"))
    assert response.status_code == 401 and "set it up" in response.json()["detail"]
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url == reverse("mfa_setup")
    assert browser.get(reverse("mfa_setup")).status_code == 200


def test_a_session_without_mfa_on_an_account_without_it_still_works(therapist, client_record):
    browser = password_sign_in(therapist)
    assert browser.get(reverse("api-client-detail", kwargs={"pk": client_record.pk})).status_code == 200
    assert browser.get(reverse("dashboard")).status_code == 200


def test_deployment_wide_mfa_requirement_refuses_a_token_to_staff_without_a_device(therapist, client_user, settings):
    settings.ALLIANCE = {**settings.ALLIANCE, "REQUIRE_MFA_FOR_STAFF": True}
    response = APIClient().post(
        reverse("api-token"), {"username": therapist.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "enrol" in response.json()["otp"][0]
    # Clients are not staff: the portal does not require MFA.
    client_token = APIClient().post(
        reverse("api-token"), {"username": client_user.email, "password": PASSWORD}, format="json"
    )
    assert client_token.status_code == 200


def test_a_token_issued_before_mfa_became_required_stops_working_until_enrolment(therapist, settings):
    api = as_user(therapist)
    assert api.get(reverse("api-me")).status_code == 200
    practice = therapist.membership.practice
    practice.require_mfa = True
    practice.save()
    assert api.get(reverse("api-me")).status_code == 401
    enrol_totp(therapist)
    assert api.get(reverse("api-me")).status_code == 200


def test_enrolling_mfa_ends_tokens_issued_on_the_password_alone(therapist):
    api = as_user(therapist)
    assert api.get(reverse("api-me")).status_code == 200
    browser = password_sign_in(therapist)
    browser.get(reverse("mfa_setup"))
    device = TOTPDevice.objects.get(user=therapist, confirmed=False)
    enrolled = browser.post(reverse("mfa_setup"), {"otp": current_code(device)})
    assert enrolled.status_code == 200 and TOTPDevice.objects.filter(user=therapist, confirmed=True).exists()
    assert api.get(reverse("api-me")).status_code == 401
    # The enrolling session itself passed the second factor and goes on working.
    assert browser.get(reverse("api-me")).status_code == 200


@pytest.mark.parametrize("deactivate", ["membership", "user"])
def test_a_deactivated_members_open_session_answers_no_route(therapist, client_record, deactivate):
    browser = web_as(therapist)
    assert browser.get(reverse("api-me")).status_code == 200
    if deactivate == "membership":
        therapist.membership.is_active = False
        therapist.membership.save()
    else:
        therapist.is_active = False
        therapist.save()
    assert browser.get(reverse("api-me")).status_code == 401
    assert browser.post(reverse("api-logout")).status_code == 401
    assert browser.get(reverse("api-client-detail", kwargs={"pk": client_record.pk})).status_code == 401
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
    # The session itself was ended, not just refused once.
    assert "_auth_user_id" not in browser.session


def test_a_deactivated_members_session_is_signed_out_on_the_first_web_request(therapist):
    browser = web_as(therapist)
    therapist.membership.is_active = False
    therapist.membership.save()
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url == reverse("login")
    assert "_auth_user_id" not in browser.session


def test_session_state_names_each_case(therapist, rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert session_state(request) is SessionState.ANONYMOUS
    request = rf.get("/")
    request.user = therapist
    assert session_state(request) is SessionState.AUTHENTICATED
    enrol_totp(therapist)
    request = rf.get("/")
    request.user = therapist
    assert session_state(request) is SessionState.MFA_VERIFY_REQUIRED


ROOT = Path(__file__).resolve().parents[2]


def setting_in(env: dict, tmp_path) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCE_", "REQUIRE_MFA", "DJANGO_"))}
    from cryptography.fernet import Fernet

    production = {
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "alliance.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLIANCE_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.ALLIANCE['REQUIRE_MFA_FOR_STAFF'])",
        ],
        cwd=ROOT,
        env={**base, **production, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_mfa_for_staff_is_required_by_default_in_production_only(tmp_path):
    assert setting_in({"ALLIANCE_ENV": "production"}, tmp_path) == "True"
    assert setting_in({"ALLIANCE_ENV": "production", "REQUIRE_MFA_FOR_STAFF": "false"}, tmp_path) == "False"
    assert setting_in({"ALLIANCE_ENV": "development"}, tmp_path) == "False"
    assert setting_in({"ALLIANCE_ENV": "development", "REQUIRE_MFA_FOR_STAFF": "true"}, tmp_path) == "True"
