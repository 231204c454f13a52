"""A therapist adds a client and invites them; the client follows the e-mailed link on a phone,
chooses a password, signs in and signs the AI consent; the therapist sees it on the chart.

axe-core must find no serious or critical violations on any page of the flow. Screenshots go to
test-artifacts/screenshots/ (1440x900 for the therapist, 390x844 for the client).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from clients.models import Client, Consent, PortalInvite
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LINK = re.compile(r"https?://\S+/portal/accept-invite/\?token=\S+")
CLIENT_PASSWORD = "river stones at dawn 42"


def check(page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], (name, [(violation["id"], violation["help"]) for violation in violations])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: scrolls sideways"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"onboarding-{name}.png"), full_page=True)


@pytest.fixture
def wide(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def handset(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_therapist_adds_and_invites_a_client_who_signs_the_ai_consent_in_the_portal(
    wide, handset, live_server, therapist
):
    base = live_server.url
    mail.outbox.clear()

    # The therapist adds a client from the caseload.
    login(wide, live_server, therapist.email, PASSWORD)
    wide.wait_for_url(f"{base}/caseload/")
    wide.get_by_role("link", name="Add client").click()
    wide.wait_for_url(f"{base}/clients/new/")
    check(wide, "add-client")
    wide.fill("#id_first_name", "Robin")
    wide.fill("#id_last_name", "Achebe")
    wide.fill("#id_pronouns", "they/them")
    wide.fill("#id_date_of_birth", "1991-06-15")
    wide.fill("#id_email", "robin.achebe@example.org")
    wide.fill("#id_phone", "555 0142")
    wide.fill("#id_emergency_contact_name", "Ada Achebe")
    wide.fill("#id_emergency_contact_relationship", "mother")
    wide.fill("#id_emergency_contact_phone", "555 0143")
    wide.get_by_role("button", name="Add client").click()
    client = Client.objects.get(last_name="Achebe")
    wide.wait_for_url(f"{base}/clients/{client.pk}/")
    assert wide.get_by_test_id("client-contact").get_by_role("link", name="555 0142").get_attribute("href") == (
        "tel:5550142"
    )
    assert "Ada Achebe (mother)" in wide.get_by_test_id("emergency-contact").inner_text()
    check(wide, "chart-new-client")

    # ... and invites them to the portal from the details page.
    wide.get_by_role("link", name="Edit details").click()
    wide.wait_for_url(f"{base}/clients/{client.pk}/details/")
    wide.get_by_role("button", name="Invite to the portal").click()
    wide.wait_for_url(f"{base}/clients/{client.pk}/details/")
    assert wide.get_by_test_id("invite-state").inner_text() == "Sent"
    check(wide, "details-invited")

    # The client opens the e-mailed link on their phone and chooses a password.
    invitations = [message for message in mail.outbox if message.to == ["robin.achebe@example.org"]]
    assert len(invitations) == 1
    link = LINK.search(invitations[0].body).group(0)
    handset.goto(link)
    assert handset.get_by_role("heading", name="Welcome, Robin").is_visible()
    check(handset, "accept-invite")
    assert PortalInvite.objects.get(client=client).state() == PortalInvite.State.OPENED
    handset.fill("#id_password", CLIENT_PASSWORD)
    handset.fill("#id_password_confirm", CLIENT_PASSWORD)
    handset.get_by_role("button", name="Set password and continue").click()
    handset.wait_for_url(f"{base}/portal/")

    # They sign out and sign in again with the new password.
    handset.get_by_role("button", name="Sign out").click()
    login(handset, live_server, "robin.achebe@example.org", CLIENT_PASSWORD)
    handset.wait_for_url(f"{base}/portal/")

    # They read the AI consent and sign it with their name.
    handset.get_by_role("link", name=re.compile("Your consents")).click()
    handset.wait_for_url(f"{base}/portal/consent/")
    check(handset, "portal-consents")
    handset.get_by_test_id("consent-ai_processing").get_by_role("link", name="Read and sign").click()
    handset.wait_for_url(f"{base}/portal/consent/ai_processing/")
    check(handset, "portal-sign-ai")
    handset.fill("#id_signature_name", "Robin Achebe")
    handset.get_by_role("button", name="Sign", exact=True).click()
    handset.wait_for_url(f"{base}/portal/consent/")
    assert "signed by you as “Robin Achebe”" in handset.get_by_test_id("consent-ai_processing").inner_text()
    consent = Consent.objects.get(client=client, kind=Consent.Kind.AI_PROCESSING, revoked_at__isnull=True)
    assert consent.method == Consent.Method.PORTAL_SIGNATURE

    # The therapist sees the signed consent on the chart.
    wide.goto(f"{base}/clients/{client.pk}/?tab=consent")
    card = wide.get_by_test_id("chart-consent-ai_processing")
    assert "Signed by the client in the portal as “Robin Achebe”" in card.inner_text()
    assert wide.get_by_role("link", name="AI processing: yes").is_visible()
    wide.goto(f"{base}/clients/{client.pk}/details/")
    assert "Has an account" in wide.get_by_role("region", name="Client portal").inner_text()
    wide.goto(f"{base}/clients/{client.pk}/?tab=consent")
    check(wide, "chart-consent")


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_onboarding_pages_are_accessible_at_both_widths(browser, live_server, therapist, manager, client_record, size):
    """The duplicate warning, the details page, the consent tab and the consent text pages, for
    the therapist and (details, roster) the manager: axe clean and no sideways scrolling."""
    from clients.services.records import portal_invite_create

    portal_invite_create(client=client_record, actor=therapist)
    client_record.phone = "555 0100"
    client_record.emergency_contact_name = "Robin Quinn"
    client_record.emergency_contact_phone = "555 0200"
    client_record.save()
    base = live_server.url
    width, height = size
    tag = "desktop" if width > 800 else "phone"
    for user, paths in [
        (
            therapist,
            [
                f"/clients/{client_record.pk}/details/",
                f"/clients/{client_record.pk}/?tab=consent",
                "/consent-texts/",
                "/consent-texts/ai_processing/",
            ],
        ),
        (manager, ["/roster/", f"/clients/{client_record.pk}/details/"]),
    ]:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(10_000)
        login(page, live_server, user.email, PASSWORD)
        page.wait_for_load_state()
        for path in paths:
            page.goto(base + path)
            name = f"{user.membership.role}-{path.strip('/').replace('/', '-').replace('?tab=', '-')}-{tag}"
            check(page, name)
        if user == therapist:
            # The duplicate warning.
            page.goto(f"{base}/clients/new/")
            page.fill("#id_first_name", client_record.first_name)
            page.fill("#id_last_name", client_record.last_name)
            page.fill("#id_date_of_birth", client_record.date_of_birth.isoformat())
            page.get_by_role("button", name="Add client").click()
            assert page.get_by_test_id("duplicate-warning").is_visible()
            check(page, f"duplicate-warning-{tag}")
        context.close()
