"""Engagement metrics per client: definitions, disengagement risk and conversation starters.

The counting happens in the database (insights/engagement/bulk.py: one GROUP BY query per
source table for a whole batch of clients); this module turns one aggregate row per client
into the published metrics, scores disengagement risk with its reasons in words, and stores
the result as an upsert into EngagementSnapshot.

Package layout: this module (metrics, risk score, ``recompute_client``/``recompute_all``/
``sweep_stale``), ``insights.engagement.definitions`` (version, thresholds, risk weights),
``insights.engagement.bulk`` (the batch GROUP BY queries) and ``insights.engagement.sql``
(PostgreSQL's one-statement recompute). Celery entry points are in
``insights.tasks.engagement``.

Definitions (all relative to `now`; "days" are calendar days in settings.TIME_ZONE unless
said otherwise; every percentage is null when its denominator is 0 - never 0 or 100):
- Counted homework: status is not cancelled AND (due_at <= now OR completed).
- homework_completion_percent: completed / counted over the last N=3 counted assignments
  (by due date). low_engagement = that percentage < 50 (null when nothing counted).
- homework_completion_percent_30d / _90d: same, for counted assignments due in the window.
- homework_on_time_percent: counted assignments due in the last 90 days that were completed
  at or before their due time, as a share of all counted ones in that window.
- homework_median_days_late: median of (completed_at - due_at) in days over assignments due
  in the last 90 days that were completed late; null when none was late.
- homework_missed_in_a_row: most recent counted assignments not completed, in a row.
- Activity: a check-in or a submitted (non-draft) homework submission. current_streak_days:
  consecutive active days ending today or yesterday (today is not over yet);
  longest_streak_days: the longest such run ever. days_since_last_activity: today minus the
  last active day (null when never active).
- checkin_days_last_14: distinct days with a check-in among today and the 13 days before.
- mood_average_14d / _30d: mean check-in mood over the last 14 / 30 x 24 hours.
  mood_trend_14d / _30d: least-squares slope in mood points per day over the same windows,
  computed from SQL SUM aggregates; null unless check-ins fall on >= 3 different days.
  mood_trend = mood_trend_14d.
- Sessions (past 90 days): session_attendance_percent = attended / (attended + no-show +
  late-cancelled); session_no_show_percent = no-show / the same denominator. Cancelled in
  good time does not count.
- measure_completion_percent: attended sessions (past 90 days) with an assessment
  administered within 24 hours either side of the start.
- latest_measure_change: per PHQ-9 / GAD-7, latest minus previous scorable total.
- Rounding: half up (as CLINICAL.md rounds totals) - percentages and mood averages on the
  exact ratio, float aggregates (slopes, median days late) on their 15-significant-digit
  decimal form, the risk score in decimal arithmetic - so the PostgreSQL single-statement
  route (insights/engagement/sql.py) stores exactly what this module computes.
- disengagement_risk: score in [0, 1] = sum of weighted factors (RISK_WEIGHTS): portal
  inactivity beyond 3 days (full at 21; portal clients only), 2+ missed assignments in a
  row, low engagement, no-shows >= 25% of sessions, mood trending down; `reasons` name each
  factor in words, largest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from clients.models import Client
from insights.engagement import bulk
from insights.engagement import sql as engagement_sql
from insights.engagement.bulk import Batch, ClientFacts
from insights.engagement.definitions import (
    INACTIVE_FROM_DAYS,
    INACTIVE_FULL_DAYS,
    LOW_ENGAGEMENT_BELOW_PERCENT,
    MOOD_DECLINE_PER_DAY,
    RISK_WEIGHTS,
    VERSION,
)
from insights.models import EngagementSnapshot
from practice import labels

RECOMPUTE_BATCH_SIZE = 1000
SWEEP_LIMIT = 2000

# Reliable change on each measure (CLINICAL.md, NHS Talking Therapies).
RELIABLE_CHANGE = {"phq9": 6, "gad7": 4}
MEASURE_LABELS = {code: labels.instrument(code) for code in ("phq9", "gad7")}


def _half_up(value: Decimal, digits: int) -> float:
    # Half up (away from zero), as CLINICAL.md rounds totals; "+ 0.0" turns -0.0 into 0.0.
    return float(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)) + 0.0


def _percent(numerator: Any, denominator: Any) -> float | None:
    """100 * numerator / denominator to one decimal, rounded half up on the exact ratio (the
    same as PostgreSQL's round(numeric): insights/engagement/sql.py must give equal values)."""
    return _ratio(100 * int(numerator or 0), denominator, 1)


def _ratio(numerator: Any, denominator: Any, digits: int) -> float | None:
    """An exact ratio of integers (counts, sums of integer moods), rounded half up."""
    if not denominator:
        return None
    return _half_up(Decimal(int(numerator or 0)) / Decimal(int(denominator)), digits)


def _float(value: Any, digits: int = 2) -> float | None:
    """A float aggregate rounded half up on its 15-significant-digit decimal form, which is
    what PostgreSQL's float8::numeric cast keeps (so both paths round the same way)."""
    return None if value is None else _half_up(Decimal(f"{float(value):.15g}"), digits)


def _from_epoch(seconds: Any) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC)


