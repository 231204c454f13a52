"""F3: staff cannot take over a client's portal account through an invite.

An invite never touches an existing account (the client gets a sign-in reminder instead), an
old invite for such an account is refused, and accepting an invite discloses nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import PortalInvite
from clients.services.records import _hash, portal_invite_create
from practice.errors import DomainError
from practice.models import ApiToken, AuditEvent, Notification
from tests.conftest import PASSWORD, Snapshot, as_user
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

CHOSEN = "staff chose this passphrase"


def invite(actor, client):
    return as_user(actor).post(reverse("api-portal-invite", kwargs={"pk": client.pk}))


def accept(raw, password=CHOSEN, **extra):
    return APIClient().post(
        reverse("api-accept-invite"), {"invite_token": raw, "password": password, **extra}, format="json"
    )


def sign_in(email, password):
    return APIClient().post(reverse("api-token"), {"username": email, "password": password}, format="json")


def legacy_invite(client, actor) -> str:
    """An invite row as the old code issued it for a client who already had an account."""
    raw = "legacy-invite-token-for-an-existing-account"
    PortalInvite.objects.create(
        client=client, token_hash=_hash(raw), created_by=actor, expires_at=timezone.now() + dt.timedelta(days=3)
    )
    return raw


@pytest.mark.parametrize("staff", ["therapist", "manager", "admin"])
def test_inviting_a_client_with_an_account_sends_a_reminder_and_issues_nothing(
    staff, actors, client_record, client_user, django_capture_on_commit_callbacks
):
    actor = actors[staff]
    # Staff point the record's email at themselves first: the reminder still goes to the
    # address the client signs in with.
    client_record.email = "attacker@northside.example"
    client_record.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(actor, client_record)
    assert response.status_code == 200
    body = response.json()
    assert body["reminder_sent"] is True
    assert "invite_token" not in body and client_user.email not in str(body)
    assert not PortalInvite.objects.filter(client=client_record).exists()
    event = AuditEvent.objects.get(action="sign_in_reminder")
    assert (event.actor, event.client_id, event.target_id) == (actor, client_record.pk, str(client_user.pk))
    assert [message.to for message in mail.outbox] == [[client_user.email]]
    assert Notification.objects.get().kind == "sign_in_reminder"
    message = mail.outbox[0]
    assert "already have an account" in message.body
    assert "accept-invite" not in message.body and "token" not in message.body.lower()
    # The client's password and tokens are untouched.
    assert sign_in(client_user.email, PASSWORD).status_code == 200

    # Asking again the same day is audited but does not mail the client again.
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(actor, client_record).status_code == 200
    assert AuditEvent.objects.filter(action="sign_in_reminder").count() == 2
    assert len(mail.outbox) == 1


def test_an_invite_issued_earlier_for_an_existing_account_is_refused(
    therapist, client_record, client_user, django_capture_on_commit_callbacks
):
    raw = legacy_invite(client_record, therapist)
    client_api = as_user(client_user)
    before = Snapshot.take()
    response = accept(raw)
    assert response.status_code == 400
    assert "already have a portal account" in response.json()["invite_token"][0]
    assert Snapshot.take().changed_since(before) == {}
    assert PortalInvite.objects.get().used_at is None
    assert sign_in(client_user.email, CHOSEN).status_code == 400
    assert sign_in(client_user.email, PASSWORD).status_code == 200
    assert client_api.get(reverse("api-me")).status_code == 200

    # The web page refuses it too, before showing any form.
    page = WebClient().get(f"{reverse('portal-accept-invite')}?token={raw}")
    assert page.status_code == 400 and "already have a portal account" in page.content.decode()
    posted = WebClient().post(
        reverse("portal-accept-invite"), {"token": raw, "password": CHOSEN, "password_confirm": CHOSEN}
    )
    assert posted.status_code == 400
    assert sign_in(client_user.email, PASSWORD).status_code == 200

    # Asking again for this client ends the old invite.
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(therapist, client_record).status_code == 200
    assert PortalInvite.objects.get().expires_at <= timezone.now()


def test_the_invite_service_refuses_a_client_with_an_account(therapist, client_record, client_user):
    with pytest.raises(DomainError) as error:
        portal_invite_create(client=client_record, actor=therapist)
    assert error.value.conflict
    assert not PortalInvite.objects.exists()


def test_a_new_client_gets_an_invite_and_accepting_discloses_nothing(
    therapist, practice, django_capture_on_commit_callbacks
):
    newcomer = ClientFactory(
        practice=practice, primary_therapist=therapist.membership, email="robin@clients.example", user=None
    )
    response = invite(therapist, newcomer)
    assert response.status_code == 201
    body = response.json()
    assert {"invite_token", "expires_at"} <= set(body)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = accept(body["invite_token"], password="a quiet harbour at noon")
    assert accepted.status_code == 201
    # The address the account signs in with is told at once (a link used by someone else shows).
    assert [message.to for message in mail.outbox] == [["robin@clients.example"]]
    assert "If you did not set it up yourself" in mail.outbox[0].body
    assert accepted.content in (b"", b"null")
    assert "robin" not in accepted.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.user is not None
    assert sign_in("robin@clients.example", "a quiet harbour at noon").status_code == 200
    assert AuditEvent.objects.filter(action="invite_accept", actor=newcomer.user, client_id=newcomer.pk).exists()

    # The link works once; now the client has an account, staff get a reminder, not a new link.
    assert accept(body["invite_token"], password="another passphrase here").status_code == 400
    assert invite(therapist, newcomer).status_code == 200


def test_an_account_that_never_had_a_password_can_set_one_and_loses_stale_tokens(therapist, client_record, client_user):
    stale = as_user(client_user)
    client_user.set_unusable_password()
    client_user.save(update_fields=["password"])

    response = invite(therapist, client_record)
    assert response.status_code == 201
    assert accept(response.json()["invite_token"]).status_code == 201

    assert stale.get(reverse("api-me")).status_code == 401
    assert not ApiToken.objects.filter(user=client_user, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="password_change")
    assert (event.actor, event.target_id) == (client_user, str(client_user.pk))
    assert sign_in(client_user.email, CHOSEN).status_code == 200
