"""The read layer's foundation: domain errors and their two mappings, HTML guards on
capabilities, and the one audit_read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.exceptions import APIException

from practice.api_support import DomainError as LegacyDomainError
from practice.api_support import exception_handler
from practice.audit import AuditAction, audit_read
from practice.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from practice.models import AuditEvent
from practice.roles import Capability
from practice.web_guards import DomainErrorMiddleware, capability_required, portal_required, user_can


def test_the_legacy_import_is_the_same_class():
    assert LegacyDomainError is DomainError
    assert issubclass(NotFound, DomainError) and issubclass(Conflict, DomainError)
    assert Conflict("x").conflict and not Invalid("x").conflict


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (NotFound("Client 7 is not yours"), 404, {"detail": "Not found."}),  # never echoes why
        (Forbidden("Only the client's therapists can change this record."), 403, None),
        (Conflict("Already signed."), 409, {"detail": "Already signed."}),
        (DomainError("Already signed.", conflict=True), 409, {"detail": "Already signed."}),
        (Invalid(errors={"answers": ["Too few."]}), 400, {"answers": ["Too few."]}),
        (DomainError("Too long.", field="text"), 400, {"text": ["Too long."]}),
        (DomainError("No."), 400, {"non_field_errors": ["No."]}),
    ],
)
def test_the_api_handler_maps_domain_errors(error, status, body):
    response = exception_handler(error, {})
    assert response.status_code == status
    if body is not None:
        assert response.data == body
    else:
        assert response.data["detail"] == error.message


def test_the_html_middleware_maps_domain_errors():
    middleware = DomainErrorMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    with pytest.raises(Http404):
        middleware.process_exception(request, NotFound())
    with pytest.raises(PermissionDenied):
        middleware.process_exception(request, Forbidden("no"))
    assert middleware.process_exception(request, Conflict("<b>taken</b>")).status_code == 409
    assert b"&lt;b&gt;" in middleware.process_exception(request, Conflict("<b>taken</b>")).content
    assert middleware.process_exception(request, DomainError("bad")).status_code == 400
    assert middleware.process_exception(request, ValueError("other")) is None
    assert not isinstance(NotFound(), APIException)  # domain errors know nothing of HTTP


def _call(view, user, method="get"):
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    return view(request)


@pytest.mark.django_db
def test_capability_guard_404s_roles_without_it_and_403s_writes_without_the_write_capability(
    therapist, manager, client_user
):
    view = capability_required(Capability.VIEW_ROSTER, write=(Capability.MANAGE_MEMBERS,))(
        lambda request: HttpResponse("ok")
    )
    assert _call(view, manager).status_code == 200
    assert _call(view, manager, "post").status_code == 200
    with pytest.raises(Http404):
        _call(view, therapist)
    reader_only = capability_required(Capability.VIEW_CLINICAL, write=(Capability.MANAGE_MEMBERS,))(
        lambda request: HttpResponse("ok")
    )
    assert _call(reader_only, therapist).status_code == 200
    with pytest.raises(PermissionDenied):
        _call(reader_only, therapist, "post")
    portal = portal_required(lambda request: HttpResponse("ok"))
    assert _call(portal, client_user).status_code == 200
    with pytest.raises(Http404):
        _call(portal, therapist)
    assert user_can(therapist, Capability.EDIT_CLINICAL) and not user_can(manager, Capability.EDIT_CLINICAL)


@pytest.mark.django_db
def test_break_glass_read_lets_a_granted_admin_get_but_not_post(admin, client_record):
    from clients.models import BreakGlassGrant

    view = capability_required(Capability.VIEW_CLINICAL, break_glass_read=True)(lambda request: HttpResponse("ok"))
    with pytest.raises(Http404):
        _call(view, admin)
    BreakGlassGrant.objects.create(
        client=client_record,
        granted_to=admin.membership,
        reason="Covering",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert _call(view, admin).status_code == 200
    with pytest.raises(Http404):
        _call(view, admin, "post")


@pytest.mark.django_db
def test_audit_read_records_one_read_event_with_field_names(therapist, client_record):
    event = audit_read(
        actor=therapist,
        client_id=client_record.pk,
        target_type="clients.goal",
        target_id=3,
        fields=["problem", "description", "problem"],
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == AuditAction.READ and stored.target_type == "clients.goal" and stored.target_id == "3"
    assert stored.fields == ["description", "problem"]
    assert stored.practice_id == client_record.practice_id and stored.actor == therapist


@pytest.mark.django_db
def test_api_docs_need_view_api_docs(manager, client_user):
    from django.urls import reverse

    from tests.conftest import as_user

    assert as_user(manager).get(reverse("schema")).status_code == 200
    assert as_user(client_user).get(reverse("schema")).status_code == 403


def test_every_declared_capability_is_checked_somewhere():
    """A capability nothing checks is a promise nobody keeps: use it or remove it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = "\n".join(
        path.read_text()
        for app in ("practice", "clients", "sessions", "insights")
        for path in (root / app).rglob("*.py")
        if path.name != "roles.py" and "migrations" not in path.parts
    )
    unchecked = [capability.name for capability in Capability if f"Capability.{capability.name}" not in sources]
    assert not unchecked
