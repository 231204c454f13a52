"""Measures over HTTP: results, rejections (nothing stored), safety alerts in the request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Assessment
from insights.models import Alert
from tests.conftest import as_user
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def post_assessment(user, client, payload):
    return as_user(user).post(reverse("api-client-assessments", kwargs={"pk": client.pk}), payload, format="json")


def test_phq9_result_has_every_contract_key(therapist, client_record):
    response = post_assessment(
        therapist, client_record, {"instrument": "phq9", "answers": [1, 2, 1, 2, 1, 1, 1, 1, 0], "difficulty": 1}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "instrument", "answers", "administered_at", "result"}
    result = body["result"]
    assert result["total"] == 10
    assert result["severity"] == "moderate"
    assert result["caseness"] is True
    assert result["item9_flag"] is False
    assert result["safety_item_missing"] is False
    assert result["phq2_total"] == 3 and result["phq2_positive"] is True
    assert result["version"] == "phq9_v1"
    assert body["answers"] == [1, 2, 1, 2, 1, 1, 1, 1, 0]


def test_prorated_phq9_rounds_half_up(therapist, client_record):
    # 8 answered summing to 12: 12 * 9 / 8 = 13.5 -> 14.
    response = post_assessment(
        therapist, client_record, {"instrument": "phq9", "answers": [2, 2, 2, 2, 2, 1, 1, None, 0]}
    )
    result = response.json()["result"]
    assert result["total_exact"] == 13.5
    assert result["total"] == 14
    assert result["prorated"] is True and result["n_missing"] == 1
    assert result["severity"] == "moderate"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([0, 1, 2, 3, 4, 0, 0, 0, 0], [{"item": 5, "code": "out_of_range"}]),
        ([0, 1, 2, 3, "2", 0, 0, 0, 0], [{"item": 5, "code": "non_integer"}]),
        ([0, 1, 2, 3, 1.5, 0, 0, 0, 0], [{"item": 5, "code": "non_integer"}]),
        ([0, 1, 2, 3, True, 0, 0, 0, 0], [{"item": 5, "code": "non_integer"}]),
        ([0, 1, 2], [{"code": "wrong_item_count"}]),
        ([0, -1, 2, 3, 1, 0, 0, 0, 0], [{"item": 2, "code": "out_of_range"}]),
    ],
)
def test_invalid_answers_are_rejected_with_item_and_code_and_nothing_stored(
    therapist, client_record, answers, expected
):
    response = post_assessment(therapist, client_record, {"instrument": "phq9", "answers": answers})
    assert response.status_code == 400
    errors = response.json()["answers"]
    assert [{key: error[key] for key in ("item", "code") if key in error} for error in errors] == expected
    assert all(error["message"] for error in errors)
    assert "item" not in errors[0] if expected[0]["code"] == "wrong_item_count" else True
    assert Assessment.objects.count() == 0
    assert Alert.objects.count() == 0


def test_unknown_instrument_is_a_field_error(therapist, client_record):
    response = post_assessment(therapist, client_record, {"instrument": "bdi", "answers": [1]})
    assert response.status_code == 400
    assert "instrument" in response.json()


def test_item9_raises_an_alert_in_the_same_request(
    therapist, client_record, monkeypatch, django_capture_on_commit_callbacks
):
    from insights.tasks import safety as safety_tasks
    from practice.celery import app

    # No worker and no broker: the alert must not depend on either.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(safety_tasks.notify_alert, "delay", lambda *args: (_ for _ in ()).throw(OSError("broker down")))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_assessment(
            therapist, client_record, {"instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 2]}
        )
    assert response.status_code == 201
    assert response.json()["result"]["item9_flag"] is True
    alert = Alert.objects.get(client=client_record)
    assert alert.kind == "phq9_item9" and alert.severity == "urgent"
    assert alert.status == "open"


def test_item9_flag_even_when_not_scorable(therapist, client_record):
    response = post_assessment(
        therapist, client_record, {"instrument": "phq9", "answers": [None, None, None, 0, 0, 0, 0, 0, 1]}
    )
    result = response.json()["result"]
    assert result["scorable"] is False and result["total"] is None
    assert result["item9_flag"] is True
    assert Alert.objects.filter(client=client_record, kind="phq9_item9").count() == 1


def test_client_self_report_with_cssrs_high_shows_crisis_resources(client_user, client_record):
    payload = {
        "instrument": "cssrs_screener",
        "answers": {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False, "q6_past_3_months": None},
    }
    response = as_user(client_user).post(reverse("api-me-assessments"), payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["result"]["risk_level"] == "high"
    assert body["crisis_resources"], "the client must see crisis resources at once"
    assert Alert.objects.get(client=client_record).severity == "urgent"
    assert Assessment.objects.get().source == "portal"


def test_series_is_oldest_first_and_filters_by_instrument(therapist, client_record):
    for administered_at, answers in [("2026-01-10T10:00:00Z", [3] * 9), ("2026-01-03T10:00:00Z", [1] * 9)]:
        post_assessment(
            therapist, client_record, {"instrument": "phq9", "answers": answers, "administered_at": administered_at}
        )
    post_assessment(therapist, client_record, {"instrument": "gad7", "answers": [1] * 7})
    response = as_user(therapist).get(
        reverse("api-client-assessments", kwargs={"pk": client_record.pk}), {"instrument": "phq9"}
    )
    results = response.json()["results"]
    assert [row["result"]["total"] for row in results] == [9, 27]


def test_outcomes_follow_talking_therapies_rules(therapist, client_record):
    for index, (phq, gad) in enumerate([([2] * 9, [2] * 7), ([1] * 9, [0] * 7)]):
        when = f"2026-02-{index + 1:02d}T10:00:00Z"
        post_assessment(therapist, client_record, {"instrument": "phq9", "answers": phq, "administered_at": when})
        post_assessment(therapist, client_record, {"instrument": "gad7", "answers": gad, "administered_at": when})
    SessionFactory.create_batch(2, client=client_record, status="attended")
    body = as_user(therapist).get(reverse("api-client-outcomes", kwargs={"pk": client_record.pk})).json()
    tt = body["talking_therapies"]
    assert (tt["phq9_first"], tt["phq9_last"], tt["gad7_first"], tt["gad7_last"]) == (18, 9, 14, 0)
    assert tt["phq9_change"] == -9 and tt["gad7_change"] == -14
    assert tt["caseness_pre"] is True and tt["caseness_post"] is False
    assert tt["reliable_improvement"] is True and tt["recovery"] is True and tt["reliable_recovery"] is True
    assert tt["finished_course"] is True
    assert set(body["not_on_track"]) == {"flag", "reason"}


def test_fhir_export_validates(therapist, client_record):
    from fhir.resources.R4B.bundle import Bundle

    post_assessment(therapist, client_record, {"instrument": "phq9", "answers": [1] * 9})
    post_assessment(therapist, client_record, {"instrument": "gad7", "answers": [1] * 7})
    response = as_user(therapist).get(reverse("api-client-fhir", kwargs={"pk": client_record.pk}))
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json())
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry]
    assert kinds.count("Observation") == 2 and kinds.count("QuestionnaireResponse") == 2 and kinds[0] == "Patient"
    codes = {
        coding.code
        for entry in bundle.entry
        if entry.resource.__resource_type__ == "Observation"
        for coding in entry.resource.code.coding or []
    }
    assert {"44261-6", "70274-6"} <= codes


def test_admin_adds_a_practice_instrument_and_it_scores(admin, therapist, client_record):
    definition = {
        "code": "sleep5",
        "name": "Sleep check (5 items)",
        "version": "sleep5_v1",
        "licence": "Written by the practice",
        "answer_format": "list",
        "items": [{"number": n, "text": f"Item {n}"} for n in range(1, 6)],
        "options": [{"value": v, "label": str(v)} for v in range(0, 4)],
        "min_item_value": 0,
        "max_item_value": 3,
        "scoring": "sum",
        "bands": [{"min": 0, "max": 7, "code": "low"}, {"min": 8, "max": 15, "code": "high"}],
        "caseness_threshold": 8,
        "max_missing_to_prorate": 0,
    }
    created = as_user(admin).post(reverse("api-instruments"), {"definition": definition}, format="json")
    assert created.status_code == 201, created.content
    response = post_assessment(therapist, client_record, {"instrument": "sleep5", "answers": [2, 2, 2, 1, 1]})
    assert response.status_code == 201, response.content
    assert response.json()["result"]["total"] == 8
    assert response.json()["result"]["severity"] == "high"


def test_bad_instrument_definition_gets_clear_errors(admin):
    response = as_user(admin).post(reverse("api-instruments"), {"definition": {"code": "Bad Code"}}, format="json")
    assert response.status_code == 400
    assert response.json()["definition"]
