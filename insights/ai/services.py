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

Computing and storing outputs (consent check, ``suggestion_store``, the refresh functions)
lives in ``insights.ai.refresh``, which the nightly task (``insights.tasks.ai``) calls
directly, since tasks never import services; it is re-exported here for the views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from clients.services.records import client_update
from insights.ai import policy
from insights.ai.brief import Brief, compute_brief
from insights.ai.recommend import AUTO, EncoderArg
from insights.ai.refresh import (
    AI_CONSENT_MESSAGE,
    FEATURE_OF_KIND,
    AiConsentMissing,
    AiPolicyBlocked,
    affect_refresh,
    ai_consent_given,
    ai_refresh_client,
    nudge_timing_refresh,
    recommendations_refresh,
    require_ai_consent,
    store_output,
    suggestion_store,
)
from insights.models import AiSuggestion
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from sessions.models import HomeworkAssignment, HomeworkTemplate

if TYPE_CHECKING:
    from practice.models import User

# Accepting a homework recommendation without a due date gives the client a week.
DEFAULT_DUE_DAYS = 7
Kind = AiSuggestion.Kind
Decision = AiSuggestion.Decision

# Re-exported for the views: the refresh functions are the same for a view and the nightly task.
__all__ = [
    "AI_CONSENT_MESSAGE",
    "AiConsentMissing",
    "AiPolicyBlocked",
    "DecisionOutcome",
    "affect_refresh",
    "ai_consent_given",
    "ai_refresh_client",
    "brief_refresh",
    "nudge_timing_refresh",
    "recommendations_refresh",
    "require_ai_consent",
    "suggestion_decide",
    "suggestion_store",
]


def brief_refresh(
    *, client: Client, actor: User, encoder: EncoderArg = AUTO, now: dt.datetime | None = None
) -> tuple[AiSuggestion, Brief]:
    """Compute and store the session prep brief; records a read of the quoted sources."""
    policy.require_feature(client=client, key=policy.SESSION_BRIEF.key, actor=actor)
    brief = compute_brief(client, encoder=encoder, now=now)
    # The brief shows check-in notes and homework answers: a read of clinical content.
    fields = ["checkin.note", "homework_submission.responses", "session_brief"]
    return store_output(
        client=client, actor=actor, kind=Kind.SESSION_BRIEF, output=brief, read_fields=fields, now=now
    ), brief


@dataclass
class DecisionOutcome:
    suggestion: AiSuggestion
    assignments: list[HomeworkAssignment] = field(default_factory=list)


def suggestion_decide(
    *, suggestion: AiSuggestion, actor: User, decision: str, due_at: dt.datetime | None = None
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
            # Acting on a suggestion is running its feature: not once the policy switched it off.
            # Dismissing stays possible, so a stale suggestion can always be cleared.
            verdict = policy.feature_decision(client.practice, FEATURE_OF_KIND[suggestion.kind], client=client)
            if not verdict.allowed:
                raise AiPolicyBlocked(verdict)
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


def _act_on_acceptance(suggestion: AiSuggestion, actor: User, due_at: dt.datetime) -> list[HomeworkAssignment]:
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
