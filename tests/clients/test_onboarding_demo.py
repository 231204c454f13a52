"""`make demo` seeds onboarding content: contact details, consent texts, invites."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clients.models import Client, Consent, ConsentText, PortalInvite

pytestmark = pytest.mark.django_db


def test_the_demo_has_contact_details_consent_texts_and_a_pending_and_an_expired_invite():
    out = io.StringIO()
    call_command("seed_demo", clients=4, seed=5, stdout=out)
    assert "/portal/accept-invite/?token=" in out.getvalue()
    assert not Client.objects.filter(practice__slug="northside", emergency_contact_phone="").exists()
    assert not Client.objects.filter(practice__slug="northside", phone="").exists()
    assert not Consent.objects.filter(client__practice__slug="northside", text__isnull=True).exists()
    assert ConsentText.objects.filter(kind="treatment", version=2).exists()
    assert Consent.objects.filter(method=Consent.Method.PORTAL_SIGNATURE).exclude(signature_name="").exists()
    states = sorted(invite.state() for invite in PortalInvite.objects.filter(client__practice__slug="northside"))
    assert states == [PortalInvite.State.EXPIRED, PortalInvite.State.SENT]
