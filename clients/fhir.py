"""Export a client's measures as a FHIR R4 Bundle (type "collection").

Plain dicts in, a plain JSON-ready dict out; nothing here touches the database. The output
uses only elements that are identical in R4 and R4B, and the tests validate it with the R4B
models of `fhir.resources` (the package ships R5 at top level, plus R4B and STU3; no separate
R4 package).

Choices:
- Entries are linked by `urn:uuid:` fullUrls derived (uuid5) from our ids, so the same data
  always gives the same bundle apart from its timestamp, and references resolve inside it.
- LOINC codes appear only where we are sure they exist: PHQ-9 total 44261-6 and GAD-7 total
  70274-6. Other instruments carry `code.text` only rather than a guessed code.
- Unanswered items are left out of the QuestionnaireResponse (null is not an answer, and never
  becomes 0). A total that could not be scored is a `dataAbsentReason`, not a number.
- Instrument-specific result values (PHQ-2, item 9 flag, PCL-5 clusters, WAI-SR subscales,
  C-SSRS risk level, ...) are Observation components with `code.text` naming the result key.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from clients.instruments import BUILTIN_INSTRUMENTS

ALLIANCE_NAMESPACE = uuid.UUID("6f1d2a4e-8c0b-5b7e-9a43-2f6d1c0e9b71")
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

TOTAL_SCORE_LOINC = {
    "phq9": (
        "44261-6",
        "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    ),
    "gad7": (
        "70274-6",
        "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
    ),
}
# Reported in the Observation value itself, or with every instrument; not repeated as components.
COMMON_RESULT_KEYS = frozenset({"total", "scorable", "prorated", "n_missing", "severity", "caseness", "version"})


def _full_url(kind: str, identifier: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(ALLIANCE_NAMESPACE, f'{kind}/{identifier}')}"


def _resource_id(prefix: str, identifier: Any) -> str:
    # FHIR ids allow only letters, digits, "-" and ".", at most 64 characters.
    return re.sub(r"[^A-Za-z0-9\-.]", "-", f"{prefix}{identifier}")[:64]


def _as_datetime_text(value: datetime | str) -> str:
    """ISO 8601 with an offset; naive times are refused because FHIR needs the offset."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"administered_at must be timezone-aware, got {value!r}")
    return moment.isoformat()


