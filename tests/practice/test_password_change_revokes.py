"""F3/F14: every password change revokes the account's API tokens and ends its other sessions
(`practice.services.password_set`, the one way a password changes after creation)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.urls import reverse

from practice.errors import DomainError
from practice.models import ApiToken, AuditEvent
from practice.services import password_set
from tests.conftest import PASSWORD, Snapshot, as_user, web_as

pytestmark = pytest.mark.django_db

NEW = "a brand new passphrase"


def test_setting_a_password_revokes_every_token_and_is_audited(client_user, other_client_user, admin):
    first, second = as_user(client_user), as_user(client_user)
    bystander = as_user(other_client_user)
    assert first.get(reverse("api-me")).status_code == 200

    password_set(user=client_user, raw_password=NEW, actor=admin)

    for api in (first, second):
        assert api.get(reverse("api-me")).status_code == 401
    assert not ApiToken.objects.filter(user=client_user, revoked_at__isnull=True).exists()
    assert bystander.get(reverse("api-me")).status_code == 200
    event = AuditEvent.objects.get(action="password_change")
    assert event.actor == admin
    assert event.target_id == str(client_user.pk)
    assert event.practice_id == client_user.membership.practice_id
    assert event.fields == ["api_tokens", "password"]
    client_user.refresh_from_db()
    assert client_user.check_password(NEW)


def test_setting_a_password_ends_other_web_sessions(client_user):
    browser = web_as(client_user)
    assert browser.get(reverse("portal-home")).status_code == 200
    assert browser.get(reverse("api-me")).status_code == 200

    password_set(user=client_user, raw_password=NEW, actor=client_user)

    assert browser.get(reverse("portal-home")).status_code == 302
    assert browser.get(reverse("api-me")).status_code in (401, 403)


def test_the_session_that_changed_the_password_can_stay_signed_in(client_user):
    kept, other = web_as(client_user), web_as(client_user)
    request = HttpRequest()
    request.session = SessionStore(session_key=kept.cookies[settings.SESSION_COOKIE_NAME].value)
    request.user = client_user

    password_set(user=client_user, raw_password=NEW, actor=client_user, keep_session=request)

    request.session.save()  # SessionMiddleware does this at the end of a real request
    # The kept session was re-keyed (as Django does on a password change); follow the new key.
    kept.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    assert kept.get(reverse("portal-home")).status_code == 200
    assert other.get(reverse("portal-home")).status_code == 302


@pytest.mark.parametrize("weak", ["", "short", "avery"])
def test_a_weak_password_is_refused_and_nothing_changes(client_user, weak):
    api = as_user(client_user)
    before = Snapshot.take()
    with pytest.raises(DomainError) as error:
        password_set(user=client_user, raw_password=weak, actor=client_user)
    assert error.value.field == "password"
    assert Snapshot.take().changed_since(before) == {}
    assert api.get(reverse("api-me")).status_code == 200
    client_user.refresh_from_db()
    assert client_user.check_password(PASSWORD)


def test_the_operators_set_password_command_revokes_too(client_user, monkeypatch):
    import io

    from django.core.management import call_command

    api = as_user(client_user)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{NEW}\n"))
    call_command("set_password", email=client_user.email, stdout=io.StringIO())
    assert api.get(reverse("api-me")).status_code == 401
    client_user.refresh_from_db()
    assert client_user.check_password(NEW)
    event = AuditEvent.objects.get(action="password_change")
    assert event.actor is None and event.practice_id == client_user.membership.practice_id
