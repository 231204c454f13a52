"""F2: no role can grant a role above its own (a manager cannot make an admin, who could then
open break-glass), nor change a member whose role is above its own."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from practice.models import Membership, User
from practice.roles import Role, can_grant, grantable_roles
from tests.conftest import Snapshot, as_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-passphrase-1"


def test_the_grant_table_never_reaches_above_the_granting_role():
    assert grantable_roles(Role.ADMIN) == {Role.THERAPIST, Role.MANAGER, Role.ADMIN}
    assert grantable_roles(Role.MANAGER) == {Role.THERAPIST, Role.MANAGER}
    for role in (Role.THERAPIST, Role.CLIENT, None, "nonsense"):
        assert grantable_roles(role) == frozenset()
    assert not can_grant(Role.MANAGER, Role.ADMIN)
    assert not any(can_grant(role, Role.CLIENT) for role in Role)


def add(api, role, email="new.member@northside.example"):
    return api.post(reverse("api-members"), {"email": email, "role": role, "password": NEW_PASSWORD}, format="json")


def test_a_manager_cannot_create_an_admin(manager):
    api = as_user(manager)
    before = Snapshot.take()
    response = add(api, "admin")
    assert response.status_code == 403
    assert "cannot give the admin role" in response.json()["detail"]
    assert Snapshot.take().changed_since(before) == {}
    assert not User.objects.filter(email="new.member@northside.example").exists()


@pytest.mark.parametrize("role", ["therapist", "manager"])
def test_a_manager_may_create_a_therapist_or_a_manager(manager, role):
    response = add(as_user(manager), role)
    assert response.status_code == 201
    assert Membership.objects.get(user__email="new.member@northside.example").role == role


@pytest.mark.parametrize("role", ["therapist", "manager", "admin"])
def test_an_admin_may_create_any_staff_role(admin, role):
    assert add(as_user(admin), role).status_code == 201


def test_a_manager_cannot_deactivate_or_rename_an_admin(manager, admin):
    url = reverse("api-member-detail", kwargs={"pk": admin.membership.pk})
    api = as_user(manager)
    before = Snapshot.take()
    for data in ({"is_active": False}, {"first_name": "Mallory"}):
        response = api.patch(url, data, format="json")
        assert response.status_code == 403, data
        assert "role is admin" in response.json()["detail"]
    assert Snapshot.take().changed_since(before) == {}
    admin.membership.refresh_from_db()
    admin.refresh_from_db()
    assert admin.membership.is_active and admin.first_name != "Mallory"


def test_an_admin_may_deactivate_a_manager_and_a_manager_a_therapist(admin, manager, therapist):
    for actor, member in ((manager, therapist), (admin, manager)):
        url = reverse("api-member-detail", kwargs={"pk": member.membership.pk})
        assert as_user(actor).patch(url, {"is_active": False}, format="json").status_code == 200
        member.membership.refresh_from_db()
        assert not member.membership.is_active


def test_the_operators_shell_command_may_still_create_an_admin(practice, capsys):
    call_command(
        "add_member",
        practice=practice.slug,
        role="admin",
        email="first.admin@northside.example",
        password=NEW_PASSWORD,
    )
    assert Membership.objects.get(user__email="first.admin@northside.example").role == Role.ADMIN
