"""Staff management: invites by e-mail, role changes within grantable_roles, supervision,
deactivation that ends sessions and tokens at once."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client as WebClient
from django.test import TestCase
from django.urls import reverse

from practice import staff
from practice.errors import DomainError, Forbidden
from practice.models import ApiToken, AuditEvent, Membership, StaffInvite, User
from practice.roles import Role
from tests.conftest import PASSWORD, Snapshot, as_user, make_member, web_as

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "my own long passphrase"
INVITE_LINK = re.compile(r"https?://[^/\s]+(/staff/join/\?token=[^\s]+)")


def link_for(raw: str) -> str:
    return f"https://alliance.example/staff/join/?token={raw}"


def invite_by_web(browser, **data):
    payload = {"first_name": "Ada", "last_name": "Byrne", "email": "ada.byrne@northside.example", "role": "therapist"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return browser.post(reverse("staff-invite"), {**payload, **data})


def accept(browser, path, password=NEW_PASSWORD):
    token = path.split("token=")[1]
    return browser.post(
        reverse("staff-accept-invite"),
        {
            "token": token,
            "first_name": "Ada",
            "last_name": "Byrne",
            "new_password1": password,
            "new_password2": password,
        },
    )


def test_an_invite_is_emailed_and_accepting_it_creates_the_account_through_password_set(admin):
    response = invite_by_web(web_as(admin))
    assert response.status_code == 302
    invite = StaffInvite.objects.get()
    assert invite.state() == StaffInvite.State.PENDING and invite.created_by == admin
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada.byrne@northside.example"]
    path = INVITE_LINK.search(mail.outbox[0].body).group(1)

    browser = WebClient()
    assert browser.get(path).status_code == 200
    joined = accept(browser, path)
    assert joined.status_code == 302 and joined["Location"] == reverse("home")
    user = User.objects.get(email="ada.byrne@northside.example")
    assert user.check_password(NEW_PASSWORD) and user.membership.role == Role.THERAPIST
    assert AuditEvent.objects.filter(action="password_change", actor=user).exists()  # through password_set
    assert AuditEvent.objects.filter(action="invite_accept", actor=user).exists()
    assert browser.get(reverse("dashboard")).status_code == 200
    # The link works once.
    assert accept(WebClient(), path).status_code == 400


def test_a_refused_password_leaves_the_invite_usable_and_creates_nothing(admin):
    staff.staff_invite_create(actor=admin, email="ada@northside.example", role="therapist", link_for=link_for)
    raw = "x"
    invite = StaffInvite.objects.get()
    invite.token_hash = staff._hash(raw)
    invite.save(update_fields=["token_hash"])
    with pytest.raises(DomainError):
        staff.staff_invite_accept(raw_token=raw, password="short")
    assert not User.objects.filter(email="ada@northside.example").exists()
    assert staff.staff_invite_lookup(raw) is not None


def test_where_mfa_is_required_the_new_member_enrols_before_anything(settings, admin, client_record):
    invite_by_web(web_as(admin))
    path = INVITE_LINK.search(mail.outbox[0].body).group(1)
    settings.ALLIANCE = {**settings.ALLIANCE, "REQUIRE_MFA_FOR_STAFF": True}
    browser = WebClient()
    joined = accept(browser, path)
    assert joined["Location"] == reverse("mfa_setup")
    for url in (reverse("dashboard"), reverse("account"), reverse("client-chart", kwargs={"pk": client_record.pk})):
        assert browser.get(url)["Location"] == reverse("mfa_setup")
    assert browser.get(reverse("api-me")).status_code in (401, 403)


def test_an_invite_never_touches_an_existing_account(admin, therapist):
    with pytest.raises(DomainError):
        staff.staff_invite_create(actor=admin, email=therapist.email.upper(), role="admin", link_for=link_for)
    assert not StaffInvite.objects.exists()


def test_a_manager_cannot_invite_an_admin(manager):
    before = Snapshot.take()
    with pytest.raises(Forbidden):
        staff.staff_invite_create(actor=manager, email="boss@northside.example", role="admin", link_for=link_for)
    assert Snapshot.take().changed_since(before) == {}
    response = invite_by_web(web_as(manager), role="admin")
    assert response.status_code == 400 and not StaffInvite.objects.exists()


def test_resending_replaces_the_link_and_withdrawing_ends_it(admin):
    invite = staff.staff_invite_create(actor=admin, email="ada@northside.example", role="therapist", link_for=link_for)
    first_hash = invite.token_hash
    staff.staff_invite_resend(actor=admin, invite_id=invite.pk, link_for=link_for)
    invite.refresh_from_db()
    assert invite.token_hash != first_hash and invite.sent_count == 2
    staff.staff_invite_revoke(actor=admin, invite_id=invite.pk)
    invite.refresh_from_db()
    assert invite.state() == StaffInvite.State.REVOKED


# ---------------------------------------------------------------------------
# Roles


def test_role_change_is_refused_above_the_actors_own_role(manager, admin, colleague):
    target = colleague.membership
    with pytest.raises(Forbidden):
        staff.member_role_change(membership=target, role=Role.ADMIN, actor=manager)
    with pytest.raises(Forbidden):
        staff.member_role_change(membership=admin.membership, role=Role.THERAPIST, actor=manager)
    target.refresh_from_db()
    admin.membership.refresh_from_db()
    assert target.role == Role.THERAPIST and admin.membership.role == Role.ADMIN

    staff.member_role_change(membership=target, role=Role.MANAGER, actor=manager)
    target.refresh_from_db()
    assert target.role == Role.MANAGER
    assert any("role" in event.fields for event in AuditEvent.objects.filter(action="update", target_id=str(target.pk)))


def test_nobody_changes_their_own_role_and_the_last_admin_stays(admin, practice):
    with pytest.raises(DomainError):
        staff.member_role_change(membership=admin.membership, role=Role.THERAPIST, actor=admin)
    other = make_member(practice, Role.ADMIN, "other.admin@northside.example")
    staff.member_deactivate(membership=other.membership, actor=admin)
    with pytest.raises(DomainError):
        staff.member_deactivate(membership=admin.membership, actor=admin)


def test_supervision_is_between_active_therapists_of_the_practice(admin, therapist, colleague, outsider, manager):
    staff.member_supervisor_set(membership=colleague.membership, supervisor_id=therapist.membership.pk, actor=admin)
    colleague.membership.refresh_from_db()
    assert colleague.membership.supervisor == therapist.membership
    for bad in (outsider.membership.pk, manager.membership.pk, colleague.membership.pk):
        with pytest.raises(DomainError):
            staff.member_supervisor_set(membership=colleague.membership, supervisor_id=bad, actor=admin)
    # No loops: the supervisee cannot supervise their supervisor.
    with pytest.raises(DomainError):
        staff.member_supervisor_set(membership=therapist.membership, supervisor_id=colleague.membership.pk, actor=admin)


# ---------------------------------------------------------------------------
# Deactivation


def test_deactivation_ends_sessions_and_tokens_at_once(admin, colleague):
    api = as_user(colleague)
    browser = web_as(colleague)
    assert browser.get(reverse("dashboard")).status_code == 200

    response = web_as(admin).post(reverse("staff-member-deactivate", kwargs={"pk": colleague.membership.pk}))
    assert response.status_code == 302

    assert browser.get(reverse("dashboard")).status_code == 302
    assert api.get(reverse("api-me")).status_code == 401
    assert not ApiToken.objects.filter(user=colleague).live().exists()
    # Signing in again gets them nowhere while deactivated.
    again = WebClient()
    again.post(reverse("login"), {"username": colleague.email, "password": PASSWORD})
    assert again.get(reverse("dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="deactivate", actor=admin).exists()

    # Reactivation does not revive the old sessions; signing in again works.
    staff.member_reactivate(membership=Membership.objects.get(pk=colleague.membership.pk), actor=admin)
    assert browser.get(reverse("dashboard")).status_code == 302
    fresh = WebClient()
    assert fresh.post(reverse("login"), {"username": colleague.email, "password": PASSWORD}).status_code == 302
    assert fresh.get(reverse("dashboard")).status_code == 200


def test_deactivating_through_the_api_ends_sessions_too(admin, colleague):
    browser = web_as(colleague)
    assert browser.get(reverse("dashboard")).status_code == 200
    response = as_user(admin).patch(
        reverse("api-member-detail", kwargs={"pk": colleague.membership.pk}), {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    staff.member_reactivate(membership=Membership.objects.get(pk=colleague.membership.pk), actor=admin)
    assert browser.get(reverse("dashboard")).status_code == 302


def test_the_member_page_lists_their_clients_for_reassignment(admin, therapist, client_record):
    staff.member_deactivate(membership=therapist.membership, actor=admin)
    page = web_as(admin).get(reverse("staff-member", kwargs={"pk": therapist.membership.pk}))
    assert page.status_code == 200
    assert client_record.last_name.encode() in page.content
    assert f"{reverse('roster')}?therapist={therapist.membership.pk}".encode() in page.content


def test_the_staff_list_shows_role_status_mfa_and_last_sign_in(manager, therapist, colleague, admin, client_record):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=therapist, confirmed=True)
    staff.member_deactivate(membership=colleague.membership, actor=admin)
    rows = {row.membership.user.email: row for row in staff.staff_list(user=manager)}
    assert rows[therapist.email].mfa_enabled and not rows[colleague.email].mfa_enabled
    assert not rows[colleague.email].membership.is_active
    assert rows[therapist.email].client_count == 1
    assert not rows[admin.email].can_manage and rows[therapist.email].can_manage
    page = web_as(manager).get(reverse("staff"))
    assert b"Deactivated" in page.content and b"Invite a member" in page.content


def test_the_demo_has_a_pending_invite_a_deactivated_member_and_one_with_mfa():
    import io

    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = io.StringIO()
    call_command("seed_demo", clients=4, seed=2, stdout=out)
    assert StaffInvite.objects.pending().count() == 1
    assert StaffInvite.objects.exclude(pk__in=StaffInvite.objects.pending()).count() == 1
    inactive = Membership.objects.get(is_active=False)
    assert inactive.user.email == "becker@northside.example" and staff.member_clients(inactive)
    assert TOTPDevice.objects.filter(user__email="haddad@northside.example", confirmed=True).exists()
    assert Membership.objects.get(user__email="haddad@northside.example").supervisor is not None
    assert "haddad@northside.example" in out.getvalue()


def test_the_api_changes_a_role_only_within_grantable_roles(manager, colleague):
    url = reverse("api-member-detail", kwargs={"pk": colleague.membership.pk})
    api = as_user(manager)
    assert api.patch(url, {"role": "admin"}, format="json").status_code == 403
    response = api.patch(url, {"role": "manager"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "manager"
    own = reverse("api-member-detail", kwargs={"pk": manager.membership.pk})
    assert api.patch(own, {"role": "therapist"}, format="json").status_code == 400


def test_the_staff_page_query_count_does_not_grow_with_the_staff(admin, practice, therapist, client_record):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = web_as(admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(reverse("staff")).status_code == 200
        return len(captured)

    browser.get(reverse("staff"))  # the first view stores the session's idle clock
    small = queries()
    for index in range(10):
        member = make_member(practice, Role.THERAPIST, f"extra{index}@northside.example").membership
        member.supervisor = therapist.membership
        member.save(update_fields=["supervisor"])
        staff.staff_invite_create(
            actor=admin, email=f"invitee{index}@northside.example", role="therapist", link_for=link_for
        )
    assert queries() == small
