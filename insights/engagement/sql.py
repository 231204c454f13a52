"""The nightly recompute on PostgreSQL: one INSERT ... SELECT ... ON CONFLICT per batch.

The generic route (insights/engagement/__init__.py) reads five aggregate rows per client into Python,
builds the metrics dict and upserts it with bulk_create. Measured at 10,000 clients, shipping
~12 MB of JSON back to the database and building it in Python cost as much as the aggregates.
Here the same aggregate queries (insights/engagement/bulk.py, reused verbatim as CTEs) feed
`jsonb_build_object` and the disengagement-risk score and reasons are CASE expressions, so a
batch is a single statement and no metric travels through Python.

Both routes must store the same snapshot (tests/insights/test_engagement.py compares them):
- percentages and mood averages: exact ratios of integers, `round(numeric, 1)` (half up) here,
  Decimal ROUND_HALF_UP there;
- float aggregates (slopes, median days late): `round(x::numeric, d)`; the float8 -> numeric
  cast keeps 15 significant digits, and engagement._float rounds that same decimal form;
- the risk score: numeric / Decimal arithmetic on the same weights, rounded half up;
- timestamps: epoch floats back to microseconds, truncated to the second for the ISO strings.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from insights.engagement import bulk
from insights.engagement import definitions as eng
from insights.engagement.bulk import Batch
from insights.models import EngagementSnapshot

# At least this many clients per statement: every statement hash-joins all submissions to
# their assignments (a submission has no client column), so fewer, bigger statements win.
MIN_BATCH_SIZE = 5000
# Sorts of a 5,000-client batch (~380k activity rows) stay in memory (SET LOCAL: this
# statement's transaction only).
WORK_MEM = "96MB"
# Batches are independent statements over disjoint clients: two connections run them side
# by side (the nightly run's wall time on a multi-core database server).
WORKERS = 2


def _iso(timestamp_sql: str) -> str:
    """ISO 8601 in UTC to the whole second, as engagement._iso writes it."""
    return f"to_char(date_trunc('second', {timestamp_sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"


def _percent(numerator: str, denominator: str) -> str:
    return f"round(100 * COALESCE({numerator}, 0)::numeric / NULLIF({denominator}, 0), 1)"


def _measure_columns() -> tuple[str, str]:
    """Pivot of the measure rows (one per client and instrument) and their JSON values."""
    pivot, json_pairs = [], []
    for index in range(len(bulk.MEASURE_INSTRUMENTS)):
        param = f"%(i{index})s"
        pivot.append(
            f"BOOL_OR(instrument = {param}) AS has_{index}, "
            f"MAX(CASE WHEN instrument = {param} THEN latest END) AS latest_{index}, "
            f"MAX(CASE WHEN instrument = {param} THEN previous END) AS previous_{index}, "
            f"MAX(CASE WHEN instrument = {param} THEN latest_s END) AS latest_s_{index}"
        )
        json_pairs.append(
            f"{param}::text, CASE WHEN meas.has_{index} THEN jsonb_build_object("
            f"'latest', meas.latest_{index}, 'previous', meas.previous_{index}, "
            f"'change', meas.latest_{index} - meas.previous_{index}, "
            f"'administered_at', {_iso(f'to_timestamp(meas.latest_s_{index})')}) "
            "ELSE 'null'::jsonb END"
        )
    return ", ".join(pivot), ", ".join(json_pairs)


def _risk_sql() -> tuple[str, str, str, str]:
    """engagement.disengagement_risk as plain expressions (a subquery per client cost 0.3 s
    at 10,000 clients): the inactivity weight and reason (columns `iw`, `ir`), then the score
    and the reasons over the metric columns and those two.

    Python sorts the factors by weight, largest first, ties in factor order. Only the
    inactivity weight varies (and it is the first factor, so it wins ties): the fixed factors
    are sorted here once, and the inactivity reason is slotted in before the first fixed
    factor whose weight it reaches.
    """
    weights = eng.RISK_WEIGHTS
    start, full = eng.INACTIVE_FROM_DAYS, eng.INACTIVE_FULL_DAYS
    inactive_weight = (
        f"CASE WHEN has_portal AND days_since IS NULL THEN {weights['inactivity']} "
        f"WHEN has_portal AND days_since > {start} THEN LEAST({weights['inactivity']}, "
        f"({weights['inactivity']} * (days_since - {start})) / {full - start}) END"
    )
    inactive_reason = (
        "CASE WHEN days_since IS NULL THEN 'no portal activity recorded yet' "
        "ELSE 'no portal activity for ' || days_since || ' days' END"
    )
    missed_reason = "missed || ' missed assignments in a row'"
    fixed = [  # (weight, factor order, condition, reason)
        (weights["missed_in_a_row"], 2, "missed >= 3", missed_reason),
        (weights["missed_in_a_row"] * Decimal("0.5"), 2, "missed = 2", missed_reason),
        (
            weights["low_completion"],
            3,
            "low",
            "lastn_completed || ' of the last ' || lastn_counted || "
            "CASE WHEN lastn_counted = 1 THEN ' assignment' ELSE ' assignments' END || ' completed'",
        ),
        (
            weights["no_shows"],
            4,
            "no_show > 0 AND COALESCE(no_show_pct, 0) >= 25",
            "no_show || CASE WHEN no_show = 1 THEN ' no-show' ELSE ' no-shows' END || ' in the last 90 days'",
        ),
        (weights["mood"], 5, "direction = 'down'", "'mood trending down'"),
    ]
    fixed.sort(key=lambda factor: (-factor[0], factor[1]))
    score_terms = ["COALESCE(iw, 0)"]
    slots, above = [], None
    for weight, _, condition, reason in fixed:
        score_terms.append(f"CASE WHEN {condition} THEN {weight} ELSE 0 END")
        upper = "" if above is None else f" AND @iw < {above}"
        slots.append(f"CASE WHEN @iw >= {weight}{upper} THEN @ir END")
        slots.append(f"CASE WHEN {condition} THEN {reason} END")
        above = weight
    slots.append(f"CASE WHEN @iw < {above} THEN @ir END")
    reasons = ", ".join(slots).replace("@iw", "iw").replace("@ir", "ir")
    score = f"round(LEAST(1, {' + '.join(score_terms)}), 2)"
    return inactive_weight, inactive_reason, score, f"to_jsonb(array_remove(ARRAY[{reasons}], NULL))"


def _upsert_sql(batch: Batch, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    hw_sql, params = bulk.homework_sql(batch, now)
    act_sql, act_params = bulk.activity_sql(batch, now)
    mood_sql, mood_params = bulk.mood_sql(batch, now)
    ses_sql, ses_params = bulk.session_sql(batch, now)
    meas_sql, meas_params = bulk.measure_sql(batch, now)
    for extra in (act_params, mood_params, ses_params, meas_params):
        # Shared names (batch bounds, time points) carry the same values in every query.
        assert all(params.get(key, value) == value for key, value in extra.items())
        params |= extra
    where, bounds = batch.filter_sql("c.id")
    params |= bounds | {"version": eng.VERSION, "computed_at": now}
    inactive_weight, inactive_reason, score, reasons = _risk_sql()
    measure_pivot, measure_json = _measure_columns()
    decline = eng.MOOD_DECLINE_PER_DAY
    table = connection.ops.quote_name(EngagementSnapshot._meta.db_table)
    sql = f"""
    WITH a_hw AS ({hw_sql}),
    a_act AS ({act_sql}),
    a_mood AS ({mood_sql}),
    a_ses AS ({ses_sql}),
    a_meas_rows AS ({meas_sql}),
    a_meas AS (SELECT client_id, {measure_pivot}, MAX(created_max) AS created_max
               FROM a_meas_rows GROUP BY client_id),
    m AS (
        SELECT c.id AS client_id, c.user_id IS NOT NULL AS has_portal,
               COALESCE(to_timestamp(GREATEST(hw.created_max, hw.completed_max, act.last_ts,
                                              ses.updated_max, meas.created_max)),
                        c.created_at) AS watermark,
               COALESCE(hw.lastn_counted, 0) AS lastn_counted,
               COALESCE(hw.lastn_completed, 0) AS lastn_completed,
               {_percent("hw.lastn_completed", "hw.lastn_counted")} AS completion,
               {_percent("hw.completed_30", "hw.counted_30")} AS completion_30,
               {_percent("hw.completed_90", "hw.counted_90")} AS completion_90,
               {_percent("hw.on_time_90", "hw.counted_90")} AS on_time,
               round(hw.median_days_late::numeric, 1) AS median_days_late,
               COALESCE(hw.first_completed_rn - 1, hw.counted_all, 0) AS missed,
               COALESCE(act.current_streak, 0) AS current_streak,
               COALESCE(act.longest_streak, 0) AS longest_streak,
               COALESCE(act.active_days, 0) AS active_days,
               {_iso("to_timestamp(act.last_ts)")} AS last_activity_at,
               %(today)s - act.last_day AS days_since,
               COALESCE(mood.checkin_days_14, 0) AS checkin_days_14,
               COALESCE(mood.n14, 0) AS n14, COALESCE(mood.n30, 0) AS n30,
               round(mood.sy14::numeric / NULLIF(mood.n14, 0), 1) AS mood_avg_14,
               round(mood.sy30::numeric / NULLIF(mood.n30, 0), 1) AS mood_avg_30,
               round(mood.slope_14::numeric, 3) AS slope_14,
               round(mood.slope_30::numeric, 3) AS slope_30,
               COALESCE(ses.attended, 0) AS attended, COALESCE(ses.no_show, 0) AS no_show,
               COALESCE(ses.late_cancelled, 0) AS late_cancelled,
               {_percent("ses.attended", "ses.attended + ses.no_show + ses.late_cancelled")} AS attendance,
               {_percent("ses.no_show", "ses.attended + ses.no_show + ses.late_cancelled")} AS no_show_pct,
               {_percent("ses.attended_with_measure", "ses.attended")} AS measure_completion,
               jsonb_build_object({measure_json}) AS measure_change
        FROM {bulk._table(Client)} c
        LEFT JOIN a_hw hw ON hw.client_id = c.id
        LEFT JOIN a_act act ON act.client_id = c.id
        LEFT JOIN a_mood mood ON mood.client_id = c.id
        LEFT JOIN a_ses ses ON ses.client_id = c.id
        LEFT JOIN a_meas meas ON meas.client_id = c.id
        WHERE {where}
    ),
    -- Materialised: each metric is referenced several times below (JSON, risk factors,
    -- reasons); inlined, every reference recomputed it.
    d AS MATERIALIZED (
        SELECT m.*,
               CASE WHEN completion IS NOT NULL THEN completion < {eng.LOW_ENGAGEMENT_BELOW_PERCENT} END AS low,
               CASE WHEN slope_14 <= {decline} THEN 'down' WHEN slope_14 >= {-decline} THEN 'up'
                    WHEN slope_14 IS NOT NULL THEN 'flat' END AS direction,
               {inactive_weight} AS iw, {inactive_reason} AS ir
        FROM m
    ),
    f AS (SELECT d.*, {score} AS score, {reasons} AS reasons FROM d)
    INSERT INTO {table}
        (client_id, computed_at, watermark, stale, metrics, disengagement_risk, low_engagement)
    SELECT client_id, %(computed_at)s, watermark, false,
           jsonb_build_object(
               'version', %(version)s::text,
               'engagement', jsonb_build_object(
                   'homework_last_n', {bulk.LAST_N_ASSIGNMENTS},
                   'homework_counted_last_n', lastn_counted,
                   'homework_completed_last_n', lastn_completed,
                   'homework_completion_percent', completion,
                   'low_engagement', low,
                   'homework_completion_percent_30d', completion_30,
                   'homework_completion_percent_90d', completion_90,
                   'homework_on_time_percent', on_time,
                   'homework_median_days_late', median_days_late,
                   'homework_missed_in_a_row', missed,
                   'current_streak_days', current_streak,
                   'longest_streak_days', longest_streak,
                   'active_days_total', active_days,
                   'last_activity_at', last_activity_at,
                   'days_since_last_activity', days_since,
                   'checkin_days_last_14', checkin_days_14,
                   'mood_checkins_14d', n14,
                   'mood_checkins_30d', n30,
                   'mood_average_14d', mood_avg_14,
                   'mood_average_30d', mood_avg_30,
                   'mood_trend', slope_14,
                   'mood_trend_direction', direction,
                   'mood_trend_14d', slope_14,
                   'mood_trend_30d', slope_30,
                   'sessions_attended_90d', attended,
                   'sessions_no_show_90d', no_show,
                   'sessions_late_cancelled_90d', late_cancelled,
                   'session_attendance_percent', attendance,
                   'session_no_show_percent', no_show_pct,
                   'measure_completion_percent', measure_completion,
                   'latest_measure_change', measure_change
               ),
               'disengagement_risk', jsonb_build_object('score', score, 'reasons', reasons)
           ),
           score::double precision, low
    FROM f
    ON CONFLICT (client_id) DO UPDATE SET
        computed_at = EXCLUDED.computed_at, watermark = EXCLUDED.watermark,
        metrics = EXCLUDED.metrics, disengagement_risk = EXCLUDED.disengagement_risk,
        low_engagement = EXCLUDED.low_engagement,
        -- A write that committed after this computation started stays stale (as
        -- engagement.bulk.upsert_snapshots re-marks it on the generic route).
        stale = COALESCE({table}.source_changed_at >= EXCLUDED.computed_at, false)
    """  # noqa: S608 - only table names, constants and fixed SQL fragments are formatted in
    return sql, params


def upsert_range(lo: int, hi: int, now: dt.datetime | None = None) -> int:
    """Compute and upsert the snapshots of every client with an id in [lo, hi]: one statement."""
    now = now or timezone.now()
    sql, params = _upsert_sql(Batch(ids=(lo, hi), contiguous=True), now)
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL (this transaction only), the three settings in one round trip. jit: the
        # planner's cost for this statement crosses jit_above_cost, and compiling its ~180
        # expressions took longer (170 ms per 1,000 clients) than running them.
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('max_parallel_workers_per_gather', '0', true),"
            " set_config('jit', 'off', true)",
            [WORK_MEM],
        )
        cursor.execute(sql, params)
        return cursor.rowcount


def client_id_ranges(batch_size: int) -> list[tuple[int, int]]:
    """[first, last] client ids of consecutive batches of `batch_size` clients (one query)."""
    client_table = bulk._table(Client)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT MIN(id), MAX(id) FROM (
                    SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS batch FROM {client_table}
                ) numbered GROUP BY batch ORDER BY batch""",  # noqa: S608 - a table name only
            [batch_size],
        )
        return [(lo, hi) for lo, hi in cursor.fetchall()]


