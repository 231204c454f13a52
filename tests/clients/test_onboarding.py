"""Onboarding in the browser: adding a client (duplicate check), the details page, portal
invitations by e-mail (states, expiry, re-sending) and consent (versioned texts, signing in the
portal, recording in session, withdrawal from either side)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import CareTeamChange, Client, Consent, ConsentText, PortalInvite
from clients.selectors_onboarding import consent_states, portal_access, possible_duplicates
from clients.services import records
from clients.services.consents import consent_record_in_session, consent_sign, consent_text_publish
from insights.models import Alert
from practice.errors import Conflict, DomainError
from tests.conftest import PASSWORD, as_user, web_as
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/portal/accept-invite/\?token=\S+")


def new_client(**overrides):
    return {"first_name": "Jamie", "last_name": "Rowe", "date_of_birth": "1990-04-02", **overrides}


# ---------------------------------------------------------------------------
# Adding a client and the duplicate check


def test_duplicate_check_matches_name_with_birth_date_or_the_same_email(therapist, client_record):
    dob = client_record.date_of_birth
    by_name = possible_duplicates(user=therapist, first_name=" avery ", last_name="QUINN", date_of_birth=dob, email="")
    assert [match.client for match in by_name] == [client_record]
    assert by_name[0].reason == "same name and date of birth"
    other_birthday = possible_duplicates(
        user=therapist, first_name="Avery", last_name="Quinn", date_of_birth=dob - dt.timedelta(days=1)
    )
    assert other_birthday == []
    by_email = possible_duplicates(
        user=therapist, first_name="Someone", last_name="Else", date_of_birth=dob, email=client_record.email.upper()
    )
    assert [match.reason for match in by_email] == ["same e-mail address"]


def test_adding_a_likely_duplicate_asks_first_then_adds_on_confirmation(therapist, client_record):
    browser = web_as(therapist)
    data = new_client(first_name="Avery", last_name="Quinn", date_of_birth=client_record.date_of_birth.isoformat())
    before = Client.objects.count()
    response = browser.post(reverse("client-new"), data)
    assert response.status_code == 409
    assert b'data-testid="duplicate-warning"' in response.content
    assert reverse("client-chart", args=[client_record.pk]).encode() in response.content
    assert Client.objects.count() == before
    # The re-shown form carries the confirmation: submitting it again adds the client.
    assert b'name="confirm_duplicate" value="True"' in response.content
    response = browser.post(reverse("client-new"), {**data, "confirm_duplicate": "True"})
    assert response.status_code == 302
    assert Client.objects.count() == before + 1


def test_a_colleagues_duplicate_is_flagged_without_a_link_to_their_record(colleague, client_record):
    data = new_client(first_name="Avery", last_name="Quinn", date_of_birth=client_record.date_of_birth.isoformat())
    response = web_as(colleague).post(reverse("client-new"), data)
    assert response.status_code == 409
    assert b"Ask a practice manager" in response.content
    assert reverse("client-chart", args=[client_record.pk]).encode() not in response.content


def test_a_therapists_new_client_is_their_own_and_opens_on_the_chart(therapist):
    response = web_as(therapist).post(
        reverse("client-new"),
        new_client(pronouns="they/them", emergency_contact_name="Sky Rowe", emergency_contact_phone="555 0101"),
    )
    client = Client.objects.get(last_name="Rowe")
    assert response["Location"] == reverse("client-chart", args=[client.pk])
    assert client.primary_therapist == therapist.membership
    assert client.pronouns == "they/them"
    # A new client's treatment consent points at the practice's text (version 1, the default).
    consent = client.consents.get()
    assert consent.text.version == 1 and consent.version == "v1"


def test_a_manager_chooses_the_therapist_and_lands_on_the_details_page(manager, therapist):
    response = web_as(manager).post(reverse("client-new"), new_client(therapist=therapist.membership.pk))
    client = Client.objects.get(last_name="Rowe")
    assert response["Location"] == reverse("client-details", args=[client.pk])
    assert client.primary_therapist == therapist.membership


def test_an_emergency_contact_needs_a_phone_number(therapist):
    response = web_as(therapist).post(reverse("client-new"), new_client(emergency_contact_name="Sky Rowe"))
    assert response.status_code == 400
    assert b"Add a phone number for the emergency contact." in response.content
    assert not Client.objects.filter(last_name="Rowe").exists()


# ---------------------------------------------------------------------------
# The details page: contact, care team, status


def details(browser, client, **data):
    return browser.post(reverse("client-details", args=[client.pk]), data)


def test_discharge_needs_a_reason_and_the_record_can_be_reopened(therapist, client_record):
    browser = web_as(therapist)
    response = details(browser, client_record, action="discharge", version=client_record.version)
    assert response.status_code == 400
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.ACTIVE
    details(browser, client_record, action="discharge", **{"discharge-discharge_reason": "Goals met"})
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.DISCHARGED
    assert client_record.discharge_reason == "Goals met" and client_record.discharged_at == timezone.localdate()
    details(browser, client_record, action="reopen")
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.ACTIVE and client_record.discharged_at is None


def test_put_on_hold(therapist, client_record):
    details(web_as(therapist), client_record, action="hold")
    client_record.refresh_from_db()
    assert client_record.status == Client.Status.ON_HOLD


def test_a_stale_form_is_refused_with_a_conflict(therapist, client_record):
    stale = client_record.version
    details(web_as(therapist), client_record, action="hold", version=stale)
    response = details(web_as(therapist), client_record, action="reopen", version=stale)
    assert response.status_code == 409
    assert b"changed by someone else" in response.content


def test_a_managers_care_team_change_is_recorded_and_announced(manager, client_record, colleague):
    response = details(
        web_as(manager),
        client_record,
        action="care_team",
        **{"team-primary_therapist": client_record.primary_therapist_id, "team-co_therapist": colleague.membership.pk},
    )
    assert response.status_code == 302
    change = CareTeamChange.objects.get(client=client_record)
    assert change.after == {"co_therapist": colleague.membership.pk}


def test_the_chart_header_shows_how_to_reach_the_client_and_their_emergency_contact(therapist, client_record):
    client_record.phone = "555 0100"
    client_record.emergency_contact_name = "Robin Quinn"
    client_record.emergency_contact_relationship = "sister"
    client_record.emergency_contact_phone = "555 0200"
    client_record.save()
    page = web_as(therapist).get(reverse("client-chart", args=[client_record.pk])).content.decode()
    assert 'href="tel:5550100"' in page
    assert f'href="mailto:{client_record.email}"' in page
    assert "Robin Quinn (sister)" in page and 'href="tel:5550200"' in page


def test_the_alerts_page_shows_the_clients_phone_and_emergency_contact(therapist, client_record):
    client_record.phone = "555 0100"
    client_record.emergency_contact_name = "Robin Quinn"
    client_record.emergency_contact_phone = "555 0200"
    client_record.save()
    Alert.objects.create(
        client=client_record,
        kind="risk_language",
        severity="urgent",
        reason="Risk language in a check-in",
        acknowledge_by=timezone.now() + dt.timedelta(hours=1),
    )
    page = web_as(therapist).get(reverse("alerts")).content.decode()
    assert 'data-testid="alert-contact"' in page
    assert 'href="tel:5550100"' in page and 'href="tel:5550200"' in page


# ---------------------------------------------------------------------------
# Portal invitations by e-mail


@pytest.fixture
def newcomer(therapist):
    """A client without a portal account."""
    return ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)


def invite_by_web(actor, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = details(web_as(actor), client, action="invite")
    assert response.status_code == 302
    return response


def test_an_invite_is_emailed_with_a_one_time_link_and_its_state_follows_the_client(
    therapist, newcomer, django_capture_on_commit_callbacks
):
    invite_by_web(therapist, newcomer, django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [[newcomer.email]]
    body = mail.outbox[0].body
    assert newcomer.last_name not in body  # no client details beyond the address it goes to
    link = LINK.search(body).group(0)
    invite = PortalInvite.objects.get(client=newcomer)
    assert invite.sent_to == newcomer.email and invite.state() == PortalInvite.State.SENT

    from django.test import Client as Anonymous

    visitor = Anonymous()
    assert visitor.get(link).status_code == 200
    invite.refresh_from_db()
    assert invite.state() == PortalInvite.State.OPENED

    token = link.split("token=")[1]
    response = visitor.post(
        reverse("portal-accept-invite"), {"token": token, "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert response.status_code == 302, response.content[:400]
    invite.refresh_from_db()
    assert invite.state() == PortalInvite.State.ACCEPTED
    # One time only.
    assert Anonymous().get(link).status_code == 400
    # The account's portal consent points at the text shown on the invite page.
    consent = newcomer.consents.get(kind=Consent.Kind.PORTAL)
    assert consent.method == Consent.Method.INVITE_ACCEPTED and consent.text.version == 1


def test_sending_again_replaces_the_link_and_the_old_one_shows_expired(
    therapist, newcomer, django_capture_on_commit_callbacks
):
    invite_by_web(therapist, newcomer, django_capture_on_commit_callbacks)
    invite_by_web(therapist, newcomer, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    first, second = (LINK.search(message.body).group(0) for message in mail.outbox)
    assert first != second
    states = [row.state for row in portal_access(client=newcomer).invites]
    assert states == [PortalInvite.State.SENT, PortalInvite.State.EXPIRED]
    from django.test import Client as Anonymous

    assert Anonymous().get(first).status_code == 400
    assert Anonymous().get(second).status_code == 200


def test_an_invite_expires(therapist, newcomer):
    invite, _raw = records.portal_invite_create(client=newcomer, actor=therapist)
    assert invite.state() == PortalInvite.State.SENT
    later = invite.expires_at + dt.timedelta(seconds=1)
    assert invite.state(later) == PortalInvite.State.EXPIRED
    page = web_as(therapist).get(reverse("client-details", args=[newcomer.pk])).content.decode()
    assert 'data-testid="invite-state">Sent<' in page


def test_an_invite_needs_an_email_address_on_the_web(therapist, newcomer):
    newcomer.email = ""
    newcomer.save()
    response = details(web_as(therapist), newcomer, action="invite")
    assert response.status_code == 400
    assert b"Add the client&#x27;s e-mail address first" in response.content
    assert not PortalInvite.objects.filter(client=newcomer).exists()


def test_the_api_invite_keeps_its_answer_and_now_emails_the_link(
    therapist, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(therapist).post(reverse("api-portal-invite", kwargs={"pk": newcomer.pk}))
    assert response.status_code == 201
    assert set(response.json()) == {"invite_token", "expires_at", "invite_url"}
    assert response.json()["invite_url"] in mail.outbox[0].body


# ---------------------------------------------------------------------------
# Consent: versioned texts, signing, recording, withdrawing


def test_publishing_a_text_makes_a_new_version_and_keeps_what_clients_agreed_to(therapist, client_record):
    given = records.consent_grant(client=client_record, kind="ai_processing", actor=therapist)
    assert given.text.version == 1
    text = consent_text_publish(
        practice_id=client_record.practice_id, kind="ai_processing", title="AI", body="New wording", actor=therapist
    )
    assert text.version == 2
    given.refresh_from_db()
    assert given.text.version == 1 and given.text.body != "New wording"
    state = next(s for s in consent_states(client=client_record) if s.kind == "ai_processing")
    assert state.outdated and state.version == 2
    with pytest.raises(DomainError):
        consent_text_publish(
            practice_id=client_record.practice_id, kind="ai_processing", title="AI", body="New wording", actor=therapist
        )


def test_a_client_signs_in_the_portal_with_their_typed_name(client_user, client_record):
    consent = consent_sign(
        client=client_record, kind="ai_processing", actor=client_user, signature_name=" Avery   QUINN ", text_id=0
    )
    assert consent.method == Consent.Method.PORTAL_SIGNATURE
    assert consent.signature_name == "Avery QUINN" and consent.recorded_by == client_user
    assert consent.text == ConsentText.objects.get(practice=client_record.practice, kind="ai_processing")
    with pytest.raises(DomainError) as refused:
        consent_sign(client=client_record, kind="ai_processing", actor=client_user, signature_name="Someone", text_id=0)
    assert refused.value.field == "signature_name"


def test_a_signature_under_a_text_that_changed_meanwhile_is_refused(client_user, client_record, therapist):
    shown = consent_text_publish(
        practice_id=client_record.practice_id, kind="ai_processing", title="AI", body="Wording A", actor=therapist
    )
    consent_text_publish(
        practice_id=client_record.practice_id, kind="ai_processing", title="AI", body="Wording B", actor=therapist
    )
    with pytest.raises(Conflict):
        consent_sign(
            client=client_record,
            kind="ai_processing",
            actor=client_user,
            signature_name="Avery Quinn",
            text_id=shown.pk,
        )
    assert not client_record.consents.filter(kind="ai_processing").exists()


def test_signing_from_the_portal_page_then_withdrawing_it(client_user, client_record, therapist):
    browser = web_as(client_user)
    sign_url = reverse("portal-consent-sign", kwargs={"kind": "ai_processing"})
    assert b"Consent to optional AI features" in browser.get(sign_url).content
    response = browser.post(sign_url, {"signature_name": "Avery Quinn", "text": "0"})
    assert response.status_code == 302
    assert records.has_consent(client_record, "ai_processing")
    browser.post(reverse("portal-consents"), {"kind": "ai_processing"})
    assert not records.has_consent(client_record, "ai_processing")
    withdrawn = client_record.consents.get(kind="ai_processing")
    assert withdrawn.revoked_by == client_user
    # The therapist sees the history on the chart's Consent tab.
    page = web_as(therapist).get(reverse("client-chart", args=[client_record.pk]) + "?tab=consent").content.decode()
    assert "signed “Avery Quinn”" in page and "by the client" in page


def test_recording_consent_in_session_needs_the_confirmation_box(therapist, client_record):
    url = reverse("client-chart", args=[client_record.pk]) + "?tab=consent"
    browser = web_as(therapist)
    response = browser.post(url, {"action": "consent_record", "kind": "ai_processing", "text": "0"})
    assert response.status_code == 400
    assert not records.has_consent(client_record, "ai_processing")
    browser.post(url, {"action": "consent_record", "kind": "ai_processing", "text": "0", "confirmed": "on"})
    consent = client_record.consents.get(kind="ai_processing")
    assert consent.method == Consent.Method.IN_SESSION and consent.recorded_by == therapist
    browser.post(url, {"action": "consent_revoke", "kind": "ai_processing"})
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoked_by == therapist


def test_recording_in_session_refuses_a_stale_text(therapist, client_record):
    old = consent_text_publish(
        practice_id=client_record.practice_id, kind="treatment", title="T", body="One", actor=therapist
    )
    consent_text_publish(
        practice_id=client_record.practice_id, kind="treatment", title="T", body="Two", actor=therapist
    )
    with pytest.raises(Conflict):
        consent_record_in_session(client=client_record, kind="treatment", actor=therapist, text_id=old.pk)


def test_the_consent_api_keeps_working_and_names_the_text_version(therapist, client_record):
    api = as_user(therapist)
    url = reverse("api-client-consents", kwargs={"pk": client_record.pk})
    response = api.post(url, {"kind": "ai_processing", "granted": True}, format="json")
    assert response.status_code == 201
    row = next(item for item in response.json() if item["kind"] == "ai_processing")
    assert row["version"] == "v1" and row["text_version"] == 1 and row["method"] == "in_session"
    response = api.post(url, {"kind": "ai_processing", "granted": False}, format="json")
    assert response.status_code == 201
    assert not records.has_consent(client_record, "ai_processing")


def test_consent_text_pages_publish_a_new_version(admin):
    browser = web_as(admin)
    url = reverse("consent-text-edit", kwargs={"kind": "treatment"})
    assert b"Publish as version 2" in browser.get(url).content
    response = browser.post(url, {"title": "Consent to treatment", "body": "Our own wording."})
    assert response.status_code == 302
    versions = list(
        ConsentText.objects.filter(practice=admin.membership.practice, kind="treatment").order_by("version")
    )
    assert [(text.version, text.created_by) for text in versions] == [(1, None), (2, admin)]
    assert b"Our own wording." in browser.get(url).content
