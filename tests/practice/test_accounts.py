"""A member's own account: password reset by e-mail, password change, sign-out everywhere,
second factor (status, recovery codes, a new device)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client as WebClient
from django.test import TestCase
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice import accounts
from practice.models import ApiToken, AuditEvent, Notification
from tests.conftest import PASSWORD, as_user, web_as

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh long passphrase"
RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)")


@pytest.fixture(autouse=True)
def _quick_reset(settings):
    # Only the minimum answer time is shortened; the tests of it set their own.
    settings.PASSWORD_RESET_MIN_RESPONSE_SECONDS = 0
    accounts._reset_counters.reset()
    yield
    accounts._reset_counters.reset()


def ask_reset(browser, email):
    # The outbox sends after commit; run those callbacks as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return browser.post(reverse("password_reset"), {"email": email})


def reset_link_from_mail() -> str:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    match = RESET_LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def enrol_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# ---------------------------------------------------------------------------
# Reset


def test_reset_answers_the_same_for_an_unknown_address_and_stores_nothing(therapist):
    known = ask_reset(WebClient(), therapist.email)
    mail.outbox.clear()
    notifications, events = Notification.objects.count(), AuditEvent.objects.count()

    unknown = ask_reset(WebClient(), "nobody.here@northside.example")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("password_reset_sent")
    assert Notification.objects.count() == notifications
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []
    page = WebClient().get(known["Location"])
    assert b"If the address you entered belongs to an Alliance account" in page.content


def test_reset_waits_the_same_minimum_time_either_way(settings, therapist, monkeypatch):
    settings.PASSWORD_RESET_MIN_RESPONSE_SECONDS = 0.5
    slept: list[float] = []
    monkeypatch.setattr("practice.web_accounts.time.sleep", slept.append)
    ask_reset(WebClient(), "nobody.here@northside.example")
    ask_reset(WebClient(), therapist.email)
    assert len(slept) == 2 and all(0.3 < seconds <= 0.5 for seconds in slept)


def test_reset_mail_goes_through_the_outbox_with_a_one_time_link(therapist):
    ask_reset(WebClient(), therapist.email.upper())
    row = Notification.objects.get(kind="password_reset")
    assert row.recipients == [therapist.email] and row.sent_at is not None
    link = reset_link_from_mail()

    browser = WebClient()
    landing = browser.get(link)
    assert landing.status_code == 302 and "set-password" in landing["Location"]  # token out of the address bar
    form = browser.get(landing["Location"])
    assert form.status_code == 200 and therapist.email.encode() in form.content
    done = browser.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_done")
    therapist.refresh_from_db()
    assert therapist.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_change", actor=therapist).exists()

    # The link works once.
    again = WebClient()
    second = again.get(again.get(link)["Location"])
    assert second.status_code == 400 and b"does not work any more" in second.content


def test_reset_never_signs_in_and_a_member_with_a_device_still_needs_the_code(therapist):
    device = enrol_totp(therapist)
    ask_reset(WebClient(), therapist.email)
    browser = WebClient()
    confirm = browser.get(reset_link_from_mail())["Location"]
    browser.post(confirm, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "_auth_user_id" not in browser.session
    assert browser.get(reverse("dashboard")).status_code == 302

    signed_in = browser.post(reverse("login"), {"username": therapist.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"].startswith(reverse("mfa_verify"))
    # Short of the code: no page, no API.
    assert browser.get(reverse("dashboard"))["Location"].startswith(reverse("mfa_verify"))
    assert browser.get(reverse("api-me")).status_code in (401, 403)
    browser.post(reverse("mfa_verify"), {"otp": current_code(device)})
    assert browser.get(reverse("dashboard")).status_code == 200


def test_reset_revokes_tokens_and_ends_other_sessions(therapist):
    api = as_user(therapist)
    elsewhere = web_as(therapist)
    assert elsewhere.get(reverse("dashboard")).status_code == 200
    ask_reset(WebClient(), therapist.email)
    browser = WebClient()
    browser.post(
        browser.get(reset_link_from_mail())["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert api.get(reverse("api-me")).status_code == 401
    assert elsewhere.get(reverse("dashboard")).status_code == 302


def test_reset_refuses_a_weak_password_and_keeps_the_old_one(therapist):
    ask_reset(WebClient(), therapist.email)
    browser = WebClient()
    confirm = browser.get(reset_link_from_mail())["Location"]
    response = browser.post(confirm, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 400
    therapist.refresh_from_db()
    assert therapist.check_password(PASSWORD)


def test_reset_is_offered_to_clients_too_but_not_to_deactivated_members(client_user, colleague):
    ask_reset(WebClient(), client_user.email)
    assert len(mail.outbox) == 1
    colleague.membership.is_active = False
    colleague.membership.save(update_fields=["is_active"])
    ask_reset(WebClient(), colleague.email)
    assert len(mail.outbox) == 1


def test_reset_is_throttled_per_account_silently_and_per_address_openly(settings, therapist):
    settings.PASSWORD_RESET_PER_ACCOUNT_PER_HOUR = 2
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 4
    answers = [ask_reset(WebClient(), therapist.email).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 302]
    assert len(mail.outbox) == 2  # the account's limit: the answer does not change
    assert ask_reset(WebClient(), "nobody.here@northside.example").status_code == 429


def test_the_reset_lifts_a_sign_in_lockout(settings, therapist):
    browser = WebClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post(reverse("login"), {"username": therapist.email, "password": "wrong guess"})
    locked = browser.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Try again in 15 minutes" in locked.content and reverse("password_reset").encode() in locked.content

    ask_reset(WebClient(), therapist.email)
    resetter = WebClient()
    resetter.post(
        resetter.get(reset_link_from_mail())["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert browser.post(reverse("login"), {"username": therapist.email, "password": NEW_PASSWORD}).status_code == 302


# ---------------------------------------------------------------------------
# Change, sign-out everywhere


def change(browser, current, new=NEW_PASSWORD):
    return browser.post(
        reverse("password_change"), {"current_password": current, "new_password1": new, "new_password2": new}
    )


def test_password_change_keeps_this_session_and_ends_tokens_and_other_sessions(therapist):
    api = as_user(therapist)
    other = web_as(therapist)
    browser = web_as(therapist)
    response = change(browser, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert browser.get(reverse("dashboard")).status_code == 200
    assert other.get(reverse("dashboard")).status_code == 302
    assert api.get(reverse("api-me")).status_code == 401
    therapist.refresh_from_db()
    assert therapist.check_password(NEW_PASSWORD)


def test_password_change_counts_wrong_current_passwords_toward_the_lockout(settings, therapist):
    browser = web_as(therapist)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert change(browser, "wrong").status_code == 400
    refused = change(browser, PASSWORD)
    assert refused.status_code == 400 and b"Too many failed password attempts" in refused.content
    therapist.refresh_from_db()
    assert therapist.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="lockout", actor=therapist).exists()


def test_sign_out_everywhere_ends_every_session_and_token(therapist):
    api = as_user(therapist)
    other = web_as(therapist)
    browser = web_as(therapist)
    response = browser.post(reverse("sign_out_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    for session in (browser, other):
        assert session.get(reverse("dashboard")).status_code == 302
    assert api.get(reverse("api-me")).status_code == 401
    assert not ApiToken.objects.filter(user=therapist).live().exists()
    assert AuditEvent.objects.filter(action="sessions_end", actor=therapist).exists()
    # Signing in again works.
    assert WebClient().post(reverse("login"), {"username": therapist.email, "password": PASSWORD}).status_code == 302


# ---------------------------------------------------------------------------
# Second factor


def verified_browser(user, device) -> WebClient:
    browser = WebClient()
    browser.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    browser.post(reverse("mfa_verify"), {"otp": current_code(device)})
    return browser


def test_account_page_shows_mfa_status_and_needs_the_second_factor(therapist):
    device = enrol_totp(therapist)
    half = WebClient()
    half.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    assert half.get(reverse("account"))["Location"].startswith(reverse("mfa_verify"))
    page = verified_browser(therapist, device).get(reverse("account"))
    assert page.status_code == 200 and b"Recovery codes" in page.content and b"since" in page.content


def test_recovery_codes_need_the_password_and_can_be_replaced(therapist):
    device = enrol_totp(therapist)
    browser = verified_browser(therapist, device)
    old = accounts.recovery_codes_issue(user=therapist)

    refused = browser.post(reverse("recovery_codes"), {"password": "wrong", "action": "show"})
    assert refused.status_code == 400 and old[0].encode() not in refused.content

    shown = browser.post(reverse("recovery_codes"), {"password": PASSWORD, "action": "show"})
    assert shown.status_code == 200 and all(code.encode() in shown.content for code in old)

    replaced = browser.post(reverse("recovery_codes"), {"password": PASSWORD, "action": "regenerate"})
    new = set(StaticToken.objects.filter(device__user=therapist).values_list("token", flat=True))
    assert replaced.status_code == 200 and len(new) == 10 and not new & set(old)


def test_a_new_device_replaces_the_old_one_once_confirmed(therapist):
    old = enrol_totp(therapist)
    browser = verified_browser(therapist, old)
    assert browser.post(reverse("mfa_reenrol"), {"password": "wrong"}).status_code == 400
    response = browser.post(reverse("mfa_reenrol"), {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_setup")
    new = TOTPDevice.objects.get(user=therapist, confirmed=False)
    assert TOTPDevice.objects.filter(pk=old.pk).exists()  # still works until the new one is confirmed
    confirmed = browser.post(reverse("mfa_setup"), {"otp": current_code(new)})
    assert confirmed.status_code == 200 and b"recovery codes" in confirmed.content.lower()
    assert list(TOTPDevice.objects.filter(user=therapist).values_list("pk", flat=True)) == [new.pk]


def test_clients_have_an_account_page_without_the_second_factor_section(client_user):
    page = web_as(client_user).get(reverse("account"))
    assert page.status_code == 200
    assert b"Two-factor" not in page.content and b"Sign out of all sessions" in page.content
    assert b'href="/account/"' in page.content  # the navigation link


def test_a_pending_new_device_cannot_be_confirmed_with_the_password_alone(therapist):
    old = enrol_totp(therapist)
    verified_browser(therapist, old).post(reverse("mfa_reenrol"), {"password": PASSWORD})
    pending = TOTPDevice.objects.get(user=therapist, confirmed=False)

    attacker = WebClient()
    attacker.post(reverse("login"), {"username": therapist.email, "password": PASSWORD})
    page = attacker.get(reverse("mfa_setup"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("mfa_verify"))
    refused = attacker.post(reverse("mfa_setup"), {"otp": current_code(pending)})
    assert refused.status_code == 302
    pending.refresh_from_db()
    assert not pending.confirmed and TOTPDevice.objects.filter(pk=old.pk).exists()
    assert attacker.get(reverse("dashboard"))["Location"].startswith(reverse("mfa_verify"))