def _iso(moment: dt.datetime | None) -> str | None:
    # Whole seconds: enough for "last active", and every snapshot byte is upserted nightly.
    return None if moment is None else moment.replace(microsecond=0).isoformat()


def _direction(slope: float | None) -> str | None:
    if slope is None:
        return None
    if slope <= MOOD_DECLINE_PER_DAY:
        return "down"
    if slope >= -MOOD_DECLINE_PER_DAY:
        return "up"
    return "flat"


def build_engagement(
    client: ClientFacts, aggregates: bulk.BatchAggregates, now: dt.datetime, today: int | None = None
) -> dict[str, Any]:
    """The published metrics for one client from its aggregate rows (pure).

    `today`: the local day number of `now` (computed once per batch by the caller)."""
    hw = aggregates.homework.get(client.id, {})
    act = aggregates.activity.get(client.id, {})
    mood = aggregates.mood.get(client.id, {})
    ses = aggregates.sessions.get(client.id, {})
    measures = aggregates.measures.get(client.id, {})

    lastn_counted = int(hw.get("lastn_counted") or 0)
    completion = _percent(hw.get("lastn_completed"), lastn_counted)
    first_done = hw.get("first_completed_rn")
    missed_in_a_row = int(first_done) - 1 if first_done is not None else int(hw.get("counted_all") or 0)

    if today is None:
        today = bulk.day_number(timezone.localdate(now))
    last_day = act.get("last_day")
    attended = int(ses.get("attended") or 0)
    no_show = int(ses.get("no_show") or 0)
    late_cancelled = int(ses.get("late_cancelled") or 0)
    held_or_missed = attended + no_show + late_cancelled
    slope_14 = _float(mood.get("slope_14"), 3)

    latest_change: dict[str, Any] = {}
    for code in bulk.MEASURE_INSTRUMENTS:
        row = measures.get(code)
        if row is None:
            latest_change[code] = None
            continue
        latest, previous = row["latest"], row["previous"]
        latest_change[code] = {
            "latest": latest,
            "previous": previous,
            "change": None if previous is None else latest - previous,
            "administered_at": _iso(_from_epoch(row["latest_s"])),
        }

    return {
        "homework_last_n": bulk.LAST_N_ASSIGNMENTS,
        "homework_counted_last_n": lastn_counted,
        "homework_completed_last_n": int(hw.get("lastn_completed") or 0),
        "homework_completion_percent": completion,
        "low_engagement": None if completion is None else completion < LOW_ENGAGEMENT_BELOW_PERCENT,
        "homework_completion_percent_30d": _percent(hw.get("completed_30"), hw.get("counted_30")),
        "homework_completion_percent_90d": _percent(hw.get("completed_90"), hw.get("counted_90")),
        "homework_on_time_percent": _percent(hw.get("on_time_90"), hw.get("counted_90")),
        "homework_median_days_late": _float(hw.get("median_days_late"), 1),
        "homework_missed_in_a_row": missed_in_a_row,
        "current_streak_days": int(act.get("current_streak") or 0),
        "longest_streak_days": int(act.get("longest_streak") or 0),
        "active_days_total": int(act.get("active_days") or 0),
        "last_activity_at": _iso(_from_epoch(act.get("last_ts"))),
        "days_since_last_activity": None if last_day is None else today - int(last_day),
        "checkin_days_last_14": int(mood.get("checkin_days_14") or 0),
        "mood_checkins_14d": int(mood.get("n14") or 0),
        "mood_checkins_30d": int(mood.get("n30") or 0),
        "mood_average_14d": _ratio(mood.get("sy14"), mood.get("n14"), 1),
        "mood_average_30d": _ratio(mood.get("sy30"), mood.get("n30"), 1),
        "mood_trend": slope_14,
        "mood_trend_direction": _direction(slope_14),
        "mood_trend_14d": slope_14,
        "mood_trend_30d": _float(mood.get("slope_30"), 3),
        "sessions_attended_90d": attended,
        "sessions_no_show_90d": no_show,
        "sessions_late_cancelled_90d": late_cancelled,
        "session_attendance_percent": _percent(attended, held_or_missed),
        "session_no_show_percent": _percent(no_show, held_or_missed),
        "measure_completion_percent": _percent(ses.get("attended_with_measure"), attended),
        "latest_measure_change": latest_change,
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def disengagement_risk(engagement: dict[str, Any], *, has_portal: bool) -> dict[str, Any]:
    """A 0-1 score from weighted factors, and the reasons behind it in words (largest first).

    Inactivity only counts for clients with a portal login: without one, the portal cannot
    see their work.
    """
    factors: list[tuple[Decimal, str]] = []
    days = engagement["days_since_last_activity"]
    if has_portal:
        if days is None:
            factors.append((RISK_WEIGHTS["inactivity"], "no portal activity recorded yet"))
        elif days > INACTIVE_FROM_DAYS:
            ramp = RISK_WEIGHTS["inactivity"] * (days - INACTIVE_FROM_DAYS) / (INACTIVE_FULL_DAYS - INACTIVE_FROM_DAYS)
            factors.append((min(RISK_WEIGHTS["inactivity"], ramp), f"no portal activity for {days} days"))
    missed = engagement["homework_missed_in_a_row"]
    if missed >= 2:
        share = 1 if missed >= 3 else Decimal("0.5")
        factors.append((RISK_WEIGHTS["missed_in_a_row"] * share, f"{missed} missed assignments in a row"))
    if engagement["low_engagement"]:
        done, counted = engagement["homework_completed_last_n"], engagement["homework_counted_last_n"]
        factors.append(
            (RISK_WEIGHTS["low_completion"], f"{done} of the last {_plural(counted, 'assignment')} completed")
        )
    no_shows = engagement["sessions_no_show_90d"]
    if no_shows and (engagement["session_no_show_percent"] or 0) >= 25:
        factors.append((RISK_WEIGHTS["no_shows"], f"{_plural(no_shows, 'no-show')} in the last 90 days"))
    if engagement["mood_trend_direction"] == "down":
        factors.append((RISK_WEIGHTS["mood"], "mood trending down"))
    factors.sort(key=lambda factor: -factor[0])
    score = _half_up(min(Decimal(1), sum((weight for weight, _ in factors), Decimal(0))), 2)
    return {"score": score, "reasons": [reason for _, reason in factors]}


def suggestions_for(engagement: dict[str, Any], *, status: str | None = None) -> list[dict[str, Any]]:
    """Rule-based conversation starters for the therapist (not AI, not outcomes)."""
    if status is not None and status != Client.Status.ACTIVE:
        return []
    out: list[dict[str, Any]] = []

    def add(kind: str, text: str, reasons: list[str]) -> None:
        out.append({"kind": kind, "text": text, "reasons": reasons, "source": "rules"})

    if engagement["low_engagement"]:
        done, counted = engagement["homework_completed_last_n"], engagement["homework_counted_last_n"]
        add(
            "low_engagement",
            "Homework has been hard to fit in lately. A conversation starter: ask what got in the "
            "way and whether the task still feels useful or needs adjusting. This is a prompt, "
            "not a measure of progress.",
            [
                f"{done} of the last {_plural(counted, 'assignment')} completed ({engagement['homework_completion_percent']:g}%)"
            ],
        )
    days = engagement["days_since_last_activity"]
    if days is not None and days >= 7:
        add(
            "reconnect",
            "It has been a while since the last check-in or homework. You might ask how the "
            "time between sessions has been going and what would make the portal easier to use.",
            [f"no portal activity for {days} days"],
        )
    if engagement["mood_trend_direction"] == "down":
        add(
            "mood_change",
            "Check-in mood has drifted down over the last two weeks. It may help to explore what has changed recently.",
            [f"mood trend {engagement['mood_trend']:+.2f} points per day over 14 days"],
        )
    if engagement["sessions_no_show_90d"] >= 2:
        add(
            "attendance",
            "Several sessions were missed recently. Consider talking about practical barriers "
            "(timing, travel, telehealth) and what keeps therapy worth coming to.",
            [f"{_plural(engagement['sessions_no_show_90d'], 'no-show')} in the last 90 days"],
        )
    measure_percent = engagement["measure_completion_percent"]
    if measure_percent is not None and measure_percent < 50 and engagement["sessions_attended_90d"] >= 2:
        add(
            "measures",
            "Few recent sessions had a questionnaire. Reviewing scores together can make "
            "measures feel useful rather than a chore.",
            [f"measures with {measure_percent:g}% of attended sessions in the last 90 days"],
        )
    for code, change in engagement["latest_measure_change"].items():
        if change and change["change"] is not None and change["change"] >= RELIABLE_CHANGE[code]:
            label = MEASURE_LABELS[code]
            add(
                "measure_increase",
                f"{label} rose by a reliable amount since the previous administration. Worth "
                "asking about recent changes.",
                [f"{label} {change['previous']} -> {change['latest']}"],
            )
    if engagement["current_streak_days"] >= 7:
        add(
            "acknowledge",
            "A steady run of daily activity: worth acknowledging the effort.",
            [f"{engagement['current_streak_days']}-day activity streak"],
        )
    return out


def _watermark(client: ClientFacts, aggregates: bulk.BatchAggregates) -> dt.datetime:
    """The latest source timestamp included (client creation when there is no activity)."""
    candidates: list[Any] = []
    hw = aggregates.homework.get(client.id, {})
    candidates += [hw.get("created_max"), hw.get("completed_max")]
    candidates.append(aggregates.activity.get(client.id, {}).get("last_ts"))
    candidates.append(aggregates.sessions.get(client.id, {}).get("updated_max"))
    candidates += [row.get("created_max") for row in aggregates.measures.get(client.id, {}).values()]
    seconds = [float(value) for value in candidates if value is not None]
    return dt.datetime.fromtimestamp(max(seconds), tz=dt.UTC) if seconds else client.created_at


def build_snapshot(
    client: ClientFacts, aggregates: bulk.BatchAggregates, now: dt.datetime, today: int | None = None
) -> EngagementSnapshot:
    engagement = build_engagement(client, aggregates, now, today)
    risk = disengagement_risk(engagement, has_portal=client.has_portal)
    return EngagementSnapshot(
        client_id=client.id,
        computed_at=now,
        watermark=_watermark(client, aggregates),
        stale=False,
        metrics={"version": VERSION, "engagement": engagement, "disengagement_risk": risk},
        disengagement_risk=risk["score"],
        low_engagement=engagement["low_engagement"],
    )


def recompute_batch(
    clients: Sequence[ClientFacts], *, contiguous: bool = False, now: dt.datetime | None = None
) -> list[EngagementSnapshot]:
    """Compute and upsert snapshots for a batch: 5 aggregate queries + 1 upsert + 1 update."""
    if not clients:
        return []
    started = timezone.now()
    now = now or started
    aggregates = bulk.fetch_aggregates(_batch_of(clients, contiguous), now)
    return _store_batch(clients, aggregates, now=now, started=started)


def _batch_of(clients: Sequence[ClientFacts], contiguous: bool) -> Batch:
    return Batch(ids=tuple(sorted(client.id for client in clients)), contiguous=contiguous)


def _store_batch(
    clients: Sequence[ClientFacts], aggregates: bulk.BatchAggregates, *, now: dt.datetime, started: dt.datetime
) -> list[EngagementSnapshot]:
    today = bulk.day_number(timezone.localdate(now))
    snapshots = [build_snapshot(client, aggregates, now, today) for client in clients]
    bulk.upsert_snapshots(snapshots, started=started)
    return snapshots


def client_facts(client: Client) -> ClientFacts:
    return ClientFacts(
        id=client.pk, has_portal=client.user_id is not None, status=client.status, created_at=client.created_at
    )


def recompute_client(client: Client) -> EngagementSnapshot:
    """One client: the same set-based path as the nightly run, with a batch of one."""
    return recompute_batch([client_facts(client)])[0]


def iter_client_batches(batch_size: int = RECOMPUTE_BATCH_SIZE) -> Iterator[list[ClientFacts]]:
    """Every client, streamed in id order by keyset pagination (bounded memory)."""
    last_id = 0
    while True:
        rows = list(bulk.client_facts_query().filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not rows:
            return
        yield [bulk.facts_from_row(row) for row in rows]
        last_id = rows[-1][0]


def recompute_all(batch_size: int = RECOMPUTE_BATCH_SIZE) -> int:
    """Nightly full recompute; each batch commits on its own, so an interrupted run keeps
    the batches it finished and a rerun converges to the same state.

    On PostgreSQL each batch is ONE statement (insights/engagement/sql.py): aggregates, JSON
    document, risk and upsert all in the database, so no metric travels through Python;
    batches run on two connections side by side.
    Elsewhere (SQLite) the batches go through build_engagement() and bulk_create; a test
    pins that both routes store the same snapshots.
    """
    if connection.vendor == "postgresql":
        # `batch_size` bounds what Python holds per batch; this route holds nothing, and
        # bigger statements scan the submissions join fewer times (benchmarks/README.md).
        # An explicitly smaller batch (an operator throttling a busy database) is honoured.
        size = max(batch_size, engagement_sql.MIN_BATCH_SIZE) if batch_size >= RECOMPUTE_BATCH_SIZE else batch_size
        return engagement_sql.recompute_all(size)
    total = 0
    for clients in iter_client_batches(batch_size):
        # Keyset batches hold every client with an id in their range.
        recompute_batch(clients, contiguous=True)
        total += len(clients)
    return total


# The name practice/management/commands/seed_demo.py looks for.
recompute_all_clients = recompute_all


def sweep_stale(limit: int = SWEEP_LIMIT, batch_size: int = 500) -> int:
    """Recompute stale snapshots and clients that have none, at most `limit` per run."""
    rows = list(
        bulk.client_facts_query().filter(Q(engagement__isnull=True) | Q(engagement__stale=True)).order_by("pk")[:limit]
    )
    facts = [bulk.facts_from_row(row) for row in rows]
    for start in range(0, len(facts), batch_size):
        recompute_batch(facts[start : start + batch_size])
    return len(facts)


def insights_payload(client: Client, snapshot: EngagementSnapshot) -> dict[str, Any]:
    """The API shape of a snapshot (suggestions are derived from the stored metrics)."""
    metrics = snapshot.metrics or {}
    engagement = metrics.get("engagement", {})
    risk = metrics.get("disengagement_risk") or {"score": snapshot.disengagement_risk, "reasons": []}
    return {
        "computed_at": snapshot.computed_at,
        "stale": bool(snapshot.stale),
        "engagement": engagement,
        "disengagement_risk": risk,
        "suggestions": suggestions_for(engagement, status=client.status) if engagement else [],
    }
