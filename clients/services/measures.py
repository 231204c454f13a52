"""Administering measures: score from raw answers, store, raise safety alerts in-request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from clients.instrument_validation import validate_definition
from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Assessment, Client, DueQuestionnaire, InstrumentDefinition
from clients.scoring import safety_flags, score
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.models import Practice

if TYPE_CHECKING:
    from practice.models import User


def instruments_for(practice_id: int) -> dict[str, dict]:
    """Built-in definitions plus the practice's own, by code."""
    definitions = dict(BUILTIN_INSTRUMENTS)
    for custom in InstrumentDefinition.objects.filter(practice_id=practice_id).order_by("code"):
        definitions[custom.code] = {**custom.definition, "code": custom.code, "builtin": False}
    return definitions


def instrument_for(practice_id: int, code: str) -> dict | None:
    if code in BUILTIN_INSTRUMENTS:
        return BUILTIN_INSTRUMENTS[code]
    custom = InstrumentDefinition.objects.filter(practice_id=practice_id, code=code).first()
    return {**custom.definition, "code": custom.code} if custom else None


def instrument_define(*, practice: Practice, actor: User, definition: dict) -> InstrumentDefinition:
    errors = validate_definition(definition)
    if errors:
        raise DomainError("; ".join(errors), field="definition")
    code = definition["code"]
    if code in BUILTIN_INSTRUMENTS or InstrumentDefinition.objects.filter(practice=practice, code=code).exists():
        raise DomainError(f"An instrument with code {code!r} already exists.", field="definition")
    with transaction.atomic():
        custom = InstrumentDefinition.objects.create(
            practice=practice, code=code, definition=definition, created_by=actor
        )
        audit_record(actor=actor, action=AuditAction.CREATE, target=custom, fields=["code", "definition"])
    return custom


def scoring_options(practice: Practice) -> dict:
    return {"pcl5_cutoff": practice.pcl5_cutoff}


@dataclass
class AdministrationResult:
    assessment: Assessment
    alerts: list = field(default_factory=list)
    crisis_resources: list[dict] = field(default_factory=list)


ALERT_KINDS = {"phq9_item9": "phq9_item9", "cssrs_risk": "cssrs"}


def assessment_record(
    *,
    client: Client,
    actor: User,
    instrument: str,
    answers,
    difficulty=None,
    administered_at: dt.datetime | None = None,
    source: str = Assessment.Source.THERAPIST,
    session=None,
) -> AdministrationResult:
    """Score and store one administration; safety flags become alerts in this transaction.

    Raises clients.scoring.AnswerValidationError (nothing stored) for invalid answers.
    """
    from insights.freshness import client_activity_changed
    from insights.safety import crisis_resources_for, raise_alert

    if client.is_discharged:
        raise DomainError("This client is discharged; measures can no longer be recorded.", conflict=True)
    definition = instrument_for(client.practice_id, instrument)
    if definition is None:
        raise DomainError(f"Unknown instrument {instrument!r}.", field="instrument")
    result = score(definition, answers, difficulty=difficulty, options=scoring_options(client.practice))
    flags = safety_flags(definition, answers, result)
    administered_at = administered_at or timezone.now()
    with transaction.atomic():
        assessment = Assessment.objects.create(
            client=client,
            instrument=definition["code"],
            version=result.get("version", definition.get("version", "")),
            answers=answers,
            difficulty=difficulty,
            result=result,
            total=result.get("total"),
            administered_at=administered_at,
            administered_by=actor,
            source=source,
            session=session,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=assessment,
            client_id=client.pk,
            fields=["instrument", "answers", "difficulty"],
        )
        completed = DueQuestionnaire.objects.filter(
            client=client,
            instrument=definition["code"],
            status=DueQuestionnaire.Status.PENDING,
            expires_at__gt=administered_at,
        )
        # The administration counts toward the session its questionnaire belongs to (the
        # earliest one it completes), unless the caller named a session.
        belongs_to = completed.filter(session__isnull=False).order_by("due_at", "id").first()
        if session is None and belongs_to is not None:
            assessment.session_id = belongs_to.session_id
            assessment.save(update_fields=["session"])
        completed.update(status=DueQuestionnaire.Status.COMPLETED, assessment=assessment)
        alerts = [
            raise_alert(
                client=client,
                kind=ALERT_KINDS.get(flag["kind"], "measure_flag"),
                severity=flag["severity"],
                reason=flag["reason"],
                source_type="assessment",
                source_id=assessment.pk,
                actor=actor,
            )
            for flag in flags
        ]
        client_activity_changed(client.pk)
    return AdministrationResult(
        assessment=assessment, alerts=alerts, crisis_resources=crisis_resources_for(client) if alerts else []
    )
