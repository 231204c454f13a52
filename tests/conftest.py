"""Actors and helpers shared by every test.

Actors: `therapist` (owns `client`), `supervisor` (same practice, set as `client`'s clinical
supervisor: reads the record, writes nothing but co-signatures), `colleague` (same practice,
not on the care team), `outsider` (another practice), `client_user` / `other_client_user`
(portal logins), `manager`, `admin`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client as WebClient
from rest_framework.test import APIClient

from practice.models import AuditEvent, Membership, User
from practice.roles import Role
from tests.factories import ClientFactory, MembershipFactory, PracticeFactory

# Tests that need the sentence-embedding model opt in explicitly; the rest use the rules.
os.environ.setdefault("ALLIANCE_RISK_EMBEDDINGS", "0")

PASSWORD = "correct horse battery"
PHI_CANARY = "CANARY-PHI-7f3a"


@pytest.fixture(autouse=True)
def _in_process_tasks(request):
    """Unit tests run Celery tasks in-process whatever the broker; tests/integration does not.

    The real broker and worker are exercised by tests/integration, against Redis.
    """
    from practice.celery import app

    integration = "tests/integration/" in str(request.node.fspath)
    previous = app.conf.task_always_eager
    # Set both ways explicitly: a value leaked by any earlier test cannot decide the mode.
    app.conf.task_always_eager = not integration
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    # A test overlay may only speed tests up: a fast hasher, nothing else.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Northside Therapy", slug="northside")


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Southside Counselling", slug="southside")


def make_member(practice, role: str, email: str) -> User:
    return MembershipFactory(practice=practice, role=role, user__email=email).user


@pytest.fixture
def therapist(practice) -> User:
    return make_member(practice, Role.THERAPIST, "therapist@northside.example")


@pytest.fixture
def colleague(practice) -> User:
    return make_member(practice, Role.THERAPIST, "colleague@northside.example")


@pytest.fixture
def supervisor(practice, client_record) -> User:
    """A therapist of the same practice, named as `client_record`'s clinical supervisor."""
    user = make_member(practice, Role.THERAPIST, "clinical.supervisor@northside.example")
    client_record.supervisor = user.membership
    client_record.save(update_fields=["supervisor"])
    return user


@pytest.fixture
def manager(practice) -> User:
    return make_member(practice, Role.MANAGER, "manager@northside.example")


@pytest.fixture
def admin(practice) -> User:
    return make_member(practice, Role.ADMIN, "admin@northside.example")


@pytest.fixture
def outsider(other_practice) -> User:
    return make_member(other_practice, Role.THERAPIST, "therapist@southside.example")


@pytest.fixture
def client_record(therapist):
    return ClientFactory(
        primary_therapist=therapist.membership,
        practice=therapist.membership.practice,
        first_name="Avery",
        last_name="Quinn",
        presenting_concerns=f"Low mood {PHI_CANARY}",
    )


def _portal_user(client, email):
    user = User.objects.create_user(email=email, password=PASSWORD, first_name=client.first_name)
    Membership.objects.create(user=user, practice=client.practice, role=Role.CLIENT)
    client.user = user
    client.save(update_fields=["user"])
    from clients.models import Consent

    Consent.objects.create(client=client, kind=Consent.Kind.PORTAL)
    return user


@pytest.fixture
def client_user(client_record) -> User:
    return _portal_user(client_record, "avery@clients.example")


@pytest.fixture
def other_client_record(therapist):
    return ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)


@pytest.fixture
def other_client_user(other_client_record) -> User:
    return _portal_user(other_client_record, "blake@clients.example")


@pytest.fixture
def api():
    """An API client with a helper to act as a user (through a real token)."""
    return APIClient()


def web_as(user) -> WebClient:
    """A browser-like test client signed in as `user` (session auth; anonymous for None)."""
    browser = WebClient()
    if user is not None:
        browser.force_login(user, backend="practice.backends.MemberModelBackend")
    return browser


def as_user(user) -> APIClient:
    """An APIClient authenticated with a freshly issued token for `user`."""
    from practice.services import token_issue

    client = APIClient()
    if user is not None:
        _, raw = token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def actors(therapist, supervisor, colleague, outsider, client_user, other_client_user, manager, admin):
    return {
        "therapist": therapist,
        "supervisor": supervisor,
        "colleague": colleague,
        "outsider": outsider,
        "client_user": client_user,
        "other_client_user": other_client_user,
        "manager": manager,
        "admin": admin,
        "anonymous": None,
    }


@dataclass
class Snapshot:
    """Row counts of every model and audit events, to prove a denied request changed nothing."""

    counts: dict

    @classmethod
    def take(cls) -> Snapshot:
        # One UNION ALL query rather than one COUNT per model: the matrices take two snapshots
        # per actor per route. A base manager's count() is exactly COUNT(*) over the table.
        from django.apps import apps
        from django.db import connection

        models = [
            model
            for model in apps.get_models()
            if model._meta.app_label in {"practice", "clients", "clinical_sessions", "insights"}
        ]
        quote = connection.ops.quote_name
        sql = " UNION ALL ".join(
            # Table names come from model metadata, quoted: nothing user-supplied.
            f"SELECT {index}, COUNT(*) FROM {quote(model._meta.db_table)}"  # noqa: S608
            for index, model in enumerate(models)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        return cls({models[index]._meta.label: count for index, count in rows})

    def changed_since(self, other: Snapshot) -> dict:
        return {
            label: (other.counts[label], count)
            for label, count in self.counts.items()
            if other.counts.get(label) != count
        }


def count_audit() -> int:
    return AuditEvent.objects.count()
