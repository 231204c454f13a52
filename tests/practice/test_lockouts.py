"""F7, F8, F9, F15: lockouts on every password prompt, the address-wide limit, throttles that
keep working without the cache, and the audit trail of failed sign-ins."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import time_machine
from django.test import Client as WebClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import BreakGlassGrant
from practice.api_support import AuthRateThrottle, AuthUserRateThrottle, ResilientRateThrottle
from practice.audit import AuditAction
from practice.models import ApiToken, AuditEvent
from tests.conftest import PASSWORD, as_user, web_as

pytestmark = pytest.mark.django_db

REASON = "Therapist on leave; the client's GP called about an urgent safety concern."


@pytest.fixture(autouse=True)
def _fresh_throttle_fallback():
    ResilientRateThrottle.cache.reset()
    yield
    ResilientRateThrottle.cache.reset()


def get_token(email, password=PASSWORD, address="10.0.0.1", **extra):
    return APIClient(REMOTE_ADDR=address).post(
        reverse("api-token"), {"username": email, "password": password, **extra}, format="json"
    )


def break_glass(api, client_record, password):
    return api.post(
        reverse("api-client-break-glass", kwargs={"pk": client_record.pk}),
        {"reason": REASON, "password": password},
        format="json",
    )


# ---------------------------------------------------------------------------
# F8: the break-glass password step-up locks out like sign-in


def test_break_glass_step_up_locks_out_after_repeated_wrong_passwords(admin, client_record, settings):
    settings.AXES_FAILURE_LIMIT = 3
    api = as_user(admin)
    statuses = [break_glass(api, client_record, f"guess number {n}").status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    # Now even the right password is refused, with a clear message.
    locked = break_glass(api, client_record, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed password attempts" in locked.json()["detail"]
    assert not BreakGlassGrant.objects.exists()
    # The lockout is the sign-in one: the same account cannot sign in from there either.
    assert get_token(admin.email, address="127.0.0.1").status_code == 429
    # Once the cool-off has passed, the right password works again.
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        assert break_glass(api, client_record, PASSWORD).status_code == 201


def test_break_glass_step_up_lockout_is_per_account_across_addresses(admin, client_record, settings):
    settings.AXES_FAILURE_LIMIT = 3
    first = as_user(admin)
    first.defaults["REMOTE_ADDR"] = "10.4.4.1"
    second = as_user(admin)
    second.defaults["REMOTE_ADDR"] = "10.4.4.2"
    assert break_glass(first, client_record, "wrong password one").status_code == 400
    assert break_glass(first, client_record, "wrong password two").status_code == 400
    # A third guess from another address (a copied token) still reaches the account's limit.
    assert break_glass(second, client_record, "wrong password three").status_code == 429
    assert break_glass(second, client_record, PASSWORD).status_code == 429
    assert not BreakGlassGrant.objects.exists()


def test_failed_sign_ins_by_others_do_not_lock_the_admin_out_of_break_glass(admin, client_record, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        get_token(admin.email, "an outsider guessing", address="198.51.100.7")
    api = as_user(admin)
    api.defaults["REMOTE_ADDR"] = "10.5.5.5"
    assert break_glass(api, client_record, PASSWORD).status_code == 201


def test_break_glass_web_step_up_locks_out_after_repeated_wrong_passwords(admin, client_record, settings):
    settings.AXES_FAILURE_LIMIT = 2
    browser = web_as(admin)
    url = reverse("break-glass-open", args=[client_record.pk])
    form = {"reason": REASON, "duration_minutes": 30}
    assert browser.post(url, {**form, "password": "not it at all"}).status_code == 400
    locked = browser.post(url, {**form, "password": "still not it"})
    assert locked.status_code == 429
    right = browser.post(url, {**form, "password": PASSWORD})
    assert right.status_code == 429 and "Too many failed password attempts" in right.content.decode()
    assert not BreakGlassGrant.objects.exists()


def test_step_up_failures_are_audited_as_failed_password_checks(admin, client_record, settings):
    settings.AXES_FAILURE_LIMIT = 2
    api = as_user(admin)
    break_glass(api, client_record, "wrong password one")
    break_glass(api, client_record, "wrong password two")
    events = list(AuditEvent.objects.filter(target_type="break_glass_step_up").order_by("id"))
    assert [event.action for event in events] == [AuditAction.LOGIN_FAILED, AuditAction.LOCKOUT]
    assert all(event.actor_id == admin.pk for event in events)


# ---------------------------------------------------------------------------
# F9: password spraying across accounts from one address


def test_spraying_many_accounts_from_one_address_locks_that_address_out(therapist, settings):
    settings.AUTH_ADDRESS_FAILURE_LIMIT = 5
    settings.AXES_FAILURE_LIMIT = 5
    # One guess per account: no account reaches its own limit, but the address does.
    statuses = [
        get_token(f"person{index}@northside.example", "Welcome2026", address="10.9.9.9").status_code
        for index in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    refused = get_token(therapist.email, address="10.9.9.9")
    assert refused.json() == {"detail": "Too many failed sign-in attempts. Try again later."}
    # The address is now refused, even with the right password for a real account...
    assert refused.status_code == 429
    assert ApiToken.objects.count() == 0
    # ...and on the web sign-in form too.
    web = WebClient(REMOTE_ADDR="10.9.9.9")
    page = web.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    assert page.status_code == 429 and "_auth_user_id" not in web.session
    # Another address is not affected.
    assert get_token(therapist.email, address="10.1.1.1").status_code == 200


def test_the_address_limit_ages_out_after_its_window(therapist, settings):
    settings.AUTH_ADDRESS_FAILURE_LIMIT = 3
    for index in range(3):
        get_token(f"someone{index}@example.org", "Welcome2026", address="10.9.9.8")
    assert get_token(therapist.email, address="10.9.9.8").status_code == 429
    later = timezone.now() + settings.AUTH_ADDRESS_FAILURE_WINDOW + settings.AXES_COOLOFF_TIME
    with time_machine.travel(later):
        assert get_token(therapist.email, address="10.9.9.8").status_code == 200


def test_account_lockout_counts_the_email_case_insensitively(therapist, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for variant in (therapist.email, therapist.email.upper(), therapist.email.title()):
        get_token(variant, "bad guess here")
    assert get_token(therapist.email).status_code == 429


def test_sign_in_throttle_ignores_a_forged_x_forwarded_for(therapist, monkeypatch):
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    monkeypatch.setattr(AuthUserRateThrottle, "THROTTLE_RATES", {"auth_user": "100/min"})
    api = APIClient(REMOTE_ADDR="10.2.2.2")
    statuses = [
        api.post(
            reverse("api-token"),
            {"username": therapist.email, "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


# ---------------------------------------------------------------------------
# F15: failed sign-ins and lockouts are audited, without secrets


def test_failed_api_sign_in_is_audited_against_the_existing_account(therapist):
    assert get_token(therapist.email, "a wrong password 123").status_code == 400
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor_id == therapist.pk and event.target_type == "login"
    assert event.practice_id == therapist.membership.practice_id
    assert event.ip_address == "10.0.0.1"
    assert "a wrong password 123" not in json.dumps(event_values(event))


def event_values(event) -> dict:
    return {field.name: str(getattr(event, field.attname)) for field in AuditEvent._meta.fields}


def test_failed_sign_in_for_an_unknown_name_keeps_nothing_that_was_typed(db):
    typed_name = "MySecretPassw0rd-typed-in-the-email-box"
    get_token(typed_name, "another secret 456")
    web = WebClient()
    web.post(reverse("login"), {"username": typed_name, "password": "another secret 456"})
    events = list(AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED))
    assert len(events) == 2
    for event in events:
        values = json.dumps(event_values(event))
        assert event.actor_id is None and event.target_type == "login" and event.target_id == ""
        assert typed_name.lower() not in values.lower() and "another secret" not in values


def test_failed_web_sign_in_and_the_lockout_are_audited(therapist, settings):
    settings.AXES_FAILURE_LIMIT = 2
    web = WebClient()
    web.post(reverse("login"), {"username": therapist.email, "password": "nope nope nope"})
    web.post(reverse("login"), {"username": therapist.email, "password": "nope again here"})
    web.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    actions = list(AuditEvent.objects.filter(actor=therapist).order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.LOGIN_FAILED, AuditAction.LOCKOUT, AuditAction.LOCKOUT]


def test_a_wrong_second_factor_is_audited(therapist):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=therapist, name="phone", confirmed=True)
    get_token(therapist.email, otp="not-a-code")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor_id == therapist.pk and event.fields == ["otp"]


def test_a_wrong_code_at_the_web_prompt_is_audited(therapist):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=therapist, name="phone", confirmed=True)
    browser = WebClient()
    browser.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    response = browser.post(reverse("mfa_verify"), {"otp": "not-a-code"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor_id == therapist.pk and event.fields == ["otp"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("req-2026.12_07", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("has space", False),
        ("quote\"'<script>", False),
        ("caf\u00e9", False),
        ("line\tbreak", False),
    ],
)
def test_request_id_is_kept_only_when_it_is_a_plain_token(therapist, sent, kept):
    response = APIClient().post(
        reverse("api-token"),
        {"username": therapist.email, "password": "wrong password here"},
        format="json",
        HTTP_X_REQUEST_ID=sent,
    )
    stored = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED).request_id
    assert response["X-Request-ID"] == stored
    if kept:
        assert stored == sent
    else:
        assert stored != sent and len(stored) == 32 and all(c in "0123456789abcdef" for c in stored)


# ---------------------------------------------------------------------------
# F7: throttles keep working, and never 500, while the cache (Redis) is down

REDIS_DOWN = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_sign_in_accept_invite_and_break_glass_work_while_the_cache_is_down(therapist, admin, client_record, caplog):
    from clients.services.records import portal_invite_create

    _invite, raw = portal_invite_create(client=client_record, actor=therapist)
    admin_api = as_user(admin)
    with override_settings(CACHES=REDIS_DOWN), caplog.at_level(logging.WARNING, logger="practice.api_support"):
        assert get_token(therapist.email).status_code == 200
        accepted = APIClient().post(
            reverse("api-accept-invite"),
            {"invite_token": raw, "password": "a calm blue lake at dawn"},
            format="json",
        )
        assert accepted.status_code == 201
        assert break_glass(admin_api, client_record, PASSWORD).status_code == 201
    assert "Throttle cache 'default' unavailable" in caplog.text


def test_throttles_still_count_while_the_cache_is_down(therapist, monkeypatch):
    monkeypatch.setattr(AuthRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    monkeypatch.setattr(AuthUserRateThrottle, "THROTTLE_RATES", {"auth_user": "100/min"})
    with override_settings(CACHES=REDIS_DOWN):
        statuses = [get_token(therapist.email, address="10.3.3.3").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