def _as_date_text(value: date | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else date.fromisoformat(value).isoformat()


def _patient(patient: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _resource_id("", patient["id"]),
        "identifier": [{"system": "urn:alliance:client", "value": str(patient["id"])}],
        "name": [{"family": patient["last_name"], "given": [patient["first_name"]]}],
    }
    birth_date = _as_date_text(patient.get("date_of_birth"))
    if birth_date is not None:
        resource["birthDate"] = birth_date
    return resource


def _definition_for(assessment: dict[str, Any]) -> dict[str, Any] | None:
    return assessment.get("definition") or BUILTIN_INSTRUMENTS.get(assessment["instrument"])


def _item_texts(definition: dict[str, Any] | None) -> dict[str, str]:
    if definition is None:
        return {}
    return {str(item.get("key", item["number"])): item["text"] for item in definition["items"]}


def _response_items(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    definition = _definition_for(assessment)
    texts = _item_texts(definition)
    answers = assessment["answers"]
    if isinstance(answers, dict):
        pairs = list(answers.items())
    else:
        pairs = [(str(number), value) for number, value in enumerate(answers, start=1)]
    difficulty = assessment.get("difficulty")
    if difficulty is not None and definition is not None and definition.get("difficulty"):
        difficulty_item = definition["difficulty"]
        texts[str(difficulty_item["number"])] = difficulty_item["text"]
        pairs.append((str(difficulty_item["number"]), difficulty))

    items = []
    for link_id, value in pairs:
        if value is None:
            continue
        item: dict[str, Any] = {"linkId": link_id}
        if link_id in texts:
            item["text"] = texts[link_id]
        answer_key = "valueBoolean" if isinstance(value, bool) else "valueInteger"
        item["answer"] = [{answer_key: value}]
        items.append(item)
    return items


def _value_element(value: Any) -> dict[str, Any]:
    if value is None:
        return {
            "dataAbsentReason": {
                "coding": [{"system": DATA_ABSENT_REASON, "code": "unknown"}],
                "text": "Not computable from the answers given",
            }
        }
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": value}}
    return {"valueString": str(value)}


def _components(result: dict[str, Any]) -> list[dict[str, Any]]:
    components = []
    for key, value in result.items():
        if key in COMMON_RESULT_KEYS:
            continue
        # Nested groups (PCL-5 clusters, WAI-SR subscales and means) flatten to "group.name".
        entries = value.items() if isinstance(value, dict) else [(None, value)]
        for part, part_value in entries:
            name = key if part is None else f"{key}.{part}"
            components.append({"code": {"text": name}, **_value_element(part_value)})
    return components


def _observation(assessment: dict[str, Any], patient_url: str, response_url: str, effective: str) -> dict[str, Any]:
    code = assessment["instrument"]
    result = assessment["result"]
    name = assessment.get("name") or code
    observation_code: dict[str, Any] = {"text": f"{name} total score"}
    if code in TOTAL_SCORE_LOINC:
        loinc_code, display = TOTAL_SCORE_LOINC[code]
        observation_code["coding"] = [{"system": LOINC, "code": loinc_code, "display": display}]

    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _resource_id("observation-", assessment["id"]),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": OBSERVATION_CATEGORY,
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": observation_code,
        "subject": {"reference": patient_url},
        "effectiveDateTime": effective,
        "derivedFrom": [{"reference": response_url}],
        "method": {"text": f"Scored with {result.get('version', code)}"},
    }
    if "risk_level" in result:
        # A triage screener has no total: its finding is the risk level.
        resource["code"] = {"text": f"{name} risk level"}
        resource["valueCodeableConcept"] = {"text": result["risk_level"]}
    elif result.get("total") is not None:
        resource["valueInteger"] = result["total"]
    else:
        resource["dataAbsentReason"] = {
            "coding": [{"system": DATA_ABSENT_REASON, "code": "unknown"}],
            "text": f"Not scorable: {result.get('n_missing')} items unanswered",
        }
    if result.get("severity") is not None:
        resource["interpretation"] = [{"text": result["severity"]}]
    components = _components(result)
    if components:
        resource["component"] = components
    return resource


def build_bundle(
    patient: dict[str, Any],
    assessments: list[dict[str, Any]],
    *,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """A FHIR R4 collection Bundle: the Patient, then per assessment its response and score.

    `patient`: id, first_name, last_name, date_of_birth (date, ISO string or None).
    Each assessment: id, instrument (code), name, answers, administered_at (aware datetime or
    ISO string with offset), result, and optionally difficulty and definition (needed for a
    practice-defined instrument's item texts).
    """
    patient_url = _full_url("Patient", patient["id"])
    entries = [{"fullUrl": patient_url, "resource": _patient(patient)}]
    for assessment in assessments:
        effective = _as_datetime_text(assessment["administered_at"])
        response_url = _full_url("QuestionnaireResponse", assessment["id"])
        version = assessment["result"].get("version", assessment["instrument"])
        response = {
            "resourceType": "QuestionnaireResponse",
            "id": _resource_id("response-", assessment["id"]),
            "identifier": {
                "system": "urn:alliance:assessment",
                "value": str(assessment["id"]),
            },
            # No public canonical Questionnaire URL is published for most of these; a stable
            # URN naming instrument and scoring version keeps the link unambiguous.
            "questionnaire": f"urn:alliance:questionnaire:{assessment['instrument']}|{version}",
            "status": "completed",
            "subject": {"reference": patient_url},
            "authored": effective,
            "item": _response_items(assessment),
        }
        if not response["item"]:
            del response["item"]
        entries.append({"fullUrl": response_url, "resource": response})
        entries.append(
            {
                "fullUrl": _full_url("Observation", assessment["id"]),
                "resource": _observation(assessment, patient_url, response_url, effective),
            }
        )
    timestamp = (generated_at or datetime.now(UTC)).isoformat()
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(ALLIANCE_NAMESPACE, f"Bundle/{patient['id']}")),
        "type": "collection",
        "timestamp": timestamp,
        "entry": entries,
    }
