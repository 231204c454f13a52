"""Demo content for the account and staff pages (called once from `seed_demo`).

Adds, to the demo practice: a therapist who signs in with two-factor (a published demo key),
a deactivated therapist still listed on two care teams (so the staff page shows what to
reassign), supervision between therapists, a pending and an expired staff invite, and
believable last sign-in times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.models import Membership, Practice, StaffInvite, User
from practice.roles import Role
from practice.services import member_add

# RFC 6238's test secret: published, so a newcomer can add it to an authenticator app.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_KEY_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
DEMO_RECOVERY_CODES = [f"demo{index:02d}code" for index in range(1, 11)]


def seed_accounts(practice: Practice, *, password: str, stdout=None) -> None:
    """Call inside seed_demo's transaction, after the members and clients exist."""
    now = timezone.now()
    admin = Membership.objects.get(practice=practice, role=Role.ADMIN).user
    therapists = list(
        Membership.objects.filter(practice=practice, role=Role.THERAPIST).select_related("user").order_by("pk")
    )
    lead = therapists[0]

    # A therapist who uses two-factor sign-in.
    haddad = member_add(
        practice=practice,
        role=Role.THERAPIST,
        email="haddad@northside.example",
        password=password,
        first_name="Noor",
        last_name="Haddad",
        validate=False,
    )
    TOTPDevice.objects.create(user=haddad.user, name="Authenticator app", key=DEMO_TOTP_KEY_HEX, confirmed=True)
    static = StaticDevice.objects.create(user=haddad.user, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in DEMO_RECOVERY_CODES])

    # Supervision: the first therapist supervises the newest colleagues.
    Membership.objects.filter(pk__in=[haddad.pk, therapists[-1].pk]).update(supervisor=lead)

    # A therapist who left: deactivated, still co-therapist on two care teams.
    becker = member_add(
        practice=practice,
        role=Role.THERAPIST,
        email="becker@northside.example",
        password=password,
        first_name="Tom",
        last_name="Becker",
        validate=False,
    )
    Membership.objects.filter(pk=becker.pk).update(
        is_active=False, deactivated_at=now - dt.timedelta(days=19), created_at=now - dt.timedelta(days=400)
    )
    from clients.models import Client

    co_clients = list(
        Client.objects.filter(practice=practice, co_therapist__isnull=True)
        .exclude(status=Client.Status.DISCHARGED)
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    )
    Client.objects.filter(pk__in=co_clients).update(co_therapist=becker)

    # Staff invites: one waiting, one that ran out.
    StaffInvite.objects.create(
        practice=practice,
        email="priya.natarajan@northside.example",
        first_name="Priya",
        last_name="Natarajan",
        role=Role.THERAPIST,
        token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        created_by=admin,
        created_at=now - dt.timedelta(hours=20),
        expires_at=now + dt.timedelta(days=2, hours=4),
    )
    StaffInvite.objects.create(
        practice=practice,
        email="lee.morgan@northside.example",
        first_name="Lee",
        last_name="Morgan",
        role=Role.MANAGER,
        token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        created_by=admin,
        created_at=now - dt.timedelta(days=12),
        expires_at=now - dt.timedelta(days=9),
        sent_count=2,
    )

    # Last sign-in times, so the staff list reads like a practice in use.
    hours_ago = {"admin": 2, "manager": 5}
    for index, membership in enumerate(Membership.objects.filter(practice=practice).exclude(role=Role.CLIENT)):
        if membership.pk == becker.pk:
            ago = dt.timedelta(days=21, hours=3)
        else:
            ago = dt.timedelta(hours=hours_ago.get(membership.role, 1 + index * 7))
        User.objects.filter(pk=membership.user_id).update(last_login=now - ago)

    if stdout is not None:
        stdout.write(
            "Two-factor demo: haddad@northside.example asks for a code; add the key "
            f"{DEMO_TOTP_KEY_BASE32} to an authenticator app, or use a recovery code such as {DEMO_RECOVERY_CODES[0]}."
        )
