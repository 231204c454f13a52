"""Demo content for the practice settings and the audit log (called once from seed_demo).

- Northside Therapy (the demo practice) gets its country (US), time zone and locale through the
  settings service, so the change shows in its audit log, and follows the US crisis lines.
- A second practice, Harbour Lane Psychotherapy in the United Kingdom, with an admin, a
  therapist and a portal client, so a newcomer can see the UK crisis lines (Samaritans, NHS 111,
  999) on a client's "Need help now?" page.
- A month of believable audit history for Northside: sign-ins, reads of charts and notes,
  signatures, exports, so the audit viewer has something to filter.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from practice.audit import AuditAction
from practice.models import AuditEvent, Membership, Practice
from practice.roles import Role
from practice.services import member_add, practice_create, practice_update

UK_SLUG = "harbour-lane"
# What a therapist's day leaves in the log: (action, target type, fields).
THERAPIST_EVENTS = (
    (AuditAction.READ, "clients.client", ["presenting_concerns", "diagnosis_codes"]),
    (AuditAction.READ, "sessions.progressnote", ["sections"]),
    (AuditAction.READ, "clients.assessment", ["responses", "total"]),
    (AuditAction.READ, "sessions.homeworksubmission", ["responses"]),
    (AuditAction.UPDATE, "sessions.progressnote", ["sections"]),
    (AuditAction.SIGN, "sessions.progressnote", ["status"]),
    (AuditAction.ACKNOWLEDGE, "insights.alert", ["acknowledged_at"]),
)


DEMO_TIME_ZONE = "America/Chicago"


def seed_settings(practice: Practice, rng: random.Random, *, password: str, stdout=None) -> Practice:
    """Settings for the demo practice, its audit history, and a second (UK) practice."""
    admin = Membership.objects.filter(practice=practice, role=Role.ADMIN).select_related("user").first()
    assert admin is not None, "seed_demo creates the admin before the settings"
    practice_update(
        practice=practice,
        actor=admin.user,
        data={"country": "US", "time_zone": DEMO_TIME_ZONE, "locale": "en-US", "note_overdue_hours": 72},
    )
    _seed_audit_history(practice, rng)
    uk = _seed_uk_practice(password)
    if stdout is not None:
        stdout.write("  second practice (UK): admin@harbourlane.example, client@harbourlane.example")
    return uk


def _seed_audit_history(practice: Practice, rng: random.Random) -> None:
    from clients.models import Client  # clients sits above practice

    now = timezone.now()
    therapists = list(Membership.objects.filter(practice=practice, role=Role.THERAPIST).select_related("user"))
    staff = list(Membership.objects.filter(practice=practice).exclude(role=Role.CLIENT).select_related("user"))
    events: list[AuditEvent] = []
    for day in range(30, 0, -1):
        for member in staff:
            if rng.random() < 0.6:
                events.append(
                    _event(
                        practice, member, AuditAction.LOGIN, "practice.user", member.user_id, None, [], now, day, rng
                    )
                )
        for therapist in therapists:
            clients = list(
                Client.objects.filter(primary_therapist=therapist).exclude(status=Client.Status.DISCHARGED)[:6]
            )
            for client in rng.sample(clients, k=min(len(clients), rng.randint(1, 3))):
                action, target_type, fields = rng.choice(THERAPIST_EVENTS)
                events.append(_event(practice, therapist, action, target_type, "", client.pk, fields, now, day, rng))
    manager = next((member for member in staff if member.role == Role.MANAGER), None)
    if manager is not None:
        events.append(
            _event(practice, manager, AuditAction.EXPORT, "insights.practiceaggregate", "", None, [], now, 3, rng)
        )
    AuditEvent.objects.bulk_create(events)


def _event(practice, member, action, target_type, target_id, client_id, fields, now, days_ago, rng) -> AuditEvent:
    when = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
    return AuditEvent(
        practice=practice,
        actor=member.user,
        actor_role=member.role,
        action=str(action),
        target_type=target_type,
        target_id=str(target_id or ""),
        client_id=client_id,
        fields=sorted(fields),
        created_at=when,
        ip_address="203.0.113." + str(rng.randint(2, 250)),
    )


def _seed_uk_practice(password: str) -> Practice:
    from clients.models import Client, Consent

    existing = Practice.objects.filter(slug=UK_SLUG).first()
    if existing is not None:
        return existing
    uk = practice_create(name="Harbour Lane Psychotherapy", slug=UK_SLUG)
    admin = member_add(
        practice=uk,
        role=Role.ADMIN,
        email="admin@harbourlane.example",
        password=password,
        first_name="Priya",
        last_name="Natarajan",
        validate=False,
    )
    therapist = member_add(
        practice=uk,
        role=Role.THERAPIST,
        email="therapist@harbourlane.example",
        password=password,
        first_name="Owen",
        last_name="Hughes",
        validate=False,
    )
    practice_update(
        practice=uk,
        actor=admin.user,
        data={
            "country": "GB",
            "time_zone": "Europe/London",
            "locale": "en-GB",
            "urgent_ack_minutes": 30,
            "concern_ack_business_days": 2,
            "backup_clinician": therapist,
            "note_overdue_hours": 48,
        },
    )
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.create_user(
            email="client@harbourlane.example", password=password, first_name="Isla", last_name="Morgan"
        )
        Membership.objects.create(user=user, practice=uk, role=Role.CLIENT)
        client = Client.objects.create(
            practice=uk,
            first_name="Isla",
            last_name="Morgan",
            date_of_birth=dt.date(1991, 4, 12),
            email="client@harbourlane.example",
            status=Client.Status.ACTIVE,
            intake_date=timezone.now().date() - dt.timedelta(days=40),
            primary_therapist=therapist,
            user=user,
        )
        now = timezone.now()
        Consent.objects.bulk_create(
            [
                Consent(client=client, kind=kind, granted_at=now - dt.timedelta(days=40))
                for kind in ("treatment", "portal")
            ]
        )
    return uk
