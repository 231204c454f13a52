"""FHIR export, validated with the R4B models of fhir.resources (no separate R4 package)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle

from clients.fhir import build_bundle
from clients.instruments import get_builtin
from clients.scoring import score

PATIENT = {
    "id": 42,
    "first_name": "Ada",
    "last_name": "Byron",
    "date_of_birth": date(1990, 2, 3),
}
WHEN = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def assessment(identifier: int, code: str, answers: object, **extra: object) -> dict:
    definition = get_builtin(code)
    return {
        "id": identifier,
        "instrument": code,
        "name": definition["name"],
        "answers": answers,
        "administered_at": extra.pop("administered_at", WHEN),
        "result": score(definition, answers, difficulty=extra.get("difficulty")),
        **extra,
    }


ALL_ASSESSMENTS = [
    assessment(1, "phq9", [2, 1, 3, 0, 1, 2, 0, 1, None], difficulty=2),
    assessment(2, "gad7", [1, 1, 1, 1, 1, 1, 1]),
    assessment(3, "phq4", [1, 2, 0, 1]),
    assessment(4, "pcl5", [2] * 20),
    assessment(5, "wai_sr", [4] * 12),
    assessment(
        6,
        "cssrs_screener",
        {"q1": True, "q2": True, "q3": False, "q4": False, "q5": None, "q6": False},
        administered_at="2024-03-02T10:00:00+01:00",
    ),
    assessment(7, "phq9", [None, None, None, 1, 1, 1, 1, 1, 0]),
]


@pytest.fixture
def bundle() -> dict:
    return build_bundle(PATIENT, ALL_ASSESSMENTS, generated_at=WHEN)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def test_bundle_validates_as_fhir(bundle):
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert len(parsed.entry) == 1 + 2 * len(ALL_ASSESSMENTS)


def test_bundle_orders_patient_then_response_and_observation_per_assessment(bundle):
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["Patient"] + ["QuestionnaireResponse", "Observation"] * len(ALL_ASSESSMENTS)


def test_patient_resource(bundle):
    (patient,) = resources(bundle, "Patient")
    assert patient["name"] == [{"family": "Byron", "given": ["Ada"]}]
    assert patient["birthDate"] == "1990-02-03"
    assert patient["id"] == "42"


def test_every_reference_resolves_inside_the_bundle(bundle):
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert len(full_urls) == len(bundle["entry"])
    for resource in resources(bundle, "QuestionnaireResponse") + resources(bundle, "Observation"):
        assert resource["subject"]["reference"] in full_urls
    for observation in resources(bundle, "Observation"):
        assert observation["derivedFrom"][0]["reference"] in full_urls


@pytest.mark.parametrize(
    ("position", "loinc"),
    [(0, "44261-6"), (1, "70274-6"), (2, None), (3, None), (4, None), (5, None)],
)
def test_loinc_codes_only_where_known(bundle, position, loinc):
    code = resources(bundle, "Observation")[position]["code"]
    if loinc is None:
        assert "coding" not in code
        assert code["text"]
    else:
        assert code["coding"][0] == {
            "system": "http://loinc.org",
            "code": loinc,
            "display": code["coding"][0]["display"],
        }


def test_phq9_observation_value_and_components(bundle):
    observation = resources(bundle, "Observation")[0]
    assert observation["valueInteger"] == 11  # 10 * 9 / 8 = 11.25 -> 11
    assert observation["interpretation"] == [{"text": "moderate"}]
    assert observation["effectiveDateTime"] == "2024-03-01T09:30:00+00:00"
    components = {c["code"]["text"]: c for c in observation["component"]}
    assert components["phq2_total"]["valueInteger"] == 3
    assert components["safety_item_missing"]["valueBoolean"] is True
    assert components["total_exact"]["valueQuantity"] == {"value": 11.25}
    # Item 9 unanswered: the flag is absent data, never False.
    assert "valueBoolean" not in components["item9_flag"]
    assert components["item9_flag"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_unanswered_items_are_left_out_and_difficulty_is_item_10(bundle):
    response = resources(bundle, "QuestionnaireResponse")[0]
    link_ids = [item["linkId"] for item in response["item"]]
    assert link_ids == ["1", "2", "3", "4", "5", "6", "7", "8", "10"]
    assert response["item"][-1]["answer"] == [{"valueInteger": 2}]
    assert response["item"][0]["text"] == get_builtin("phq9")["items"][0]["text"]
    assert response["status"] == "completed"


def test_unscorable_total_is_absent_data_not_zero(bundle):
    observation = resources(bundle, "Observation")[6]
    assert "valueInteger" not in observation
    assert observation["dataAbsentReason"]["text"] == "Not scorable: 3 items unanswered"


def test_pcl5_and_wai_sr_groups_become_components(bundle):
    pcl5 = {c["code"]["text"]: c for c in resources(bundle, "Observation")[3]["component"]}
    assert pcl5["clusters.B"]["valueInteger"] == 10
    assert pcl5["provisional_ptsd_dsm5"]["valueBoolean"] is True
    wai = {c["code"]["text"]: c for c in resources(bundle, "Observation")[4]["component"]}
    assert wai["subscales.goal"]["valueInteger"] == 16
    assert wai["means.total"]["valueQuantity"] == {"value": 4.0}


def test_cssrs_answers_are_booleans_and_risk_is_the_value(bundle):
    response = resources(bundle, "QuestionnaireResponse")[5]
    answers = {item["linkId"]: item["answer"][0] for item in response["item"]}
    assert answers == {
        "q1": {"valueBoolean": True},
        "q2": {"valueBoolean": True},
        "q3": {"valueBoolean": False},
        "q4": {"valueBoolean": False},
        "q6": {"valueBoolean": False},
    }
    observation = resources(bundle, "Observation")[5]
    assert observation["valueCodeableConcept"] == {"text": "low"}
    assert observation["effectiveDateTime"] == "2024-03-02T10:00:00+01:00"


def test_same_input_gives_the_same_identifiers():
    first = build_bundle(PATIENT, ALL_ASSESSMENTS[:2], generated_at=WHEN)
    second = build_bundle(PATIENT, ALL_ASSESSMENTS[:2], generated_at=WHEN)
    assert first == second


def test_naive_administered_at_is_refused():
    naive = dict(ALL_ASSESSMENTS[1], administered_at=datetime(2024, 3, 1, 9, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        build_bundle(PATIENT, [naive])


def test_aware_non_utc_datetime_keeps_its_offset():
    eastern = timezone(timedelta(hours=-5))
    moved = dict(ALL_ASSESSMENTS[1], administered_at=datetime(2024, 3, 1, 4, 30, tzinfo=eastern))
    bundle = build_bundle(PATIENT, [moved], generated_at=WHEN)
    assert resources(bundle, "Observation")[0]["effectiveDateTime"] == "2024-03-01T04:30:00-05:00"
    Bundle.model_validate(bundle)


def test_patient_without_assessments_or_birth_date_is_still_valid():
    bundle = build_bundle({**PATIENT, "id": "c0ffee-1", "date_of_birth": None}, [])
    Bundle.model_validate(bundle)
    (patient,) = resources(bundle, "Patient")
    assert "birthDate" not in patient
