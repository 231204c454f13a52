"""Writes for the AI adjuncts: storing suggestions and recording the clinician's decision.

Rules every function here keeps:
- AI processing needs the client's ``ai_processing`` consent. Without it nothing is
  computed or stored (``AiConsentMissing``, a 409). Risk screening is not here: it is part
  of care and runs whatever the consent (``insights.safety``).
- Every output is an ``AiSuggestion`` row with payload, reasons, inputs (source ids),
  method and version. Payloads hold ids, numbers and library text, never client-written
  text: quotes stay in their encrypted source rows and are read back when shown.
- Nothing reaches the client until a therapist accepts: accepting a homework
  recommendation assigns it, accepting a reminder time changes the client's reminders.
  Accept and dismiss are recorded (decision, decided_by, decided_at) with an audit event.

This module never imports tasks, so ``insights.ai.tasks`` may call ``ai_refresh_client``
here without an import cycle (the one write path for stored AI output lives in one place).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from clients.models import Client, Consent
from clients.services.records import client_update, has_consent
from insights.ai import nudges
from insights.ai.affect import Affect, compute_affect
from insights.ai.brief import Brief, compute_brief
from insights.ai.recommend import AUTO, DISMISS_COOLDOWN_DAYS, EncoderArg, compute_recommendations
from insights.models import AiSuggestion
from practice.api_support import DomainError
from practice.audit import AuditAction, audit_record
from sessions.models import HomeworkAssignment, HomeworkTemplate

AI_CONSENT_MESSAGE = "The client has not consented to AI processing."
# Accepting a homework recommendation without a due date gives the client a week.
DEFAULT_DUE_DAYS = 7
Kind = AiSuggestion.Kind
Decision = AiSuggestion.Decision


class AiConsentMissing(DomainError):
    def __init__(self) -> None:
        super().__init__(AI_CONSENT_MESSAGE, conflict=True)


def ai_consent_given(client: Client) -> bool:
    return has_consent(client, Consent.Kind.AI_PROCESSING)


def require_ai_consent(client: Client) -> None:
    if not ai_consent_given(client):
        raise AiConsentMissing()


def _same(suggestion: AiSuggestion, **values: Any) -> bool:
    def canonical(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    return all(canonical(getattr(suggestion, name)) == canonical(value) for name, value in values.items())


def suggestion_store(
    *,
    client: Client,
    kind: str,
    payload: dict[str, Any],
    reasons: list[str],
    inputs: dict[str, Any],
    method: str,
    version: str,
    now: dt.datetime | None = None,
) -> AiSuggestion:
    """Store one output; an unchanged recomputation reuses the latest pending row.

    Call inside ``transaction.atomic`` after checking consent. A new row is audited as
    created by the system (no actor).
    """
    values = {
        "payload": payload,
        "reasons": reasons,
        "inputs": inputs,
        "method": method,
        "version": version,
    }
    latest = AiSuggestion.objects.filter(client=client, kind=kind).order_by("-created_at", "-id").first()
    if latest is not None and latest.decision == Decision.PENDING and _same(latest, **values):
        return latest
    suggestion = AiSuggestion.objects.create(client=client, kind=kind, created_at=now or timezone.now(), **values)
    _audit_created(suggestion)
    return suggestion


def _audit_created(suggestion: AiSuggestion) -> None:
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        target=suggestion,
        client_id=suggestion.client_id,
        practice_id=suggestion.client.practice_id,
        fields=["payload", "reasons", "inputs", "method", "version"],
    )


def brief_refresh(
    *, client: Client, actor, encoder: EncoderArg = AUTO, now: dt.datetime | None = None
) -> tuple[AiSuggestion, Brief]:
    """Compute and store the session prep brief; records a read of the quoted sources."""
    require_ai_consent(client)
    brief = compute_brief(client, encoder=encoder, now=now)
    # The brief shows check-in notes and homework answers: a read of clinical content.
    fields = ["checkin.note", "homework_submission.responses", "session_brief"]
    return _store_output(
        client=client, actor=actor, kind=Kind.SESSION_BRIEF, output=brief, read_fields=fields, now=now
    ), brief


def _store_output(
    *, client: Client, actor, kind: str, output, read_fields: list[str], now: dt.datetime | None
) -> AiSuggestion:
    """Store an AI output as a suggestion and, when a person is looking, audit the read."""
    with transaction.atomic():
        suggestion = suggestion_store(
            client=client,
            kind=kind,
            payload=output.payload(),
            reasons=output.reasons,
            inputs=output.inputs,
            method=output.method,
            version=output.version,
            now=now,
        )
        if actor is not None:
            audit_record(
                actor=actor, action=AuditAction.READ, target=suggestion, client_id=client.pk, fields=read_fields
            )
    return suggestion


def affect_refresh(*, client: Client, actor=None, now: dt.datetime | None = None) -> tuple[AiSuggestion, Affect]:
    require_ai_consent(client)
    affect = compute_affect(client, now=now)
    fields = ["checkin.mood", "affect"]
    return _store_output(
        client=client, actor=actor, kind=Kind.AFFECT, output=affect, read_fields=fields, now=now
    ), affect


def recommendations_refresh(
    *, client: Client, encoder: EncoderArg = AUTO, now: dt.datetime | None = None
) -> list[AiSuggestion]:
    """The current top recommendations, one pending row per template (reused while it stays).

    A pending row whose template drops out of the top is marked ``superseded_at`` in its
    payload rather than deleted: it was an output, and may already have been seen.
    """
    require_ai_consent(client)
    now = now or timezone.now()
    result = compute_recommendations(client, encoder=encoder, now=now)
    current = []
    with transaction.atomic():
        # One refresh per client at a time, so two requests cannot both create a row.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        pending = AiSuggestion.objects.filter(
            client=client, kind=Kind.HOMEWORK_RECOMMENDATION, decision=Decision.PENDING
        )
        by_template = {(s.payload or {}).get("template", {}).get("id"): s for s in pending.order_by("created_at", "id")}
        for recommendation in result.recommendations:
            template = recommendation.template
            values = {
                "payload": {
                    "template": {
                        "id": template.id,
                        "title": template.title,
                        "kind": template.kind,
                    },
                    "rank": recommendation.rank,
                    "score": recommendation.score,
                    "fit": recommendation.fit,
                    "relative_fit": recommendation.relative_fit,
                    "kind_completion_rate": recommendation.completion_rate,
                },
                "reasons": recommendation.reasons,
                "inputs": {
                    **result.inputs,
                    "homework_template_id": template.id,
                    "homework_assignment_ids": result.history_ids.get(template.kind, []),
                },
                "method": result.method,
                "version": result.version,
            }
            existing = by_template.pop(template.id, None)
            if existing is None:
                existing = AiSuggestion.objects.create(
                    client=client,
                    kind=Kind.HOMEWORK_RECOMMENDATION,
                    created_at=now,
                    **values,
                )
                _audit_created(existing)
            elif not _same(existing, **values):
                for name, value in values.items():
                    setattr(existing, name, value)
                existing.save(update_fields=list(values))
            current.append(existing)
        for leftover in by_template.values():
            if "superseded_at" not in (leftover.payload or {}):
                leftover.payload = {
                    **(leftover.payload or {}),
                    "superseded_at": now.isoformat(),
                }
                leftover.save(update_fields=["payload"])
    return current


def nudge_timing_refresh(*, client: Client, now: dt.datetime | None = None) -> AiSuggestion | None:
    """Suggest a reminder hour learned from completion times, when it differs from today's."""
    require_ai_consent(client)
    now = now or timezone.now()
    timing = nudges.learn_for_client(client, now=now)
    if timing.hour is None or timing.hour == client.reminder_hour:
        return None
    recently_dismissed = AiSuggestion.objects.filter(
        client=client,
        kind=Kind.NUDGE_TIMING,
        decision=Decision.DISMISSED,
        decided_at__gte=now - dt.timedelta(days=DISMISS_COOLDOWN_DAYS),
        payload__hour=timing.hour,
    )
    if recently_dismissed.exists():
        return None  # the therapist said no to this hour; do not ask again straight away
    payload = {
        "hour": timing.hour,
        "weekday": timing.weekday,
        "current_hour": client.reminder_hour,
        "mean_hour": timing.mean_hour,
        "spread_hours": timing.spread_hours,
        "completions": timing.completions,
    }
    with transaction.atomic():
        return suggestion_store(
            client=client,
            kind=Kind.NUDGE_TIMING,
            payload=payload,
            reasons=timing.reasons,
            inputs={"client_id": client.pk, "homework_assignment_ids": timing.assignment_ids},
            method=nudges.NUDGE_METHOD,
            version=nudges.NUDGE_VERSION,
            now=now,
        )


