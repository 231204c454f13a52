"""Measurement protocols: the practice's default measures, applied to each client it adds.

A practice has one `MeasurementProtocol` (its window before a session, in hours) and rules,
one per instrument: given at intake or not, before every Nth session, at most once in M days,
for every client or only those with a trauma concern. When a client is added,
`apply_measurement_protocol` copies the matching rules into the client's own `MeasureSchedule`
rows (the per-client materialisation the care team overrides from the chart's Measures tab)
and opens the intake questionnaires at once. The beat task
(`clients.questionnaires.create_due_questionnaires`) opens the rest before each session.

Applying again never overwrites a schedule the client already has: an override stays.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from clients.models import Client, DueQuestionnaire, MeasurementProtocol, MeasureSchedule, ProtocolRule
from clients.services.measures import instrument_for
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError

if TYPE_CHECKING:
    from practice.models import Practice, User

# The defaults a practice starts with (issue 16): PHQ-9 and GAD-7 at intake and before every
# session, WAI-SR every 4th session, PCL-5 monthly for clients with a trauma concern.
DEFAULT_RULES: tuple[dict, ...] = (
    {"instrument": "phq9", "at_intake": True, "every_n_sessions": 1, "min_days_between": 0},
    {"instrument": "gad7", "at_intake": True, "every_n_sessions": 1, "min_days_between": 0},
    {"instrument": "wai_sr", "at_intake": False, "every_n_sessions": 4, "min_days_between": 0},
    {
        "instrument": "pcl5",
        "at_intake": True,
        "every_n_sessions": 1,
        "min_days_between": 28,
        "condition": ProtocolRule.Condition.TRAUMA,
    },
)
DEFAULT_OPENS_BEFORE_HOURS = 48
# ICD-10 acute stress reaction and PTSD; and words a presenting concern uses for trauma.
TRAUMA_DIAGNOSIS_PREFIXES = ("F43.0", "F43.1")
TRAUMA_WORDS = ("trauma", "ptsd", "intrusive memor", "flashback", "nightmare", "assault", "abuse", "accident")


def has_trauma_concern(client: Client) -> bool:
    """A PTSD/acute-stress diagnosis code, or trauma named in the presenting concerns."""
    codes = [str(code).upper() for code in (client.diagnosis_codes or [])]
    if any(code.startswith(prefix) for code in codes for prefix in TRAUMA_DIAGNOSIS_PREFIXES):
        return True
    concerns = (client.presenting_concerns or "").lower()
    return any(word in concerns for word in TRAUMA_WORDS)


def protocol_for(practice: Practice) -> MeasurementProtocol:
    """The practice's protocol; a practice that never configured one gets the defaults.

    Writes on first use (call from a service or a POST, never from a GET page; pages read
    `protocol_rules_view`)."""
    protocol, created = MeasurementProtocol.objects.get_or_create(
        practice=practice, defaults={"opens_before_hours": DEFAULT_OPENS_BEFORE_HOURS}
    )
    if created:
        ProtocolRule.objects.bulk_create([ProtocolRule(protocol=protocol, **rule) for rule in DEFAULT_RULES])
    return protocol


def protocol_rules_view(practice: Practice) -> tuple[int, list[ProtocolRule]]:
    """(window in hours, rules) for display, without writing: the defaults when unset."""
    protocol = MeasurementProtocol.objects.filter(practice=practice).first()
    if protocol is None:
        return DEFAULT_OPENS_BEFORE_HOURS, [ProtocolRule(**rule) for rule in DEFAULT_RULES]
    return protocol.opens_before_hours, list(protocol.rules.all())


def _check_rule(practice_id: int, data: dict) -> None:
    if instrument_for(practice_id, data["instrument"]) is None:
        raise DomainError(f"Unknown instrument {data['instrument']!r}.", field="instrument")
    if not 1 <= data["every_n_sessions"] <= 52:
        raise DomainError("Choose every 1 to 52 sessions.", field="every_n_sessions")
    if not 0 <= data["min_days_between"] <= 365:
        raise DomainError("Days between must be 0 to 365.", field="min_days_between")
    if not 1 <= data["expires_after_days"] <= 30:
        raise DomainError("Questionnaires expire after 1 to 30 days.", field="expires_after_days")
    if data["condition"] not in ProtocolRule.Condition.values:
        raise DomainError("Choose who the rule applies to.", field="condition")


def protocol_rule_set(*, practice: Practice, actor: User, data: dict) -> ProtocolRule:
    """Add or change the practice's rule for one instrument (existing clients keep theirs)."""
    _check_rule(practice.pk, data)
    with transaction.atomic():
        protocol = protocol_for(practice)
        rule, created = ProtocolRule.objects.update_or_create(
            protocol=protocol,
            instrument=data["instrument"],
            defaults={k: v for k, v in data.items() if k != "instrument"},
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, target=rule, fields=sorted(data)
        )
    return rule


