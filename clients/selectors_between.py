"""Reads for the client's plan between sessions: safety plan, toolkit, agenda, shared goals.

Kept beside `clients/selectors.py` (already past the ~500-line split point) and following its
rules: the caller holds a client it got from `client_for_read` / `client_for_write` /
`client_for_portal`; every read of clinical content records itself (`audit_read`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from clients.forms import safe_resources
from clients.models import (
    PLAN_SECTIONS,
    AgendaEntry,
    Client,
    CopingStrategy,
    Goal,
    SafetyPlanVersion,
    ToolkitItem,
    ToolkitUse,
)
from insights.models import Alert
from practice.audit import audit_read
from practice.errors import NotFound
from sessions.models import CheckIn

PLAN_TARGET = SafetyPlanVersion._meta.label_lower
PLAN_FIELDS = ["content"]
# An urgent alert flags a client without a plan on the caseload for this long (or while open).
NO_PLAN_FLAG_WINDOW = dt.timedelta(days=90)
# A check-in this soon after a strategy use counts as "the next check-in after it".
NEXT_CHECKIN_WINDOW = dt.timedelta(hours=48)
USAGE_WINDOW = dt.timedelta(days=90)


@dataclass(frozen=True)
class PlanSection:
    key: str
    kind: str
    heading: str
    prompt: str
    entries: list


@dataclass(frozen=True)
class PlanView:
    """A plan version laid out for a page: sections in order, with the help numbers."""

    version: SafetyPlanVersion | None
    sections: list[PlanSection]
    practice_resources: list[dict]

    @property
    def exists(self) -> bool:
        return self.version is not None


def _tel(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


def plan_view(version: SafetyPlanVersion | None, client: Client, *, for_client: bool) -> PlanView:
    """Lay out a version (no read recorded: the caller's selector records it)."""
    sections = []
    for section in PLAN_SECTIONS:
        entries = version.entries(section["key"]) if version else []
        if section["kind"] == "contacts":
            entries = [{**entry, "href": _tel(entry.get("phone") or "")} for entry in entries]
        sections.append(
            PlanSection(
                key=section["key"],
                kind=section["kind"],
                heading=section["client_heading" if for_client else "heading"],
                prompt=section["prompt"],
                entries=entries,
            )
        )
    return PlanView(
        version=version, sections=sections, practice_resources=safe_resources(list(client.practice.crisis_resources))
    )


@dataclass(frozen=True)
class CareTeamPlan:
    current: PlanView
    history: list[SafetyPlanVersion]

    @property
    def latest_reviewed(self) -> SafetyPlanVersion | None:
        return next((version for version in self.history if version.reviewed_at), None)


def safety_plan_for_care_team(*, client: Client, user, version_number: int | None = None) -> CareTeamPlan:
    """The plan (latest version, or `version_number`) with every version's metadata, for the
    chart (care team, supervisor, break-glass reader: the caller scoped the client). Records the read."""
    history = list(
        SafetyPlanVersion.objects.filter(client=client).select_related("created_by", "reviewed_by").order_by("-number")
    )
    shown = history[0] if history else None
    if version_number is not None:
        shown = next((version for version in history if version.number == version_number), None)
        if shown is None:
            raise NotFound()
    if shown is not None:
        audit_read(actor=user, client_id=client.pk, target_type=PLAN_TARGET, target_id=shown.pk, fields=PLAN_FIELDS)
    return CareTeamPlan(current=plan_view(shown, client, for_client=False), history=history)


def safety_plan_for_portal(*, client: Client, user) -> PlanView:
    """The client's own latest plan (client_for_portal scoped it). Records the read."""
    version = SafetyPlanVersion.objects.filter(client=client).order_by("-number").first()
    if version is not None:
        audit_read(actor=user, client_id=client.pk, target_type=PLAN_TARGET, target_id=version.pk, fields=PLAN_FIELDS)
    return plan_view(version, client, for_client=True)


# ---------------------------------------------------------------------------
# Closing the loop: follow-up tasks and the caseload flag


@dataclass(frozen=True)
class PlanFollowUp:
    client: Client
    alert_at: dt.datetime
    has_plan: bool


def _latest_urgent(client_ref: str = "pk"):
    return (
        Alert.objects.filter(client=OuterRef(client_ref), severity=Alert.Severity.URGENT)
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def plan_followups(*, user) -> list[PlanFollowUp]:
    """ "Review the safety plan with <client>": one per client the user treats (primary or
    co-therapist) whose latest urgent alert came after the latest version marked reviewed.
    Two queries whatever the caseload."""
    latest_review = (
        SafetyPlanVersion.objects.filter(client=OuterRef("pk"), reviewed_at__isnull=False)
        .order_by("-reviewed_at")
        .values("reviewed_at")[:1]
    )
    rows = (
        Client.objects.editable_by(user)
        .exclude(status=Client.Status.DISCHARGED)
        .annotate(
            urgent_at=Subquery(_latest_urgent()),
            reviewed_at=Subquery(latest_review),
            has_plan=Exists(SafetyPlanVersion.objects.filter(client=OuterRef("pk"))),
        )
        .filter(urgent_at__isnull=False)
        .filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=F("urgent_at")))
        .order_by("-urgent_at")
    )
    return [PlanFollowUp(client=row, alert_at=row.urgent_at, has_plan=row.has_plan) for row in rows]


