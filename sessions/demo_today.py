"""Demo data for the therapist's day (issue 17): what the top of Elena Rivera's dashboard and
her alerts page show on the morning the demo is seeded.

Called once from `seed_demo` (inside its transaction), after the schedule exists: today's
clients get a prep brief (all but the last, which shows "No prep brief yet"), questionnaires
open for the sessions of the next days (the periodic task's work, done now), and the alerts
page gets a resolved history (alerts raised days ago, acknowledged and resolved with an
outcome). Open alerts and unread messages come from the earlier seeds.
"""

from __future__ import annotations

import datetime as dt
import random

from clients.models import Client
from clients.questionnaires import create_due_questionnaires
from insights.ai.services import brief_refresh
from insights.models import Alert
from insights.safety import alert_acknowledge, alert_resolve, raise_alert
from practice.models import Membership, Practice
from sessions.models import Session
from sessions.selectors_today import practice_zone

DEMO_THERAPIST = "rivera@northside.example"
RESOLVED = [
    (
        "risk_language",
        "concern",
        "Risk language in check-in (note): feeling trapped",
        Alert.Outcome.CONTACTED_CLIENT,
        "Called the same afternoon; stressed about a deadline, no intent or plan. Reviewed coping steps.",
    ),
    (
        "phq9_item9",
        "concern",
        "PHQ-9 item 9 answered 1 (Several days)",
        Alert.Outcome.FALSE_POSITIVE,
        "Discussed in session: passive thoughts months ago, none in the last two weeks.",
    ),
    (
        "not_on_track",
        "concern",
        "PHQ-9 rose 6 points over four sessions",
        Alert.Outcome.OTHER,
        "Agreed to move to weekly sessions and review the plan at the next appointment.",
    ),
]


def seed_today(practice: Practice, rng: random.Random, now: dt.datetime) -> None:
    therapist = Membership.objects.filter(practice=practice, user__email=DEMO_THERAPIST).select_related("user").first()
    if therapist is None:
        return
    create_due_questionnaires(now)
    _seed_briefs(practice, therapist, now)
    _seed_resolved_alerts(therapist, rng, now)


def _seed_briefs(practice: Practice, therapist: Membership, now: dt.datetime) -> None:
    zone = practice_zone(practice)
    start = dt.datetime.combine(now.astimezone(zone).date(), dt.time.min, tzinfo=zone)
    client_ids = list(
        dict.fromkeys(
            Session.objects.filter(
                therapist=therapist, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
            )
            .exclude(status__in=Session.FREE_STATUSES)
            .order_by("starts_at")
            .values_list("client_id", flat=True)
        )
    )
    for client in Client.objects.filter(pk__in=client_ids[:-1]).filter(consents__kind="ai_processing").distinct():
        # TF-IDF quotes (encoder=None): the demo does not wait for the embedding model.
        brief_refresh(client=client, actor=therapist.user, encoder=None, now=now)  # type: ignore[arg-type]


def _seed_resolved_alerts(therapist: Membership, rng: random.Random, now: dt.datetime) -> None:
    clients = list(Client.objects.filter(primary_therapist=therapist, status=Client.Status.ACTIVE).order_by("pk")[:6])
    user = therapist.user
    for index, (kind, severity, reason, outcome, note) in enumerate(RESOLVED):
        if not clients:
            return
        client = clients[(index * 2 + 1) % len(clients)]
        alert = raise_alert(client=client, kind=kind, severity=severity, reason=reason)
        alert_acknowledge(alert=alert, actor=user, note="Seen; will call." if index == 0 else "")  # type: ignore[arg-type]
        alert_resolve(alert=alert, actor=user, outcome=outcome, note=note)  # type: ignore[arg-type]
        raised = now - dt.timedelta(days=3 + index * 9, hours=rng.randint(1, 6))
        Alert.objects.filter(pk=alert.pk).update(
            created_at=raised,
            acknowledge_by=raised + dt.timedelta(hours=24),
            acknowledged_at=raised + dt.timedelta(hours=2),
            resolved_at=raised + dt.timedelta(hours=5 + index),
        )
