"""The closed safety loop: risk signals -> alert in the same request -> a person closes it.

Nothing here waits on a queue: alerts are created synchronously inside the caller's
transaction, together with their notification outbox row; only the sending goes through Celery.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from insights.models import Alert
from insights.notifications import alert_created_enqueue
from practice import labels
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError

if TYPE_CHECKING:
    from practice.models import User

LEVEL_ORDER = {"none": 0, "concern": 1, "urgent": 2}
# Fields that hold a thought the client is examining (a thought record's automatic thought), not
# a statement of their own intent: screened, reviewable, never urgent by themselves.
QUOTED_THOUGHT_FIELDS = frozenset({"automatic_thought"})


@dataclass
class ScreeningOutcome:
    """What a client-text screening found; `crisis_resources` is empty when nothing was."""

    level: str = "none"
    alerts: list[Alert] = field(default_factory=list)
    crisis_resources: list[dict] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.level != "none"


def crisis_resources_for(client: Client) -> list[dict]:
    """The crisis links ({label, detail, href}) the client's practice shows: its own edited
    lines, else the default set of its country (practice/crisis.py, Practice.crisis_resources)."""
    return [dict(resource) for resource in client.practice.crisis_resources]


def add_business_days(start: dt.datetime, days: int) -> dt.datetime:
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def acknowledgement_deadline(client: Client, severity: str, now: dt.datetime) -> dt.datetime:
    practice = client.practice
    if severity == Alert.Severity.URGENT:
        return now + dt.timedelta(minutes=practice.urgent_ack_minutes)
    return add_business_days(now, practice.concern_ack_business_days)


def raise_alert(
    *,
    client: Client,
    kind: str,
    severity: str,
    reason: str,
    source_type: str = "",
    source_id: int | None = None,
    excerpt: str = "",
    actor: User | None = None,
    detector_method: str = "",
    detector_version: str = "",
) -> Alert:
    """Create an alert and its outbox notice now (call inside the write's transaction)."""
    now = timezone.now()
    alert = Alert.objects.create(
        client=client,
        kind=kind,
        severity=severity,
        reason=reason[:300],
        source_type=source_type,
        source_id=source_id,
        excerpt=excerpt[:1000],
        detector_method=detector_method,
        detector_version=detector_version,
        created_at=now,
        acknowledge_by=acknowledgement_deadline(client, severity, now),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=alert,
        client_id=client.pk,
        practice_id=client.practice_id,
        fields=["kind", "severity", "reason", "detector_method", "detector_version"]
        if detector_method
        else ["kind", "severity", "reason"],
    )
    # The notice is an outbox row in this same transaction: sent after commit by a task, and
    # re-sent by the outbox sweeper if the broker or SMTP is down.
    alert_created_enqueue(alert)
    return alert


def screen_client_text(
    *,
    client: Client,
    texts: list[tuple[str, str]],
    source_type: str,
    source_id: int | None,
    actor: User,
) -> ScreeningOutcome:
    """Screen every piece of client-written text; raise one alert for the highest signal.

    `texts` is a list of (field name, text). Call inside the write's transaction, after the
    source row exists. Risk screening is part of care: it runs whatever the AI consent.
    """
    from insights.risk import screen_text

    outcome = ScreeningOutcome()
    worst = None
    for field_name, text in texts:
        if not text or not text.strip():
            continue
        result = screen_text(text, quoted_thought=field_name in QUOTED_THOUGHT_FIELDS)
        if LEVEL_ORDER.get(result.level, 0) > LEVEL_ORDER[outcome.level]:
            outcome.level = result.level
            worst = (field_name, result)
        if result.level != "none":
            outcome.reasons.append(result.reason)
    if worst is not None:
        field_name, result = worst
        where = f"Worrying language in {labels.article(labels.source(source_type, field_name))}"
        # A model's alert says so first, like every AI output (a suggestion for a person to review).
        reason = (
            f"Risk model suggestion. {where}: {result.reason}" if result.model_output else f"{where}: {result.reason}"
        )
        outcome.alerts.append(
            raise_alert(
                client=client,
                kind=Alert.Kind.RISK_LANGUAGE,
                severity=Alert.Severity.URGENT if result.level == "urgent" else Alert.Severity.CONCERN,
                reason=reason,
                source_type=source_type,
                source_id=source_id,
                excerpt=result.span or "",
                actor=actor,
                detector_method=result.method,
                detector_version=result.version,
            )
        )
        outcome.crisis_resources = crisis_resources_for(client)
    return outcome


def alert_acknowledge(*, alert: Alert, actor: User, note: str = "") -> Alert:
    """A person has seen the alert. It stays on the chart until resolved."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != Alert.Status.OPEN:
            raise DomainError("This alert has already been acknowledged.", conflict=True)
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.acknowledge_note = note
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledge_note"])
        audit_record(
            actor=actor,
            action=AuditAction.ACKNOWLEDGE,
            target=alert,
            client_id=alert.client_id,
            fields=["status", "acknowledge_note"],
        )
    return alert


def alert_resolve(*, alert: Alert, actor: User, outcome: str, note: str) -> Alert:
    """Close the alert with what was done. Only a person can do this.

    Resolved as "safety plan reviewed", the alert links the client's latest plan version
    (marked reviewed now if it was not yet); with no plan at all that outcome is refused.
    """
    if outcome not in Alert.Outcome.values:
        raise DomainError(f"Outcome must be one of: {', '.join(Alert.Outcome.values)}.", field="outcome")
    if not note.strip():
        raise DomainError("Say what was done.", field="note")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == Alert.Status.RESOLVED:
            raise DomainError("This alert is already resolved.", conflict=True)
        now = timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now
            alert.acknowledged_by = actor
        alert.status = Alert.Status.RESOLVED
        alert.resolved_at = now
        alert.resolved_by = actor
        alert.outcome = outcome
        alert.resolution_note = note
        fields = ["status", "outcome", "resolution_note"]
        if outcome == Alert.Outcome.SAFETY_PLAN_REVIEWED:
            # The resolution links the plan version gone through with the client (issue 15).
            from clients.services.safety_plan import plan_version_for_alert_review

            alert.reviewed_plan_version = plan_version_for_alert_review(client=alert.client, actor=actor)
            fields.append("reviewed_plan_version")
        alert.save()
        audit_record(
            actor=actor,
            action=AuditAction.RESOLVE,
            target=alert,
            client_id=alert.client_id,
            fields=fields,
        )
    return alert


def open_risk_alerts(client_ids) -> dict[int, str]:
    """Highest unresolved severity per client: the chart's risk flag (cleared only by a person)."""
    flags: dict[int, str] = {}
    for client_id, severity in (
        Alert.objects.filter(client_id__in=client_ids)
        .exclude(status=Alert.Status.RESOLVED)
        .values_list("client_id", "severity")
    ):
        if flags.get(client_id) != Alert.Severity.URGENT:
            flags[client_id] = severity
    return flags
