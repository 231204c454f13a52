"""Alerts raised by the risk model store its method and version and are labelled as model
output; /health/ready fails while the model cannot load."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from insights import risk
from insights.models import Alert
from insights.safety import screen_client_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_on(monkeypatch):
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "1")
    if risk.load_detector() is None:
        pytest.fail(f"the risk model did not load: {risk.embedding_status()['error']}")


def _screen(client_record, client_user, text, field="note"):
    return screen_client_text(
        client=client_record, texts=[(field, text)], source_type="check_in", source_id=1, actor=client_user
    )


def test_a_model_alert_stores_method_and_version_and_is_labelled(model_on, client_record, client_user):
    outcome = _screen(client_record, client_user, "I wish I could fall asleep and never wake up, everyone would cope.")
    assert outcome.level in {"concern", "urgent"}
    alert = Alert.objects.get(client=client_record)
    assert alert.detector_method in {"model", "model+rules"}
    assert alert.detector_version == risk.RISK_DETECTOR_VERSION
    assert alert.model_output
    assert alert.reason.startswith("Risk model suggestion")


def test_a_rules_alert_is_not_labelled_as_model_output(client_record, client_user, monkeypatch):
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "0")
    _screen(client_record, client_user, "I'm going to end it all tonight.")
    alert = Alert.objects.get(client=client_record)
    assert alert.detector_method == "rules" and not alert.model_output


def test_an_automatic_thought_alone_raises_a_concern_not_an_urgent_alert(model_on, client_record, client_user):
    outcome = _screen(client_record, client_user, "I should just kill myself tonight.", field="automatic_thought")
    assert outcome.level == "concern"
    assert Alert.objects.get(client=client_record).severity == Alert.Severity.CONCERN


def test_without_the_model_a_harmless_text_still_reaches_a_person(client_record, client_user, monkeypatch):
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "1")
    monkeypatch.setattr(risk, "_load_attempted", True)
    monkeypatch.setattr(risk, "_detector", None)
    monkeypatch.setattr(risk, "_load_error", "OSError: weights missing")
    outcome = _screen(client_record, client_user, "Went for a run and felt better.")
    assert outcome.level == "concern"
    alert = Alert.objects.get(client=client_record)
    assert alert.detector_method == "unavailable" and "unavailable" in alert.reason


def test_ready_fails_while_the_model_cannot_load(monkeypatch):
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "1")
    monkeypatch.setattr(risk, "_load_attempted", True)
    monkeypatch.setattr(risk, "_detector", None)
    monkeypatch.setattr(risk, "_load_error", "OSError: weights missing")
    response = APIClient().get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert "risk_model" in body["down"]
    assert "weights missing" in body["checks"]["risk_model"]


def test_ready_reports_a_loaded_model(model_on):
    response = APIClient().get("/health/ready")
    assert response.json()["checks"]["risk_model"] == "ok"
    assert response.json()["risk_model"]["loaded"] is True


def test_the_alerts_api_says_which_detector_raised_it(model_on, client_record, client_user, therapist):
    from django.urls import reverse

    from tests.conftest import as_user

    _screen(client_record, client_user, "I wish I could fall asleep and never wake up, everyone would cope.")
    rows = as_user(therapist).get(reverse("api-alerts")).json()
    rows = rows.get("results", rows)
    assert rows[0]["model_output"] is True
    assert rows[0]["detector_version"] == risk.RISK_DETECTOR_VERSION