def ai_refresh_client(*, client: Client, now: dt.datetime | None = None) -> bool:
    """Recompute the stored AI outputs of one client; False (nothing done) without consent.

    The brief is computed when a therapist opens it, since it covers "until now".
    """
    if not ai_consent_given(client):
        return False
    recommendations_refresh(client=client, now=now)
    affect_refresh(client=client, now=now)
    nudge_timing_refresh(client=client, now=now)
    return True


@dataclass
class DecisionOutcome:
    suggestion: AiSuggestion
    assignments: list[HomeworkAssignment] = field(default_factory=list)


def suggestion_decide(
    *, suggestion: AiSuggestion, actor, decision: str, due_at: dt.datetime | None = None
) -> DecisionOutcome:
    """Record a therapist's accept or dismiss; accepting acts on the suggestion.

    Accepting a homework recommendation assigns its template (due ``due_at``, by default
    DEFAULT_DUE_DAYS from now); accepting a reminder time sets the client's reminder hour.
    Call with a suggestion of a client the actor may edit. May raise
    ``sessions.services.homework.InvalidInput`` from the assignment (nothing stored).
    """
    if decision not in (Decision.ACCEPTED, Decision.DISMISSED):
        raise DomainError("Decision must be accepted or dismissed.", field="decision")
    now = timezone.now()
    if due_at is not None and due_at <= now:
        raise DomainError("The due date must be in the future.", field="due_at")
    assignments: list[HomeworkAssignment] = []
    with transaction.atomic():
        suggestion = AiSuggestion.objects.select_for_update().select_related("client").get(pk=suggestion.pk)
        client = suggestion.client
        require_ai_consent(client)
        if suggestion.decision != Decision.PENDING:
            raise DomainError(f"This suggestion was already {suggestion.decision}.", conflict=True)
        if decision == Decision.ACCEPTED:
            assignments = _act_on_acceptance(suggestion, actor, due_at or now + dt.timedelta(days=DEFAULT_DUE_DAYS))
        suggestion.decision = decision
        suggestion.decided_by = actor
        suggestion.decided_at = now
        suggestion.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action=AuditAction.DECIDE,
            target=suggestion,
            client_id=client.pk,
            fields=["decision", "decided_by", "decided_at"],
        )
    return DecisionOutcome(suggestion, assignments)


def _act_on_acceptance(suggestion: AiSuggestion, actor, due_at: dt.datetime) -> list[HomeworkAssignment]:
    from sessions.services.homework import homework_assign

    client = suggestion.client
    payload = suggestion.payload or {}
    if suggestion.kind == Kind.HOMEWORK_RECOMMENDATION:
        template_id = payload.get("template", {}).get("id")
        template = HomeworkTemplate.objects.filter(
            pk=template_id, practice_id=client.practice_id, is_active=True
        ).first()
        if template is None:
            raise DomainError("This template is no longer in the practice library.", conflict=True)
        return homework_assign(client=client, actor=actor, due_at=due_at, template=template)
    if suggestion.kind == Kind.NUDGE_TIMING:
        client_update(
            client=client,
            actor=actor,
            data={"reminder_hour": int(payload["hour"])},
            clinical_allowed=False,
        )
    # A brief or an affect chart is accepted as "useful": recorded, nothing else changes.
    return []
