"""Issue 19 F10/F13: bad input is a clear 400 and stores nothing; no 500 anywhere."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil

import pytest
from django import forms
from django.urls import reverse
from rest_framework import serializers

from practice.bounds import (
    MAX_JSON_DEPTH,
    BoundedDateField,
    BoundedDateTimeField,
    BoundedFormDateField,
    BoundedFormDateTimeField,
    json_problem,
)
from sessions.models import Session
from tests.conftest import Snapshot, as_user, web_as
from tests.factories import SessionFactory

APPS = ("practice", "clients", "sessions", "insights")


def _app_classes(base: type) -> list[type]:
    found = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, base) and value.__module__ == module.__name__:
                    found.append(value)
    return found


def test_every_writable_serializer_date_is_bounded():
    unbounded = []
    serializer_classes = [
        cls for cls in _app_classes(serializers.Serializer) if not issubclass(cls, serializers.ListSerializer)
    ]
    assert len(serializer_classes) > 30
    for cls in serializer_classes:
        for name, field in cls().fields.items():
            if field.read_only:
                continue
            if (isinstance(field, serializers.DateTimeField) and not isinstance(field, BoundedDateTimeField)) or (
                isinstance(field, serializers.DateField) and not isinstance(field, BoundedDateField)
            ):
                unbounded.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert not unbounded, f"date inputs without the shared bounds: {unbounded}"


def test_every_form_date_is_bounded():
    form_classes = _app_classes(forms.BaseForm)
    assert form_classes
    unbounded = [
        f"{cls.__name__}.{name}"
        for cls in form_classes
        for name, field in cls.base_fields.items()
        if (isinstance(field, forms.DateTimeField) and not isinstance(field, BoundedFormDateTimeField))
        or (isinstance(field, forms.DateField) and not isinstance(field, BoundedFormDateField))
    ]
    assert not unbounded, f"form dates without the shared bounds: {unbounded}"


@pytest.mark.parametrize("starts_at", ["9999-12-31T10:00:00Z", "9999-12-31T23:30:00-05:00", "1066-10-14T09:00:00Z"])
def test_session_far_outside_supported_years_is_refused_and_the_list_still_works(therapist, client_record, starts_at):
    api = as_user(therapist)
    before = Snapshot.take()
    response = api.post(
        reverse("api-client-sessions", args=[client_record.pk]), {"starts_at": starts_at}, format="json"
    )
    assert response.status_code == 400
    assert "starts_at" in response.json()
    assert Snapshot.take().changed_since(before) == {}
    assert not Session.objects.filter(client=client_record).exists()
    assert api.get(reverse("api-client-sessions", args=[client_record.pk])).status_code == 200


def test_session_in_supported_years_is_still_accepted(therapist, client_record):
    response = as_user(therapist).post(
        reverse("api-client-sessions", args=[client_record.pk]), {"starts_at": "2100-06-01T10:00:00Z"}, format="json"
    )
    assert response.status_code == 201


def test_client_date_of_birth_in_year_9999_is_refused(therapist, client_record):
    api = as_user(therapist)
    before = Snapshot.take()
    response = api.patch(
        reverse("api-client-detail", args=[client_record.pk]), {"date_of_birth": "9999-12-31"}, format="json"
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.json()
    assert Snapshot.take().changed_since(before) == {}


def test_deeply_nested_json_is_a_clear_400(therapist, client_record):
    body = "[" * 5000 + "]" * 5000
    api = as_user(therapist)
    before = Snapshot.take()
    response = api.generic(
        "POST",
        reverse("api-client-sessions", args=[client_record.pk]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]
    assert Snapshot.take().changed_since(before) == {}


def test_nesting_limit_counts_containers_not_brackets_in_strings():
    assert json_problem(json.loads(json.dumps({"a": "[" * 100}))) is None
    assert json_problem(json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)) is None
    too_deep = json.loads("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert "nested deeper" in json_problem(too_deep)
    assert "nested deeper" in json_problem({"a": too_deep[0]})


def test_a_json_body_over_the_upload_limit_is_refused(therapist, client_record, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = as_user(therapist)
    before = Snapshot.take()
    response = api.post(
        reverse("api-client-sessions", args=[client_record.pk]),
        {"starts_at": "2026-01-05T10:00:00Z", "padding": "x" * 2000},
        format="json",
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"  # Django or the parser refuses it
    assert Snapshot.take().changed_since(before) == {}


@pytest.mark.parametrize("text", ["lonely \\ud800 surrogate", "nul \\u0000 byte"])
def test_json_strings_with_lone_surrogates_or_nul_are_refused(client_user, text):
    api = as_user(client_user)
    before = Snapshot.take()
    response = api.generic(
        "POST", reverse("api-me-messages"), '{"body": "' + text + '"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert Snapshot.take().changed_since(before) == {}


@pytest.mark.parametrize("route", ["api-clients", "api-audit", "api-alerts"])
def test_nul_in_a_query_string_is_a_400(admin, therapist, route):
    user = admin if route == "api-audit" else therapist
    response = as_user(user).get(reverse(route) + "?q=a%00b&action=x%00&client=1")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_nul_in_a_web_query_string_or_form_body_is_a_400(therapist, client_record):
    browser = web_as(therapist)
    assert browser.get(reverse("schedule") + "?week=2026-01-05%00").status_code == 400
    before = Snapshot.take()
    response = browser.post(reverse("dashboard"), {"search": "1", "q": "Av\x00ery"})
    assert response.status_code == 400
    assert Snapshot.take().changed_since(before) == {}


@pytest.mark.parametrize(
    "params",
    [
        {"start": "9999-01-01", "end": "9999-12-31"},
        {"start": "2026-01-01", "end": "9999-12-31"},
        {"start": "10000-01-01"},
        {"end": "0001-01-01"},
    ],
)
def test_report_ranges_outside_supported_years_are_400(manager, params):
    response = as_user(manager).get(reverse("api-reports-practice"), params)
    assert response.status_code == 400


def test_web_report_range_outside_supported_years_does_not_break_the_page(manager):
    response = web_as(manager).get(reverse("reports"), {"start": "9999-01-01", "end": "9999-12-31"})
    assert response.status_code in {200, 400}


def test_member_create_without_password_is_a_field_error(admin):
    api = as_user(admin)
    before = Snapshot.take()
    response = api.post(reverse("api-members"), {"email": "new@northside.example", "role": "therapist"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    assert Snapshot.take().changed_since(before) == {}


def test_model_text_inputs_are_bounded(therapist, client_record):
    session = SessionFactory(client=client_record, therapist=therapist.membership)
    assert session.pk
    template = as_user(therapist).post(
        reverse("api-homework-templates"),
        {"title": "Thought record", "kind": "worksheet", "instructions": "x" * 20_001},
        format="json",
    )
    assert template.status_code == 400


def _unbounded_strings(name: str, node, path: str = "") -> list[str]:
    if not isinstance(node, dict):
        return []
    found = []
    if (
        node.get("type") == "string"
        and "maxLength" not in node
        and "enum" not in node
        and node.get("format") not in {"date", "date-time", "binary"}
    ):
        found.append(f"{name}{path}")
    for key, value in node.get("properties", {}).items():
        found += _unbounded_strings(name, value, f"{path}.{key}")
    found += _unbounded_strings(name, node.get("items"), f"{path}[]")
    found += _unbounded_strings(name, node.get("additionalProperties"), f"{path}{{}}")
    return found


def test_every_string_in_a_request_body_has_a_length_bound():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    request_components = {
        name: component for name, component in schema["components"]["schemas"].items() if name.endswith("Request")
    }
    assert len(request_components) > 20
    unbounded = [path for name, component in request_components.items() for path in _unbounded_strings(name, component)]
    assert not unbounded, f"request strings without maxLength: {unbounded}"


def test_web_schedule_refuses_a_session_in_year_9999_and_the_week_still_renders(therapist, client_record):
    browser = web_as(therapist)
    before = Snapshot.take()
    data = {
        "new-client": client_record.pk,
        "new-starts_at": "9999-12-31T10:00",
        "new-duration_minutes": 50,
        "new-kind": "individual",
    }
    response = browser.post(reverse("schedule"), data)
    assert response.status_code == 400  # the form again, with its error
    assert "between the years 1900 and 2100" in response.content.decode()
    assert Snapshot.take().changed_since(before) == {}
    assert browser.get(reverse("schedule") + "?week=9999-12-27").status_code == 200
