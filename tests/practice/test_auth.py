"""Sign-in: tokens (expiry, revocation, MFA), lockout, session idle/absolute expiry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from practice.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def get_token(email, password=PASSWORD, **extra):
    return APIClient().post(reverse("api-token"), {"username": email, "password": password, **extra}, format="json")


def test_token_login_returns_token_and_expiry(therapist):
    response = get_token(therapist.email)
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["expires_at"]
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.get(reverse("api-me")).json()["role"] == "therapist"
    # Only a hash is stored.
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()


def test_email_login_is_case_insensitive(therapist):
    assert get_token(therapist.email.upper()).status_code == 200


def test_wrong_password_is_400_and_issues_nothing(therapist):
    response = get_token(therapist.email, "wrong password")
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_token_expires(therapist, settings):
    settings.API_TOKEN_TTL = dt.timedelta(hours=1)
    token = get_token(therapist.email).json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api-me")).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=1)):
        assert api.get(reverse("api-me")).status_code == 401


def test_logout_revokes_the_token(therapist):
    token = get_token(therapist.email).json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(reverse("api-logout")).status_code == 204
    assert api.get(reverse("api-me")).status_code == 401


def test_garbage_token_is_401(therapist):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(reverse("api-me")).status_code == 401


def test_lockout_after_repeated_failures(therapist, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert get_token(therapist.email, "bad guess").status_code == 400
    assert get_token(therapist.email, "bad guess").status_code == 429  # the limit is reached
    locked = get_token(therapist.email)  # even the right password is refused now
    assert locked.status_code == 429
    assert ApiToken.objects.count() == 0


def test_web_login_lockout(therapist, settings):
    settings.AXES_FAILURE_LIMIT = 2
    web = WebClient()
    for _ in range(2):
        web.post(reverse("login"), {"username": therapist.email, "password": "nope"})
    response = web.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in web.session


def enrol_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def test_token_requires_otp_when_mfa_is_on(therapist):
    device = enrol_totp(therapist)
    missing = get_token(therapist.email)
    assert missing.status_code == 400 and "otp" in missing.json()
    assert get_token(therapist.email, otp=current_code(device)).status_code == 200
    wrong = "000000" if current_code(device) != "000000" else "111111"
    assert get_token(therapist.email, otp=wrong).status_code == 400


def test_recovery_code_works_once(therapist):
    enrol_totp(therapist)
    static = StaticDevice.objects.create(user=therapist, name="Recovery codes")
    StaticToken.objects.create(device=static, token="abc123def0")
    assert get_token(therapist.email, otp="abc123def0").status_code == 200
    assert get_token(therapist.email, otp="abc123def0").status_code == 400


def test_practice_requiring_mfa_blocks_staff_without_a_device(therapist, client_user):
    practice = therapist.membership.practice
    practice.require_mfa = True
    practice.save()
    response = get_token(therapist.email)
    assert response.status_code == 400 and "otp" in response.json()
    # Clients are not staff: the portal does not require MFA.
    assert get_token(client_user.email).status_code == 200
    # On the web, the therapist is sent to enrol before anything else.
    web = WebClient()
    web.force_login(therapist)
    page = web.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url == reverse("mfa_setup")


def test_session_idle_timeout(therapist, settings):
    settings.SESSION_IDLE_TIMEOUT = 15 * 60
    web = WebClient()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        web.force_login(therapist)
        assert web.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert web.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        response = web.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert "_auth_user_id" not in web.session


def test_session_absolute_timeout(therapist, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 3600
    web = WebClient()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        web.force_login(therapist)
        web.get(reverse("dashboard"))
    # Active every 10 minutes (never idle), but past 12 hours the session still ends.
    moment = start
    while moment < start + dt.timedelta(hours=11, minutes=50):
        moment += dt.timedelta(minutes=10)
        with time_machine.travel(moment, tick=False):
            assert web.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        response = web.get(reverse("dashboard"))
        assert response.status_code == 302 and "expired=1" in response.url


def test_passwords_are_hashed_with_argon2_by_default():
    # The test overlay swaps in a fast hasher; production's first hasher is argon2.
    import importlib

    from django.conf import settings as django_settings
    from django.test import override_settings

    import practice.settings as project_settings

    importlib.reload(project_settings)
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert django_settings.PASSWORD_HASHERS  # the overlay is active in tests
    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        from django.contrib.auth.hashers import make_password

        assert make_password("x").startswith("argon2")


def test_client_with_revoked_portal_consent_cannot_get_a_token(client_user, client_record):
    from clients.services.records import consent_revoke

    assert get_token(client_user.email).status_code == 200
    consent_revoke(client=client_record, kind="portal", actor=None)
    response = get_token(client_user.email)
    assert response.status_code == 400 and "withdrawn" in str(response.json())


def test_sign_in_endpoint_is_throttled(therapist, monkeypatch):
    from practice.api_support import AuthRateThrottle, AuthUserRateThrottle

    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    monkeypatch.setattr(AuthUserRateThrottle, "THROTTLE_RATES", {"auth_user": "100/min"})
    statuses = [get_token(therapist.email).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "body",
    [[], ["a", "b"], "just a string", {"username": ["x"], "password": 3}, {"username": "x" * 5000, "password": "y"}],
)
def test_malformed_sign_in_bodies_are_400_not_500(db, body):
    response = APIClient().post(reverse("api-token"), body, format="json")
    assert response.status_code == 400