def _run_ranges(ranges: list[tuple[int, int]], tzname: str) -> int:
    """One worker thread: its batches in turn on its own connection, closed at the end."""
    try:
        with timezone.override(tzname):
            return sum(upsert_range(lo, hi) for lo, hi in ranges)
    finally:
        connection.close()


def recompute_all(batch_size: int, workers: int = WORKERS) -> int:
    """Every client in id-range batches of `batch_size`, each committed on its own.

    Outside a transaction the batches are shared between `workers` connections running side
    by side (each batch is an independent statement over its own clients). Inside one (tests,
    or a caller's atomic block) they run in turn on this connection, which alone can see the
    uncommitted rows.

    This thread's connection (open already, its catalog caches warm) takes the first share;
    only the others open a connection each, for this run."""
    ranges = client_id_ranges(batch_size)
    if workers <= 1 or len(ranges) <= 1 or connection.in_atomic_block:
        return sum(upsert_range(lo, hi) for lo, hi in ranges)
    tzname = timezone.get_current_timezone_name()
    shares = [ranges[index::workers] for index in range(min(workers, len(ranges)))]
    with ThreadPoolExecutor(max_workers=len(shares) - 1, thread_name_prefix="insights-recompute") as pool:
        others = [pool.submit(_run_ranges, share, tzname) for share in shares[1:]]
        total = sum(upsert_range(lo, hi) for lo, hi in shares[0])
        return total + sum(future.result() for future in others)
