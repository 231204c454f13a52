"""Computing and storing the AI outputs of one client: the domain functions behind the nightly
task (``insights.tasks.ai``) and the services (``insights.ai.services``).

Rules every function here keeps (the module docstring of ``insights.ai.services`` has the rest):
- AI processing needs the client's ``ai_processing`` consent. Without it nothing is computed
  or stored (``AiConsentMissing``, a 409).
- Each feature runs only when the practice's AI policy allows it (``insights.ai.policy``):
  ``require_feature`` logs the run (feature, profile, allowed or blocked) and raises
  ``AiPolicyBlocked`` (a 409 the pages show as "Off under this practice's AI policy").
- Every output is an ``AiSuggestion`` row with payload, reasons, inputs (source ids), method
  and version; an unchanged recomputation reuses the stored row, so a task delivered twice
  leaves the same rows as once.

No service is imported here: tasks call these functions directly (STYLE.md, Celery).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from insights.ai import nudges, policy
from insights.ai.affect import Affect, compute_affect
from insights.ai.policy import (  # AI_CONSENT_MESSAGE and AiConsentMissing: re-exported for the services
    AI_CONSENT_MESSAGE,  # noqa: F401
    AiConsentMissing,
    AiPolicyBlocked,
    require_feature,
)
from insights.ai.recommend import AUTO, DISMISS_COOLDOWN_DAYS, EncoderArg, compute_recommendations
from insights.models import AiSuggestion
from practice.audit import AuditAction, audit_record

if TYPE_CHECKING:
    from practice.models import User

Kind = AiSuggestion.Kind
Decision = AiSuggestion.Decision
TASK = "task"
REQUEST = "request"
# Which registered feature (insights/ai/policy.py) produces each kind of stored suggestion.
FEATURE_OF_KIND: dict[str, str] = {
    Kind.SESSION_BRIEF: policy.SESSION_BRIEF.key,
    Kind.HOMEWORK_RECOMMENDATION: policy.HOMEWORK_RECOMMENDATIONS.key,
    Kind.NUDGE_TIMING: policy.NUDGE_TIMING.key,
    Kind.AFFECT: policy.AFFECT.key,
}

ai_consent_given = policy.ai_consent_given


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


def store_output(
    *, client: Client, actor: User | None, kind: str, output, read_fields: list[str], now: dt.datetime | None
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


def affect_refresh(
    *, client: Client, actor: User | None = None, now: dt.datetime | None = None, trigger: str = REQUEST
) -> tuple[AiSuggestion, Affect]:
    require_feature(client=client, key=policy.AFFECT.key, actor=actor, trigger=trigger)
    affect = compute_affect(client, now=now)
    fields = ["checkin.mood", "affect"]
    return store_output(
        client=client, actor=actor, kind=Kind.AFFECT, output=affect, read_fields=fields, now=now
    ), affect


def recommendations_refresh(
    *,
    client: Client,
    encoder: EncoderArg = AUTO,
    now: dt.datetime | None = None,
    actor: User | None = None,
    trigger: str = REQUEST,
) -> list[AiSuggestion]:
    """The current top recommendations, one pending row per template (reused while it stays).

    A pending row whose template drops out of the top is marked ``superseded_at`` in its
    payload rather than deleted: it was an output, and may already have been seen.
    """
    require_feature(client=client, key=policy.HOMEWORK_RECOMMENDATIONS.key, actor=actor, trigger=trigger)
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


def nudge_timing_refresh(
    *, client: Client, now: dt.datetime | None = None, actor: User | None = None, trigger: str = REQUEST
) -> AiSuggestion | None:
    """Suggest a reminder hour learned from completion times, when it differs from today's."""
    require_feature(client=client, key=policy.NUDGE_TIMING.key, actor=actor, trigger=trigger)
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

    Each feature the practice's AI policy blocks is skipped (and logged as blocked); the others
    still run. The brief is computed when a therapist opens it, since it covers "until now".
    """
    if not ai_consent_given(client):
        return False
    refreshes = (
        lambda: recommendations_refresh(client=client, now=now, trigger=TASK),
        lambda: affect_refresh(client=client, now=now, trigger=TASK),
        lambda: nudge_timing_refresh(client=client, now=now, trigger=TASK),
    )
    for refresh in refreshes:
        try:
            refresh()
        except AiPolicyBlocked:
            continue  # logged by require_feature; the chart shows the feature as off
    return True
