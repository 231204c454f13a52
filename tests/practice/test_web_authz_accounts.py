"""Web authorization matrix for the account pages (every signed-in role) and the staff pages
(MANAGE_MEMBERS: managers and admins; a manager never changes an admin).

The reset and invite-acceptance pages are reached before signing in and are listed in
tests/test_route_coverage.py's PUBLIC_WEB_ROUTES; the GET rows here still check that they
answer everyone and write nothing.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from practice.models import StaffInvite
from practice.roles import Role
from tests.authz import ACTORS
from tests.conftest import make_member
from tests.web_authz import ANY_MEMBER, CLIENTS, NOBODY, STAFF, WebRow, only, run_web_row

MANAGERS = ("manager", "admin")
SIGNED_IN = tuple(actor for actor in ACTORS if actor != "anonymous")
WRONG_PASSWORD = {"password": "not the password", "action": "show"}
# Signed-in staff get the page back with the refusal (400); clients have no second factor here.
STAFF_STEP_UP = {**dict.fromkeys(STAFF, 400), **dict.fromkeys(CLIENTS, 404), "anonymous": 302}
POST_ONLY = {**dict.fromkeys(SIGNED_IN, 405), "anonymous": 302}
EVERYONE = dict.fromkeys(ACTORS, 200)


def new_invite(ctx):
    return {"first_name": "Ada", "last_name": "Byrne", "email": "ada.byrne@northside.example", "role": "therapist"}


WEB_MATRIX = [
    # Before signing in (public): same page for everyone.
    WebRow("password_reset", "get", EVERYONE),
    WebRow("password_reset_sent", "get", EVERYONE),
    WebRow("password_reset_done", "get", EVERYONE),
    # A wrong or used link: the "ask for a new link" page, for everyone.
    WebRow(
        "password_reset_confirm",
        "get",
        dict.fromkeys(ACTORS, 400),
        kwargs=lambda ctx: {"uidb64": "MQ", "token": "set-password"},
    ),
    WebRow("staff-accept-invite", "get", EVERYONE),
    WebRow("staff-accept-invite", "get", dict.fromkeys(ACTORS, 400), query="token=not-a-token"),
    # The signed-in account: every role, clients included.
    WebRow("account", "get", ANY_MEMBER),
    WebRow("password_change", "get", ANY_MEMBER),
    WebRow(
        "password_change",
        "post",
        {**dict.fromkeys(SIGNED_IN, 400), "anonymous": 302},
        data=lambda ctx: {"current_password": "wrong", "new_password1": "x", "new_password2": "x"},
    ),
    WebRow("sign_out_everywhere", "post", {**dict.fromkeys(SIGNED_IN, 302), "anonymous": 302}),
    WebRow("sign_out_everywhere", "get", POST_ONLY),
    WebRow("recovery_codes", "post", STAFF_STEP_UP, data=lambda ctx: WRONG_PASSWORD),
    WebRow("recovery_codes", "get", POST_ONLY),
    WebRow("mfa_reenrol", "post", STAFF_STEP_UP, data=lambda ctx: {"password": "not the password"}),
    WebRow("mfa_reenrol", "get", POST_ONLY),
    # Staff pages: managers and admins; everyone else 404.
    WebRow("staff", "get", only(200, *MANAGERS)),
    WebRow("staff-invite", "get", only(200, *MANAGERS)),
    WebRow("staff-invite", "post", only(302, *MANAGERS), data=new_invite),
    # A manager is not offered the admin role: the form refuses it.
    WebRow(
        "staff-invite", "post", only(302, "admin", manager=400), data=lambda ctx: {**new_invite(ctx), "role": "admin"}
    ),
    WebRow("staff-invite-resend", "post", only(302, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["invite"].pk}),
    WebRow("staff-invite-revoke", "post", only(302, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["invite"].pk}),
    # An invite for an admin is out of a manager's hands.
    WebRow(
        "staff-invite-revoke",
        "post",
        only(302, "admin", manager=403),
        kwargs=lambda ctx: {"pk": ctx["admin_invite"].pk},
    ),
    # Another practice's invite does not exist here.
    WebRow("staff-invite-revoke", "post", only(404), kwargs=lambda ctx: {"pk": ctx["outside_invite"].pk}),
    WebRow("staff-member", "get", only(200, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["target"].pk}),
    WebRow("staff-member", "get", only(200, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["second_admin"].pk}),
    WebRow("staff-member", "get", only(404), kwargs=lambda ctx: {"pk": ctx["outsider"].membership.pk}),
    # A client login is not staff: no staff page for it.
    WebRow("staff-member", "get", only(404), kwargs=lambda ctx: {"pk": ctx["client_member"].pk}),
    WebRow(
        "staff-member-role",
        "post",
        only(302, *MANAGERS),
        kwargs=lambda ctx: {"pk": ctx["target"].pk},
        data=lambda ctx: {"role": "manager"},
    ),
    # Making an admin, or changing one, is an admin's act.
    WebRow(
        "staff-member-role",
        "post",
        only(302, "admin", manager=403),
        kwargs=lambda ctx: {"pk": ctx["target"].pk},
        data=lambda ctx: {"role": "admin"},
    ),
    WebRow(
        "staff-member-role",
        "post",
        only(302, "admin", manager=403),
        kwargs=lambda ctx: {"pk": ctx["second_admin"].pk},
        data=lambda ctx: {"role": "therapist"},
    ),
    WebRow(
        "staff-member-role",
        "post",
        only(404),
        kwargs=lambda ctx: {"pk": ctx["outsider"].membership.pk},
        data=lambda ctx: {"role": "manager"},
    ),
    WebRow(
        "staff-member-supervisor",
        "post",
        only(302, *MANAGERS),
        kwargs=lambda ctx: {"pk": ctx["target"].pk},
        data=lambda ctx: {"supervisor": ctx["therapist"].membership.pk},
    ),
    # Supervision only between therapists of the practice.
    WebRow(
        "staff-member-supervisor",
        "post",
        only(400, *MANAGERS),
        kwargs=lambda ctx: {"pk": ctx["target"].pk},
        data=lambda ctx: {"supervisor": ctx["outsider"].membership.pk},
    ),
    WebRow("staff-member-deactivate", "post", only(302, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["target"].pk}),
    WebRow(
        "staff-member-deactivate",
        "post",
        only(302, "admin", manager=403),
        kwargs=lambda ctx: {"pk": ctx["second_admin"].pk},
    ),
    WebRow("staff-member-deactivate", "post", only(404), kwargs=lambda ctx: {"pk": ctx["outsider"].membership.pk}),
    WebRow("staff-member-deactivate", "get", only(405, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["target"].pk}),
    WebRow("staff-member-reactivate", "post", only(302, *MANAGERS), kwargs=lambda ctx: {"pk": ctx["inactive"].pk}),
]
assert NOBODY["anonymous"] == 302


@pytest.fixture
def ctx(actors, client_record, practice, other_practice, admin, outsider, client_user):
    target = make_member(practice, Role.THERAPIST, "target@northside.example").membership
    second_admin = make_member(practice, Role.ADMIN, "second.admin@northside.example").membership
    inactive = make_member(practice, Role.THERAPIST, "inactive@northside.example").membership
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    expires = timezone.now() + timezone.timedelta(days=2)

    def invite(practice, role, email, token_hash):
        return StaffInvite.objects.create(
            practice=practice, email=email, role=role, token_hash=token_hash, created_by=admin, expires_at=expires
        )

    return {
        **actors,
        "actors": actors,
        "client": client_record,
        "target": target,
        "second_admin": second_admin,
        "inactive": inactive,
        "client_member": client_user.membership,
        "invite": invite(practice, Role.THERAPIST, "pending@northside.example", "a" * 64),
        "admin_invite": invite(practice, Role.ADMIN, "pending.admin@northside.example", "b" * 64),
        "outside_invite": invite(other_practice, Role.THERAPIST, "pending@southside.example", "c" * 64),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_account_and_staff_page_authorization(row, ctx):
    run_web_row(row, ctx)
