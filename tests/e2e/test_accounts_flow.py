"""Accounts and staff in the browser: a password reset through the e-mailed link, an admin's
invite accepted by a new therapist, and a deactivation that signs the member out at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from practice.models import Membership, StaffInvite, User
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
NEW_PASSWORD = "a quiet morning by the lake"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def link_in_last_mail(pattern: str) -> str:
    assert mail.outbox, "no e-mail was sent"
    match = re.search(pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


@pytest.fixture(autouse=True)
def _no_padding(settings):
    settings.PASSWORD_RESET_MIN_RESPONSE_SECONDS = 0.05


def test_a_client_resets_their_password_from_the_sign_in_page(phone, live_server, client_user):
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.click("text=Forgot your password?")
    phone.wait_for_url("**/accounts/password/reset/")
    assert axe_violations(phone) == []
    phone.fill("#id_email", client_user.email)
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-testid=reset-sent]")
    assert axe_violations(phone) == []
    shot(phone, "e2e-reset-sent-phone")

    path = link_in_last_mail(r"https?://[^/\s]+(/accounts/password/reset/\S+/)")
    phone.goto(f"{live_server.url}{path}")
    phone.wait_for_url("**/set-password/")
    assert axe_violations(phone) == []
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-testid=reset-done]")
    assert axe_violations(phone) == []

    phone.click("main a.button:has-text('Sign in')")
    phone.fill("#id_username", client_user.email)
    phone.fill("#id_password", NEW_PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/portal/")
    phone.click("nav >> text=Account")
    phone.wait_for_url("**/account/")
    assert axe_violations(phone) == []
    shot(phone, "e2e-account-client-phone")


def test_an_admin_invites_a_therapist_who_accepts_and_signs_in(browser, desktop, live_server, admin):
    login(desktop, live_server, admin.email, PASSWORD)
    desktop.click("nav >> text=Staff")
    desktop.wait_for_url("**/staff/")
    assert axe_violations(desktop) == []
    desktop.click("text=Invite a member")
    desktop.fill("#id_first_name", "Ada")
    desktop.fill("#id_last_name", "Byrne")
    desktop.fill("#id_email", "ada.byrne@northside.example")
    desktop.select_option("#id_role", "therapist")
    assert axe_violations(desktop) == []
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=Invite sent to ada.byrne@northside.example")
    assert desktop.is_visible("td >> text=Waiting")
    assert axe_violations(desktop) == []
    shot(desktop, "e2e-staff-with-invite")

    path = link_in_last_mail(r"https?://[^/\s]+(/staff/join/\?token=\S+)")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    invitee = context.new_page()
    invitee.goto(f"{live_server.url}{path}")
    assert "Join Northside Therapy" in invitee.inner_text("h1")
    assert axe_violations(invitee) == []
    invitee.fill("#id_new_password1", NEW_PASSWORD)
    invitee.fill("#id_new_password2", NEW_PASSWORD)
    invitee.click("main button[type=submit]")
    invitee.wait_for_url("**/caseload/**")
    assert StaffInvite.objects.get().state() == StaffInvite.State.ACCEPTED
    invitee.click("nav >> text=Sign out")
    login(invitee, live_server, "ada.byrne@northside.example", NEW_PASSWORD)
    invitee.wait_for_url("**/caseload/**")
    context.close()

    desktop.reload()
    assert desktop.is_visible("a:has-text('Ada Byrne')")
    assert User.objects.get(email="ada.byrne@northside.example").membership.role == "therapist"


def test_an_admin_deactivates_a_member_who_is_signed_out_at_once(browser, desktop, live_server, admin, colleague):
    context = browser.new_context()
    member = context.new_page()
    login(member, live_server, colleague.email, PASSWORD)
    member.wait_for_url("**/caseload/**")

    login(desktop, live_server, admin.email, PASSWORD)
    desktop.goto(f"{live_server.url}/staff/")
    desktop.click(f"a:has-text('{colleague.membership.display_name}')")
    assert axe_violations(desktop) == []
    desktop.click("button:has-text('Deactivate')")
    desktop.wait_for_selector("text=was deactivated")
    assert desktop.is_visible("button:has-text('Reactivate')")
    assert axe_violations(desktop) == []
    shot(desktop, "e2e-staff-member-deactivated")
    assert not Membership.objects.get(pk=colleague.membership.pk).is_active

    member.goto(f"{live_server.url}/caseload/")
    assert "/accounts/login/" in member.url
    context.close()
