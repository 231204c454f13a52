"""Reads of insights records: the one way in for every view that shows an alert or engagement.

Alerts. `Alert.objects.visible_to(user)` (insights/models.py) is the one scope: alerts on the
user's clinical scope plus those escalated to them as backup clinician. Views get records
through these accessors, never through their own queryset:
- `alert_for_read(*, user: User, alert_id)`: visible, else `practice.errors.NotFound` (404; missing
  and out of scope are never told apart);
- `alert_for_write(*, user: User, alert_id, unresolved_only=False)`: readable first, then the role
  must hold ACKNOWLEDGE_ALERTS (else `Forbidden`, 403);
- `alerts_triage(*, user: User, page)`: the alerts page's unresolved alerts grouped by client,
  urgent and the earliest deadline first, a page of clients at a time; `resolved_alerts_page`:
  the resolved history. Both record the read of the texts shown (one READ event per client, in
  one INSERT); `unresolved_alerts_for_triage`: the dashboard's panel (no text, no read);
- a client's unresolved alerts (chart header, note side panel): `clients.selectors.open_alerts`,
  on the same queryset methods (`unresolved().urgent_first(...)`).

AI suggestions: `suggestion_for_write(*, user: User, suggestion_id)` (404 out of scope, 403 for a
supervisor).

Engagement. `engagement_view(client)` is the one typed read of a client's snapshot
(`EngagementView`), judged by the one freshness rule (`insights.freshness.snapshot_freshness`):
the API, the chart's Engagement tab, the note editor's side panel and the dashboard badge all
read it. Only the API computes in the request (`engagement_view_computed`, one client).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.utils import timezone

from clients.models import Client
from insights import engagement
from insights.freshness import Freshness, snapshot_freshness
from insights.models import AiSuggestion, Alert, AlertQuerySet, EngagementSnapshot
from practice.audit import audit_reads
from practice.errors import Forbidden, NotFound
from practice.roles import Capability, has_capability

if TYPE_CHECKING:
    from practice.models import User

# Display policy: the dashboard badge says "Disengagement risk" from this score (0-1) up.
DISENGAGEMENT_BADGE_AT = 0.5
ALERT_TEXT_FIELDS = ["excerpt", "acknowledge_note"]
ALERT_TARGET = "insights.alert"


# ---------------------------------------------------------------------------
# Alerts


def alerts_visible_to(user: User) -> AlertQuerySet:
    """Every alert the user may see, with its client loaded (the list API's queryset)."""
    return Alert.objects.visible_to(user).select_related("client")


def alert_for_read(*, user: User, alert_id) -> Alert:
    alert = alerts_visible_to(user).filter(pk=alert_id).first() if str(alert_id).isdigit() else None
    if alert is None:
        raise NotFound()
    return alert


def alert_for_write(*, user: User, alert_id, unresolved_only: bool = False) -> Alert:
    """A visible alert the user may act on (acknowledge, resolve).

    `unresolved_only`: a resolved alert is treated as missing (the alerts page lists and acts
    on unresolved ones only); the API lets the service answer 409 instead.
    """
    alert = alert_for_read(user=user, alert_id=alert_id)
    if unresolved_only and alert.status == Alert.Status.RESOLVED:
        raise NotFound()
    if not has_capability(getattr(user, "role", None), Capability.ACKNOWLEDGE_ALERTS):
        raise Forbidden("Only a clinician can acknowledge or resolve an alert.")
    return alert


# ---------------------------------------------------------------------------
# The alerts triage page (insights/web_alerts.py) and the dashboard's alert panel

RESOLVED_PER_PAGE = 25
TRIAGE_CLIENTS_PER_PAGE = 25


def _unresolved_for_triage(user: User) -> AlertQuerySet:
    return (
        alerts_visible_to(user)
        .unresolved()
        .only(
            "id",
            "kind",
            "source_type",
            "severity",
            "status",
            "acknowledge_by",
            "created_at",
            "escalation_level",
            "client__id",
            "client__first_name",
            "client__last_name",
            "client__preferred_name",
        )
        .urgent_first("acknowledge_by", "id")
    )


def unresolved_alerts_for_triage(*, user: User) -> list[Alert]:
    """Unresolved alerts the user sees, urgent first then by deadline, with their clients and
    no clinical text (the dashboard shows kinds, clients and deadlines: no read to record)."""
    return list(_unresolved_for_triage(user))


def unresolved_alerts_head(*, user: User, limit: int) -> tuple[list[Alert], int]:
    """The first `limit` of `unresolved_alerts_for_triage` and how many there are, in one
    query (a window count over the rows before the LIMIT): the dashboard's alert panel."""
    rows = list(_unresolved_for_triage(user).annotate(in_all=Window(Count("pk")))[:limit])
    return rows, (rows[0].in_all if rows else 0)


@dataclass(frozen=True)
class ClientAlerts:
    """One client's alerts on the triage page, most urgent first."""

    client: Client
    alerts: list[Alert]

    @property
    def urgent(self) -> int:
        return sum(1 for alert in self.alerts if alert.severity == Alert.Severity.URGENT)

    @property
    def overdue(self) -> int:
        return sum(1 for alert in self.alerts if getattr(alert, "overdue", False))


def group_by_client(alerts: list[Alert]) -> list[ClientAlerts]:
    """Alerts grouped by client, keeping the order of each client's first (most urgent) alert."""
    groups: dict[int, ClientAlerts] = {}
    for alert in alerts:
        group = groups.get(alert.client_id)
        if group is None:
            group = groups[alert.client_id] = ClientAlerts(client=alert.client, alerts=[])
        group.alerts.append(alert)
    return list(groups.values())


def _record_alert_reads(user: User, alerts: list[Alert], fields: list[str]) -> None:
    """One READ event per client of `alerts`, in one INSERT."""
    if alerts:
        audit_reads(
            actor=user, client_ids={alert.client_id for alert in alerts}, target_type=ALERT_TARGET, fields=fields
        )


@dataclass(frozen=True)
class AlertsTriage:
    """A page of clients with unresolved alerts (`ClientAlerts`), and the alerts in all."""

    page: Page
    alert_count: int


def alerts_triage(
    *, user: User, page: int | str | None = 1, per_page: int = TRIAGE_CLIENTS_PER_PAGE, now: dt.datetime | None = None
) -> AlertsTriage:
    """The unresolved alerts the user sees, grouped by client, a page of clients at a time:
    clients ordered by their most urgent alert (urgent before concern, then the earliest
    acknowledge-by deadline), each client's alerts in the same order; `overdue` set on open
    alerts past their deadline. Two queries (the alerts with their clients and acknowledgers,
    and one INSERT of the READ events of the texts shown, one per client on the page)."""
    now = now or timezone.now()
    rows = list(
        alerts_visible_to(user).unresolved().select_related("acknowledged_by").urgent_first("acknowledge_by", "id")
    )
    for alert in rows:
        alert.overdue = alert.status == Alert.Status.OPEN and alert.acknowledge_by < now
    shown: Page = Paginator(group_by_client(rows), per_page).get_page(page)
    _record_alert_reads(user, [alert for group in shown.object_list for alert in group.alerts], ALERT_TEXT_FIELDS)
    return AlertsTriage(page=shown, alert_count=len(rows))


def resolved_alerts_page(*, user: User, page: int | str | None = 1, per_page: int = RESOLVED_PER_PAGE) -> Page:
    """One page of the resolved alerts the user sees, most recently resolved first, with who
    acknowledged and resolved them (two queries). Records the read of the page's clients'
    alert texts and outcomes (one READ event per client shown)."""
    queryset = (
        alerts_visible_to(user)
        .filter(status=Alert.Status.RESOLVED)
        .select_related("acknowledged_by", "resolved_by")
        .order_by("-resolved_at", "-id")
    )
    shown = Paginator(queryset, per_page).get_page(page)
    _record_alert_reads(user, list(shown.object_list), [*ALERT_TEXT_FIELDS, "outcome", "resolution_note"])
    return shown


# ---------------------------------------------------------------------------
# AI suggestions


def suggestion_for_write(*, user: User, suggestion_id) -> AiSuggestion:
    """A suggestion on a client in the user's clinical scope (else NotFound); acting on it is
    the treating therapist's call: a supervisor who sees it gets Forbidden."""
    queryset = AiSuggestion.objects.filter(client__in=Client.objects.clinical_scope(user))
    suggestion = queryset.filter(pk=suggestion_id).first() if str(suggestion_id).isdigit() else None
    if suggestion is None:
        raise NotFound()
    if not Client.objects.editable_by(user).filter(pk=suggestion.client_id).exists():
        raise Forbidden("Only the client's therapists can act on a suggestion.")
    return suggestion


# ---------------------------------------------------------------------------
# Engagement


@dataclass(frozen=True)
class EngagementBadge:
    """The dashboard's engagement cell."""

    label: str
    css: str
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0


NO_DATA_BADGE = EngagementBadge(label="No data yet", css="")


@dataclass(frozen=True)
class EngagementView:
    """A client's stored engagement snapshot as every reader shows it.

    `engagement` is the metrics document (insights/engagement.py defines each key); empty
    when the snapshot is OUTDATED. `risk` is `{"score", "reasons"}`. `stale` is true unless
    the snapshot is CURRENT (see insights/freshness.py).
    """

    freshness: Freshness
    computed_at: dt.datetime
    engagement: dict[str, Any]
    risk: dict[str, Any]
    risk_score: float | None
    low_engagement: bool | None

    @property
    def stale(self) -> bool:
        return self.freshness != Freshness.CURRENT

    def suggestions(self, *, status: str | None) -> list[dict[str, Any]]:
        """Rule-based conversation starters from the metrics (none without metrics)."""
        return engagement.suggestions_for(self.engagement, status=status) if self.engagement else []

    def measure_changes(self) -> list[dict[str, Any]]:
        """Latest minus previous PHQ-9 / GAD-7 total, for the measures that changed."""
        changes = []
        for code, change in (self.engagement.get("latest_measure_change") or {}).items():
            if change:
                changes.append({"instrument": engagement.MEASURE_LABELS.get(code, code), **change})
        return changes

    def badge(self) -> EngagementBadge:
        reasons = self.risk.get("reasons") or []
        if self.risk_score is not None and self.risk_score >= DISENGAGEMENT_BADGE_AT:
            return EngagementBadge("Disengagement risk", "concern", reasons, self.risk_score)
        score = self.risk_score or 0.0
        if self.low_engagement:
            return EngagementBadge("Low engagement", "low-engagement", reasons, score)
        return EngagementBadge("No engagement flags", "ok", [], score)


def view_of(snapshot: EngagementSnapshot | None) -> EngagementView | None:
    """The typed view of a stored snapshot, None when there is none."""
    return None if snapshot is None else _view(snapshot)


def _view(snapshot: EngagementSnapshot) -> EngagementView:
    freshness = snapshot_freshness(snapshot)
    metrics = (snapshot.metrics or {}) if freshness != Freshness.OUTDATED else {}
    risk = metrics.get("disengagement_risk") or {"score": snapshot.disengagement_risk, "reasons": []}
    return EngagementView(
        freshness=freshness,
        computed_at=snapshot.computed_at,
        engagement=metrics.get("engagement") or {},
        risk=risk,
        risk_score=snapshot.disengagement_risk,
        low_engagement=snapshot.low_engagement,
    )


def stored_snapshot(client: Client) -> EngagementSnapshot | None:
    """The client's snapshot (no query when loaded with select_related("engagement"))."""
    try:
        return client.engagement
    except EngagementSnapshot.DoesNotExist:
        return None


def engagement_view(client: Client) -> EngagementView | None:
    """What pages show: the stored snapshot as it is (never computed on a GET page)."""
    return view_of(stored_snapshot(client))


def engagement_badge(client: Client) -> EngagementBadge:
    view = engagement_view(client)
    return view.badge() if view is not None else NO_DATA_BADGE


def engagement_view_computed(client: Client) -> EngagementView:
    """The API's read: a MISSING or OUTDATED snapshot is computed in the request (one client,
    the nightly path with a batch of one); a STALE one is returned marked stale."""
    snapshot = stored_snapshot(client)
    if snapshot is None or snapshot_freshness(snapshot) == Freshness.OUTDATED:
        snapshot = engagement.recompute_client(client)
    return _view(snapshot)
