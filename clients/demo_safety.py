"""Demo data for the client's plan between sessions (issue 15), called once from seed_demo.

client01 (Elena Rivera's first client) has a plan reviewed in session, a toolkit she uses and
an agenda for the next session, so the portal's "Help now" page opens on her own plan. Another
of Rivera's clients has drafted a plan in the portal after an urgent alert (a follow-up task on
the caseload); a third has an urgent alert and no plan (flagged on the caseload). Clients whose
alert was resolved as "safety plan reviewed" get the plan that was reviewed, linked.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from clients.models import AgendaEntry, Client, Goal, SafetyPlanVersion, ToolkitItem, ToolkitUse
from clients.services.toolkit import ensure_library
from insights.models import Alert
from sessions.models import CheckIn, Session

REVIEWED_PLAN = {
    "warning_signs": [
        "I stop answering messages and stay in bed past noon",
        "Thinking that everyone would be better off without me",
        "Skipping meals and not sleeping",
    ],
    "on_my_own": [
        "Paced breathing for three minutes",
        "A hot shower, then tea on the balcony",
        "Walk to the canal and back",
    ],
    "people_places": [
        "The library reading room",
        "Sitting in the café on Mill Street",
        "Being around my sister's kids",
    ],
    "ask_for_help": [{"name": "Jonas (brother)", "phone": "+1 555 0142"}, {"name": "Priya", "phone": "+1 555 0178"}],
    "professionals": [{"name": "Dr Amal Haddad (GP)", "phone": "+1 555 0110"}],
    "safer_surroundings": ["Jonas keeps my spare medication", "No alcohol in the flat during a bad week"],
    "reasons": ["My niece and nephew", "Finishing the garden I started", "My cat, Pepper"],
}
DRAFT_PLAN = {
    "warning_signs": ["Cancelling plans", "Scrolling all night"],
    "on_my_own": ["Music with headphones", "Cold water on my face"],
    "people_places": ["The park by the river"],
    "ask_for_help": [{"name": "Mum", "phone": "+1 555 0199"}],
    "professionals": [],
    "safer_surroundings": [],
    "reasons": ["My dog", "Seeing my friends in the summer"],
}
AGENDA = [
    (
        "I want to talk about the argument with my brother and why I froze.",
        "The breathing before bed, and calling Priya.",
    ),
    ("Going back to work part time: I'm nervous about it.", ""),
    ("", "Walking to the canal twice. It got me out of my head."),
]


def seed_between_sessions(practice, rng, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    library = ensure_library(practice)
    active = list(
        Client.objects.filter(practice=practice, status=Client.Status.ACTIVE).select_related("primary_therapist__user")
    )
    active.sort(key=lambda client: client.email)
    if not active:
        return
    rivera = [client for client in active if client.primary_therapist.user.email.startswith("rivera@")]
    showcase = next((client for client in active if client.email.startswith("client01@")), active[0])
    therapist_user = showcase.primary_therapist.user

    # The showcase client: a plan written and reviewed in session, then a small change.
    first = SafetyPlanVersion.objects.create(
        client=showcase,
        number=1,
        content={**REVIEWED_PLAN, "reasons": REVIEWED_PLAN["reasons"][:2]},
        author=SafetyPlanVersion.Author.THERAPIST,
        created_by=therapist_user,
        created_at=now - dt.timedelta(days=40),
        reviewed_at=now - dt.timedelta(days=40),
        reviewed_by=therapist_user,
    )
    SafetyPlanVersion.objects.create(
        client=showcase,
        number=2,
        content=REVIEWED_PLAN,
        author=SafetyPlanVersion.Author.THERAPIST,
        created_by=therapist_user,
        created_at=now - dt.timedelta(days=12),
        reviewed_at=now - dt.timedelta(days=12),
        reviewed_by=therapist_user,
    )
    del first
    goal = Goal.objects.filter(client=showcase).first()
    if goal is not None:
        goal.client_wording = "Get back to the things I enjoy most days of the week"
        goal.share_progress = True
        goal.save(update_fields=["client_wording", "share_progress"])
        objective = goal.objectives.first()
        if objective is not None:
            objective.client_wording = "Feel low less often, as the mood questionnaire shows"
            objective.share_progress = True
            objective.save(update_fields=["client_wording", "share_progress"])

    # A client who drafted a plan after an urgent alert: the therapist's follow-up task.
    others = [client for client in rivera if client.pk != showcase.pk] or [c for c in active if c.pk != showcase.pk]
    if others:
        drafting = others[0]
        Alert.objects.create(
            client=drafting,
            kind=Alert.Kind.RISK_LANGUAGE,
            severity=Alert.Severity.URGENT,
            reason="Worrying language in a check-in note: statement of not wanting to be here",
            source_type="checkin",
            created_at=now - dt.timedelta(days=2),
            acknowledge_by=now - dt.timedelta(days=2) + dt.timedelta(minutes=60),
            acknowledged_at=now - dt.timedelta(days=2) + dt.timedelta(minutes=25),
            acknowledged_by=drafting.primary_therapist.user,
            status=Alert.Status.ACKNOWLEDGED,
        )
        SafetyPlanVersion.objects.create(
            client=drafting,
            number=1,
            content=DRAFT_PLAN,
            author=SafetyPlanVersion.Author.CLIENT,
            created_by=drafting.user,
            created_at=now - dt.timedelta(days=1),
        )
    # An urgent alert and no plan yet: flagged on the caseload.
    if len(others) > 1:
        unplanned = others[1]
        Alert.objects.create(
            client=unplanned,
            kind=Alert.Kind.PHQ9_ITEM9,
            severity=Alert.Severity.URGENT,
            reason="PHQ-9 item 9 answered 2 (More than half the days)",
            source_type="assessment",
            created_at=now - dt.timedelta(hours=5),
            acknowledge_by=now - dt.timedelta(hours=4),
        )

    # Alerts already resolved as "safety plan reviewed" link the version that was reviewed.
    for alert in Alert.objects.filter(client__practice=practice, outcome=Alert.Outcome.SAFETY_PLAN_REVIEWED):
        version = SafetyPlanVersion.objects.filter(client=alert.client).order_by("-number").first()
        if version is None:
            version = SafetyPlanVersion.objects.create(
                client=alert.client,
                number=1,
                content={**REVIEWED_PLAN, "ask_for_help": REVIEWED_PLAN["ask_for_help"][:1], "professionals": []},
                author=SafetyPlanVersion.Author.THERAPIST,
                created_by=alert.resolved_by,
                created_at=alert.resolved_at or now,
                reviewed_at=alert.resolved_at or now,
                reviewed_by=alert.resolved_by,
            )
        alert.reviewed_plan_version = version
        alert.save(update_fields=["reviewed_plan_version"])

    # Toolkits, with taps: a few on most days for engaged clients, some just before a check-in.
    for position, client in enumerate(active):
        picks = [library[(position + offset) % len(library)] for offset in range(3)]
        if client.pk == showcase.pk:
            picks = [
                next(strategy for strategy in library if strategy.kind == kind)
                for kind in ("grounding", "breathing", "activation")
            ]
        for strategy in picks:
            ToolkitItem.objects.create(
                client=client,
                strategy=strategy,
                added_by=client.primary_therapist.user,
                added_at=now - dt.timedelta(days=60),
            )
        checkins = list(
            CheckIn.objects.filter(client=client, created_at__gte=now - dt.timedelta(days=60)).values_list(
                "created_at", flat=True
            )
        )
        uses = []
        chance = 0.55 if client.pk == showcase.pk else 0.25
        for checked_in_at in checkins:
            if rng.random() < chance:
                uses.append(
                    ToolkitUse(
                        client=client,
                        strategy=rng.choice(picks),
                        used_at=checked_in_at - dt.timedelta(hours=rng.randint(2, 30)),
                        request_key=uuid.UUID(int=rng.getrandbits(128)).hex,
                        source=rng.choice(["toolkit", "home", "checkin", "crisis"]),
                    )
                )
        ToolkitUse.objects.bulk_create(uses)

    # Agenda entries written since the last session, for clients with a session coming up.
    for position, client in enumerate(active):
        if client.pk != showcase.pk and position % 3:
            continue
        last = (
            Session.objects.filter(client=client, status=Session.Status.ATTENDED, starts_at__lte=now)
            .order_by("-starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        since = max(last or now - dt.timedelta(days=6), now - dt.timedelta(days=6))
        count = 2 if client.pk == showcase.pk else 1
        for offset in range(count):
            talk_about, helped = AGENDA[(position + offset) % len(AGENDA)]
            AgendaEntry.objects.create(
                client=client,
                talk_about=talk_about,
                helped=helped,
                created_at=since + (now - since) * (offset + 1) / (count + 1),
            )
