"""F12: production defaults. Passwords of at least 12 characters checked against common and
all-digit ones wherever a password is set; the practice can require MFA through the API; the
demo seeder refuses to run in production."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from practice.audit import AuditAction
from practice.models import AuditEvent, Membership, Practice, User
from tests.conftest import PASSWORD, as_user, web_as

pytestmark = pytest.mark.django_db

WEAK = ["Welcome2026", "short1", "password1234", "123456789012", "therapist.new@x"]
STRONG = "river stones at noon"


@pytest.mark.parametrize("password", WEAK)
def test_new_member_api_refuses_weak_passwords(admin, password):
    response = as_user(admin).post(
        reverse("api-members"),
        {"email": "therapist.new@northside.example", "role": "therapist", "password": password},
        format="json",
    )
    assert response.status_code == 400 and "password" in response.json()
    assert not User.objects.filter(email="therapist.new@northside.example").exists()


def test_new_member_api_accepts_a_long_uncommon_password(admin):
    response = as_user(admin).post(
        reverse("api-members"),
        {"email": "therapist.new@northside.example", "role": "therapist", "password": STRONG},
        format="json",
    )
    assert response.status_code == 201


def test_add_member_command_refuses_an_eight_character_password(practice):
    with pytest.raises(CommandError, match="password"):
        call_command(
            "add_member",
            practice=practice.slug,
            role="admin",
            email="admin2@northside.example",
            password="Welcome2026",
            stdout=io.StringIO(),
        )
    assert not User.objects.filter(email="admin2@northside.example").exists()


@pytest.mark.parametrize("password", ["Welcome2026", "password1234"])
def test_accepting_a_portal_invite_refuses_weak_passwords(client_record, therapist, password):
    from clients.services.records import portal_invite_create

    _invite, raw = portal_invite_create(client=client_record, actor=therapist)
    response = APIClient().post(
        reverse("api-accept-invite"), {"invite_token": raw, "password": password}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()
    client_record.refresh_from_db()
    assert client_record.user is None


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.ALLIANCE_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", clients=2, stdout=io.StringIO())
    assert not Practice.objects.exists() and not User.objects.exists()


# ---------------------------------------------------------------------------
# GET/PATCH /api/v1/practice/: an admin can switch the practice's MFA requirement on


def test_admin_reads_the_practice_settings(admin):
    response = as_user(admin).get(reverse("api-practice"))
    assert response.status_code == 200
    # The practice's other settings are checked in tests/practice/test_practice_settings.py.
    assert (
        response.json()
        | {
            "id": admin.membership.practice_id,
            "name": "Northside Therapy",
            "slug": "northside",
            "require_mfa": False,
        }
        == response.json()
    )


def test_admin_requires_mfa_and_staff_then_reach_nothing_before_enrolling(admin, therapist, client_record):
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    therapist_api = as_user(therapist)
    assert therapist_api.get(reverse("api-clients")).status_code == 200

    response = as_user(admin).patch(reverse("api-practice"), {"require_mfa": True}, format="json")
    assert response.status_code == 200 and response.json()["require_mfa"] is True
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_type="practice.practice")
    assert event.actor_id == admin.pk and event.fields == ["require_mfa"]

    # The therapist, who has no authenticator yet, now reaches no clinical content anywhere.
    assert therapist_api.get(reverse("api-clients")).status_code == 401
    token = APIClient().post(reverse("api-token"), {"username": therapist.email, "password": PASSWORD}, format="json")
    assert token.status_code == 400 and "otp" in token.json()
    page = web_as(therapist).get(reverse("client-chart", args=[client_record.pk]))
    assert page.status_code == 302 and page.url == reverse("mfa_setup")


def test_admin_without_mfa_cannot_require_it_and_lock_everyone_out(admin):
    response = as_user(admin).patch(reverse("api-practice"), {"require_mfa": True}, format="json")
    assert response.status_code == 400 and "require_mfa" in response.json()
    assert Practice.objects.get(pk=admin.membership.practice_id).require_mfa is False


def test_admin_renames_the_practice(admin):
    response = as_user(admin).patch(reverse("api-practice"), {"name": "Northside Therapy Collective"}, format="json")
    assert response.status_code == 200
    assert Practice.objects.get(pk=admin.membership.practice_id).name == "Northside Therapy Collective"


@pytest.mark.parametrize("role", ["manager", "therapist", "client_user"])
def test_other_roles_cannot_change_the_practice(role, request):
    user = request.getfixturevalue(role)
    before = Practice.objects.get(pk=Membership.objects.get(user=user).practice_id)
    response = as_user(user).patch(reverse("api-practice"), {"require_mfa": True}, format="json")
    assert response.status_code == 404
    assert Practice.objects.get(pk=before.pk).require_mfa is False