def protocol_rule_delete(*, practice: Practice, actor: User, rule_id: int) -> None:
    with transaction.atomic():
        rule = ProtocolRule.objects.filter(protocol=protocol_for(practice), pk=rule_id).first()
        if rule is None:
            raise DomainError("That rule no longer exists.", field="rule")
        audit_record(actor=actor, action=AuditAction.DELETE, target=rule, fields=["instrument"])
        rule.delete()


def protocol_window_set(*, practice: Practice, actor: User, opens_before_hours: int) -> MeasurementProtocol:
    if not 1 <= opens_before_hours <= 168:
        raise DomainError("Open questionnaires 1 to 168 hours (a week) before the session.", field="opens_before_hours")
    with transaction.atomic():
        protocol = protocol_for(practice)
        protocol.opens_before_hours = opens_before_hours
        protocol.save(update_fields=["opens_before_hours", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, target=protocol, fields=["opens_before_hours"])
    return protocol


def apply_measurement_protocol(
    *, client: Client, actor: User | None, now: dt.datetime | None = None, open_intake: bool = True
) -> list:
    """Give a client the practice's default measures; open the intake questionnaires now.

    Idempotent: a schedule the client already has (an override) is left as it is, and an
    intake questionnaire is opened only when none is pending for that instrument (and only with
    `open_intake`: a client added with a long history is past intake). Returns the
    schedules created. Call from the client-create service (inside or outside its atomic).
    """
    now = now or timezone.now()
    created_schedules: list[MeasureSchedule] = []
    with transaction.atomic():
        protocol = protocol_for(client.practice)
        trauma = has_trauma_concern(client)
        existing = set(client.measure_schedules.values_list("instrument", flat=True))
        for rule in protocol.rules.all():
            if rule.condition == ProtocolRule.Condition.TRAUMA and not trauma:
                continue
            if rule.instrument not in existing:
                created_schedules.append(
                    MeasureSchedule.objects.create(
                        client=client,
                        instrument=rule.instrument,
                        every_n_sessions=rule.every_n_sessions,
                        min_days_between=rule.min_days_between,
                        expires_after_days=rule.expires_after_days,
                        from_protocol=True,
                    )
                )
            pending = DueQuestionnaire.objects.filter(
                client=client, instrument=rule.instrument, status=DueQuestionnaire.Status.PENDING
            )
            if open_intake and rule.at_intake and not pending.exists():
                DueQuestionnaire.objects.create(
                    client=client,
                    instrument=rule.instrument,
                    session=None,
                    due_at=now,
                    opens_at=now,
                    # Intake questionnaires stay open a week: the first session may be days away.
                    expires_at=now + dt.timedelta(days=max(rule.expires_after_days, 7)),
                )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target_type="clients.measurementprotocol_applied",
            target_id=client.pk,
            client_id=client.pk,
            fields=sorted(schedule.instrument for schedule in created_schedules),
        )
    return created_schedules