def clients_with_urgent_alert_and_no_plan(*, client_ids, now: dt.datetime | None = None) -> set[int]:
    """Of these (already scoped) clients, those with an urgent alert still open or raised in
    the last 90 days and no safety plan at all: the caseload's flag. One query."""
    now = now or timezone.now()
    urgent = Alert.objects.filter(severity=Alert.Severity.URGENT).filter(
        ~Q(status=Alert.Status.RESOLVED) | Q(created_at__gte=now - NO_PLAN_FLAG_WINDOW)
    )
    return set(
        Client.objects.filter(pk__in=list(client_ids))
        .filter(Exists(urgent.filter(client=OuterRef("pk"))))
        .exclude(Exists(SafetyPlanVersion.objects.filter(client=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )


# ---------------------------------------------------------------------------
# Toolkit


def toolkit_items(*, client: Client, user=None) -> list[ToolkitItem]:
    """The strategies currently in the client's toolkit (the client's own text is clinical:
    a read by someone other than the client is recorded)."""
    items = list(
        ToolkitItem.objects.filter(client=client, removed_at__isnull=True)
        .select_related("strategy")
        .order_by("added_at", "id")
    )
    if user is not None and any(item.strategy.client_id for item in items):
        audit_read(
            actor=user, client_id=client.pk, target_type="clients.copingstrategy", fields=["title", "instructions"]
        )
    return items


def library_for(client: Client) -> list[CopingStrategy]:
    return list(CopingStrategy.objects.filter(practice_id=client.practice_id, client__isnull=True, is_active=True))


def portal_toolkit_item(*, client: Client, strategy_id) -> ToolkitItem:
    try:
        return ToolkitItem.objects.select_related("strategy").get(
            client=client, strategy_id=int(strategy_id), removed_at__isnull=True
        )
    except (ToolkitItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass
class StrategyUsage:
    strategy: CopingStrategy
    uses: int
    last_used: dt.datetime | None
    in_toolkit: bool


@dataclass
class MoodObservation:
    """Mood at the next check-in (within 48 hours) after a strategy use, beside mood at the
    other check-ins of the same period. Descriptive only: counts and means, never a claim."""

    after_use_n: int = 0
    after_use_mean: float | None = None
    other_n: int = 0
    other_mean: float | None = None

    @property
    def enough(self) -> bool:
        return self.after_use_n >= 3 and self.other_n >= 3

    @property
    def difference(self) -> float | None:
        if self.after_use_mean is None or self.other_mean is None:
            return None
        return round(self.after_use_mean - self.other_mean, 1)


@dataclass
class ToolkitSummary:
    usage: list[StrategyUsage] = field(default_factory=list)
    uses_30d: int = 0
    uses_total: int = 0
    mood: MoodObservation = field(default_factory=MoodObservation)


def toolkit_usage_counts(client_ids) -> dict[int, int]:
    """Taps in the last 30 days per client (the engagement count). One query."""
    since = timezone.now() - dt.timedelta(days=30)
    return dict(
        ToolkitUse.objects.filter(client_id__in=list(client_ids), used_at__gte=since)
        .values("client_id")
        .annotate(n=Count("id"))
        .values_list("client_id", "n")
    )


def mood_after_use(uses: list[dt.datetime], checkins: list[tuple[dt.datetime, int]]) -> MoodObservation:
    """Pure: split check-ins into "the next one after a use (within 48h)" and the others."""
    after: list[int] = []
    other: list[int] = []
    ordered = sorted(checkins)
    following: set[int] = set()
    for used_at in uses:
        for index, (when, _mood) in enumerate(ordered):
            if when > used_at:
                if when - used_at <= NEXT_CHECKIN_WINDOW:
                    following.add(index)
                break
    for index, (_when, mood) in enumerate(ordered):
        (after if index in following else other).append(mood)
    return MoodObservation(
        after_use_n=len(after),
        after_use_mean=round(sum(after) / len(after), 1) if after else None,
        other_n=len(other),
        other_mean=round(sum(other) / len(other), 1) if other else None,
    )


def toolkit_summary(
    *,
    client: Client,
    user,
    now: dt.datetime | None = None,
    toolkit: list[ToolkitItem] | None = None,
    known: Iterable[CopingStrategy] = (),
) -> ToolkitSummary:
    """Which strategies the client actually uses, and mood at the check-in after a use (the
    chart's Toolkit tab). Records the read of check-in moods and the uses.

    `toolkit` (the client's current `toolkit_items`) and `known` (strategies the caller has
    loaded, e.g. the practice library) save reading them again."""
    now = now or timezone.now()
    since = now - USAGE_WINDOW
    if toolkit is None:
        toolkit = list(ToolkitItem.objects.filter(client=client, removed_at__isnull=True).select_related("strategy"))
    in_toolkit = {item.strategy_id for item in toolkit}
    # Every use of the client's, once: counted per strategy here, the window's kept for the
    # mood comparison (one read instead of an aggregate and a second scan).
    counts: dict[int, dict[str, Any]] = {}
    uses: list[dt.datetime] = []
    for strategy_id, used_at in ToolkitUse.objects.filter(client=client).values_list("strategy_id", "used_at"):
        row = counts.setdefault(strategy_id, {"n": 0, "last": used_at})
        row["n"] += 1
        row["last"] = max(row["last"], used_at)
        if used_at >= since:
            uses.append(used_at)
    uses.sort()
    loaded = {strategy.pk: strategy for strategy in known} | {item.strategy_id: item.strategy for item in toolkit}
    wanted = set(counts) | in_toolkit
    missing = wanted - set(loaded)
    strategies = [loaded[pk] for pk in wanted if pk in loaded]
    if missing:
        strategies += list(CopingStrategy.objects.filter(pk__in=missing))
    usage = [
        StrategyUsage(
            strategy=strategy,
            uses=counts.get(strategy.pk, {}).get("n", 0),
            last_used=counts.get(strategy.pk, {}).get("last"),
            in_toolkit=strategy.pk in in_toolkit,
        )
        for strategy in strategies
    ]
    usage.sort(key=lambda row: (-row.uses, row.strategy.pk))
    checkins = list(CheckIn.objects.filter(client=client, created_at__gte=since).values_list("created_at", "mood"))
    audit_read(actor=user, client_id=client.pk, target_type="clients.toolkituse", fields=["strategy", "used_at"])
    audit_read(actor=user, client_id=client.pk, target_type="clinical_sessions.checkin", fields=["mood"])
    return ToolkitSummary(
        usage=usage,
        uses_30d=sum(1 for used_at in uses if used_at >= now - dt.timedelta(days=30)),
        uses_total=sum(row.uses for row in usage),
        mood=mood_after_use(uses, checkins),
    )


# ---------------------------------------------------------------------------
# Agenda and shared goals


def agenda_since(*, client: Client, user, since: dt.datetime | None, limit: int = 20) -> list[AgendaEntry]:
    """The client's agenda entries written since `since` (None: all), oldest first. Records the read."""
    entries = AgendaEntry.objects.filter(client=client)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    rows = list(entries.order_by("-created_at", "-id")[:limit])
    rows.reverse()
    if rows:
        audit_read(actor=user, client_id=client.pk, target_type="clients.agendaentry", fields=["talk_about", "helped"])
    return rows


def agenda_by_ids(*, client: Client, user, ids) -> dict[int, AgendaEntry]:
    """Entries the stored brief points at, by id. Records the read."""
    entries = {entry.pk: entry for entry in AgendaEntry.objects.filter(client=client, pk__in=list(ids))}
    if entries:
        audit_read(actor=user, client_id=client.pk, target_type="clients.agendaentry", fields=["talk_about", "helped"])
    return entries


def agenda_for_portal(*, client: Client, limit: int = 10) -> list[AgendaEntry]:
    return list(AgendaEntry.objects.filter(client=client).order_by("-created_at", "-id")[:limit])


def shared_goals(*, client: Client) -> list[Goal]:
    """The goals the therapist worded for the client (the client's own portal view), each with
    `shared_objectives`."""
    goals = list(
        Goal.objects.filter(client=client).exclude(status=Goal.Status.DISCONTINUED).prefetch_related("objectives")
    )
    # The wording is encrypted, so it is filtered here rather than in SQL.
    goals = [goal for goal in goals if goal.client_wording.strip()]
    for goal in goals:
        # An attribute for the template, like a Prefetch's to_attr.
        goal.shared_objectives = [item for item in goal.objectives.all() if item.client_wording.strip()]  # type: ignore[attr-defined]
    return goals


def chart_plan_version(*, client: Client, version_id) -> SafetyPlanVersion:
    """One of this (scoped) client's plan versions, else NotFound."""
    try:
        return SafetyPlanVersion.objects.get(client=client, pk=int(version_id))
    except (SafetyPlanVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def chart_goal_or_objective(*, client: Client, kind: str, target_id):
    """A goal (kind "goal") or objective of this (scoped) client, else NotFound."""
    from clients.models import Objective

    try:
        if kind == "objective":
            return Objective.objects.select_related("goal").get(pk=int(target_id), goal__client=client)
        return Goal.objects.get(pk=int(target_id), client=client)
    except (Goal.DoesNotExist, Objective.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def safety_plan_followups(*, user, client_ids) -> dict:
    """What the caseload page shows of the safety loop: the follow-up tasks and, of the listed
    clients, those flagged for an urgent alert with no plan."""
    return {
        "plan_followups": plan_followups(user=user),
        "no_plan_ids": clients_with_urgent_alert_and_no_plan(client_ids=client_ids),
    }
