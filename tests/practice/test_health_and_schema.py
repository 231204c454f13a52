from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import as_user

pytestmark = pytest.mark.django_db


def test_live_touches_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = APIClient().get("/health/live")
    assert response.status_code == 200


def test_ready_reports_each_dependency():
    response = APIClient().get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"
    assert "risk_model" in body


def test_ready_names_the_broker_when_it_is_down(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = APIClient().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_schema_and_docs_are_for_signed_in_staff(therapist, client_user):
    assert APIClient().get(reverse("schema")).status_code in (401, 403)
    assert as_user(client_user).get(reverse("schema")).status_code == 403
    response = as_user(therapist).get(reverse("schema"))
    assert response.status_code == 200
    assert b"/api/v1/clients/" in response.content


def test_docs_page_loads_no_cdn(therapist):
    from django.test import Client as WebClient

    web = WebClient()
    web.force_login(therapist)
    page = web.get(reverse("api-docs"))
    assert page.status_code == 200
    assert b"cdn" not in page.content.lower() and b"unpkg" not in page.content.lower()
