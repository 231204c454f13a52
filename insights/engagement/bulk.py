"""Set-based SQL for the engagement metrics: one GROUP BY query per source table per batch.

Every function here takes a *batch* of clients and returns one aggregate row per client, so
one client and ten thousand clients cost the same number of queries. The work happens in the
database (aggregates and window functions); Python only reads one row per client per query.

The SQL is portable between PostgreSQL and SQLite. The places where they differ (epoch
seconds of a timestamp, the local calendar day of a timestamp, "within a day of", the median
days late: percentile_cont on PostgreSQL) are isolated in the `_Dialect` helpers below or
chosen by vendor. Each query exists as a `*_sql(batch, now)` builder so that
insights/engagement/sql.py can run all five inside its single upsert statement. Parameters are always named (`%(name)s`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import JSONField, Value
from django.utils import timezone

from clients.models import Assessment, Client
from insights.models import EngagementSnapshot
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Session

# Homework completion "over the last N assignments" (CLINICAL.md: default 3).
LAST_N_ASSIGNMENTS = 3
MEASURE_INSTRUMENTS = ("phq9", "gad7")
SESSION_WINDOW_DAYS = 90


# Snapshot columns rewritten by an upsert. `source_changed_at` is deliberately absent: it is
# written only by insights.freshness, and the recompute compares against it.
class CompactJSONEncoder(DjangoJSONEncoder):
    """No spaces after separators: the snapshot JSON is most of what the upsert sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


JSON_FIELD = JSONField(encoder=CompactJSONEncoder)
UPSERT_FIELDS = ["computed_at", "watermark", "stale", "metrics", "disengagement_risk", "low_engagement"]


@dataclass(frozen=True)
class ClientFacts:
    """The few client columns the metrics need (no PHI)."""

    id: int
    has_portal: bool
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Batch:
    """Clients computed together. `contiguous`: every client with an id in [first, last] is in
    the batch, so the queries can use an index range instead of an IN list."""

    ids: tuple[int, ...]
    contiguous: bool = False

    def filter_sql(self, column: str) -> tuple[str, dict[str, Any]]:
        if self.contiguous:
            return f"{column} BETWEEN %(lo)s AND %(hi)s", {"lo": self.ids[0], "hi": self.ids[-1]}
        names = [f"c{index}" for index in range(len(self.ids))]
        placeholders = ", ".join(f"%({name})s" for name in names)
        return f"{column} IN ({placeholders})", dict(zip(names, self.ids, strict=True))


def client_facts_query():
    """Columns of Client that ClientFacts needs, as a values_list queryset."""
    return Client.objects.values_list("pk", "user_id", "status", "created_at")


def facts_from_row(row: Sequence[Any]) -> ClientFacts:
    return ClientFacts(id=row[0], has_portal=row[1] is not None, status=row[2], created_at=row[3])


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_TZ_NAME = re.compile(r"^[A-Za-z0-9_+\-/:]+$")


class _Dialect:
    """SQL fragments that differ between PostgreSQL and SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        tzname = timezone.get_current_timezone_name()
        # Inlined (not a parameter) so every query can use named parameters; the name comes
        # from settings.TIME_ZONE and is checked to be a plain zone name.
        if not _TZ_NAME.match(tzname):
            raise ValueError(f"unexpected time zone name {tzname!r}")
        self.tzname = tzname

    def epoch(self, column: str) -> str:
        """Seconds since 1970-01-01 UTC as a float."""
        if self.vendor == "postgresql":
            return f"date_part('epoch', {column})"
        return f"((julianday({column}) - 2440587.5) * 86400.0)"

    def day(self, column: str) -> str:
        """The local calendar day (settings.TIME_ZONE) of a timestamp, as days since 1970-01-01."""
        sql, params = connection.ops.datetime_cast_date_sql(column, (), self.tzname)
        for param in params:
            literal = "NULL" if param is None else "'" + str(param).replace("'", "''") + "'"
            sql = sql.replace("%s", literal, 1)
        if self.vendor == "postgresql":
            return f"(({sql}) - DATE '1970-01-01')"
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)"

    def within_a_day(self, column: str, anchor: str) -> str:
        if self.vendor == "postgresql":
            # Index-friendly range on the assessment timestamp.
            return f"{column} BETWEEN {anchor} - INTERVAL '1 day' AND {anchor} + INTERVAL '1 day'"
        return f"ABS(julianday({column}) - julianday({anchor})) <= 1.0"


def _db_datetime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _rows_by_client(sql: str, params: dict[str, Any]) -> dict[int, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _time_params(now: dt.datetime) -> dict[str, Any]:
    today = day_number(timezone.localdate(now))
    return {
        "now": _db_datetime(now),
        "now_s": now.timestamp(),
        "d30": _db_datetime(now - dt.timedelta(days=30)),
        "d90": _db_datetime(now - dt.timedelta(days=90)),
        "today": today,
        "yesterday": today - 1,
        "today_minus_13": today - 13,
    }


def homework_sql(batch: Batch, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """Completion over the last N / 30 / 90 days, on-time, median days late, missed in a row.

    Counted: assignments that are due (due_at <= now) or completed; cancelled never counts.
    """
    d = _Dialect()
    where, params = batch.filter_sql("h.client_id")
    params |= _time_params(now) | {
        "completed": HomeworkAssignment.Status.COMPLETED,
        "cancelled": HomeworkAssignment.Status.CANCELLED,
        "lastn": LAST_N_ASSIGNMENTS,
    }
    completed_s, due_s = d.epoch("h.completed_at"), d.epoch("h.due_at")
    if d.vendor == "postgresql":
        # One pass: the ordered-set aggregate sorts each client's few late days itself, and
        # the assignments are read once, in index order, with no materialised CTE.
        median_ctes, median_join, median_column = "", "", "agg.median_days_late"
        median_agg = "percentile_cont(0.5) WITHIN GROUP (ORDER BY days_late) AS median_days_late,"
    else:
        median_ctes = """late AS (
        SELECT client_id, days_late,
               ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY days_late) AS lrn,
               COUNT(*) OVER (PARTITION BY client_id) AS lcnt
        FROM hw WHERE days_late IS NOT NULL
    ),
    median AS (
        SELECT client_id, AVG(days_late) AS median_days_late FROM late
        WHERE lrn = (lcnt + 1) / 2 OR lrn = (lcnt + 2) / 2
        GROUP BY client_id
    ),
    """
        median_join, median_column = "LEFT JOIN median ON median.client_id = agg.client_id", "median.median_days_late"
        median_agg = ""
    sql = f"""
    WITH hw AS (
        SELECT h.client_id AS client_id, h.due_at AS due_at,
               CASE WHEN h.status = %(completed)s THEN 1 ELSE 0 END AS done,
               CASE WHEN h.status = %(completed)s
                         AND (h.completed_at IS NULL OR h.completed_at <= h.due_at)
                    THEN 1 ELSE 0 END AS on_time,
               CASE WHEN h.status = %(completed)s AND h.completed_at > h.due_at
                         AND h.due_at >= %(d90)s
                    THEN ({completed_s} - {due_s}) / 86400.0 END AS days_late,
               ROW_NUMBER() OVER (PARTITION BY h.client_id ORDER BY h.due_at DESC, h.id DESC) AS rn,
               h.created_at AS created_at, h.completed_at AS completed_at
        FROM {_table(HomeworkAssignment)} h
        WHERE {where} AND h.status <> %(cancelled)s
              AND (h.due_at <= %(now)s OR h.status = %(completed)s)
    ),
{median_ctes}    agg AS (
        SELECT client_id, {median_agg}
               SUM(CASE WHEN rn <= %(lastn)s THEN 1 ELSE 0 END) AS lastn_counted,
               SUM(CASE WHEN rn <= %(lastn)s THEN done ELSE 0 END) AS lastn_completed,
               SUM(CASE WHEN due_at >= %(d30)s THEN 1 ELSE 0 END) AS counted_30,
               SUM(CASE WHEN due_at >= %(d30)s THEN done ELSE 0 END) AS completed_30,
               SUM(CASE WHEN due_at >= %(d90)s THEN 1 ELSE 0 END) AS counted_90,
               SUM(CASE WHEN due_at >= %(d90)s THEN done ELSE 0 END) AS completed_90,
               SUM(CASE WHEN due_at >= %(d90)s THEN on_time ELSE 0 END) AS on_time_90,
               MIN(CASE WHEN done = 1 THEN rn END) AS first_completed_rn,
               COUNT(*) AS counted_all,
               -- Epoch of the latest (not the latest epoch): one conversion per client.
               {d.epoch("MAX(created_at)")} AS created_max,
               {d.epoch("MAX(completed_at)")} AS completed_max
        FROM hw GROUP BY client_id
    )
    SELECT agg.client_id, agg.lastn_counted, agg.lastn_completed, agg.counted_30,
           agg.completed_30, agg.counted_90, agg.completed_90, agg.on_time_90,
           agg.first_completed_rn, agg.counted_all, agg.created_max, agg.completed_max,
           {median_column}
    FROM agg {median_join}
    """  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
    return sql, params


def activity_sql(batch: Batch, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """Streaks (gaps and islands over active days), last activity. Activity = a check-in or a
    submitted (non-draft) homework submission."""
    d = _Dialect()
    where_c, params = batch.filter_sql("c.client_id")
    where_h, _ = batch.filter_sql("h.client_id")
    params |= _time_params(now) | {"false": False}
    submitted = "COALESCE(s.submitted_at, s.created_at)"
    events = f"""
    WITH events AS (
        SELECT c.client_id AS client_id, {d.day("c.created_at")} AS day, c.created_at AS ts
        FROM {_table(CheckIn)} c
        WHERE {where_c} AND c.created_at <= %(now)s
        UNION ALL
        SELECT h.client_id AS client_id, {d.day(submitted)} AS day, {submitted} AS ts
        FROM {_table(HomeworkSubmission)} s
        INNER JOIN {_table(HomeworkAssignment)} h ON h.id = s.assignment_id
        WHERE {where_h} AND s.is_draft = %(false)s AND {submitted} <= %(now)s
    )"""  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
    if d.vendor == "postgresql":
        # Each client's distinct active days as one sorted array (the input is sorted by client
        # only, and each client's few dozen days are sorted inside the aggregate: ~35% less
        # than sorting every event by client and time for two window passes). In a sorted
        # array of distinct days, day - position is constant along a run of consecutive days.
        sql = f"""{events}
    , days AS (
        SELECT client_id, array_agg(DISTINCT day ORDER BY day) AS d, MAX(ts) AS last_ts
        FROM events GROUP BY client_id
    )
    SELECT client_id,
           (SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM unnest(d) WITH ORDINALITY AS u(day, i)
                                GROUP BY day - i) AS runs) AS longest_streak,
           CASE WHEN d[cardinality(d)] >= %(yesterday)s THEN
               (SELECT COUNT(*) FROM unnest(d) WITH ORDINALITY AS u(day, i)
                WHERE day - i = d[cardinality(d)] - cardinality(d))
           ELSE 0 END AS current_streak,
           d[cardinality(d)] AS last_day,
           date_part('epoch', last_ts) AS last_ts,
           cardinality(d) AS active_days
    FROM days
    """  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
        return sql, params
    # SQLite: events in time order per client (a local calendar day never decreases as time
    # goes on). Gaps and islands without numbering the days: a day starts a run unless the
    # previous event was the same day or the day before; run_start = the latest such start
    # so far, and since a run has no gaps its length at a day is day - run_start + 1.
    # Two window passes share one sort; the final GROUP BY reads rows in client order.
    sql = f"""{events}
    , lagged AS (
        SELECT client_id, day, ts, LAG(day) OVER (PARTITION BY client_id ORDER BY ts) AS prev
        FROM events
    ),
    runs AS (
        SELECT client_id, day, ts, prev,
               MAX(CASE WHEN prev IS NULL OR day - prev > 1 THEN day END)
                   OVER (PARTITION BY client_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS run_start
        FROM lagged
    )
    SELECT client_id,
           MAX(day - run_start + 1) AS longest_streak,
           MAX(CASE WHEN day >= %(yesterday)s THEN day - run_start + 1 ELSE 0 END) AS current_streak,
           MAX(day) AS last_day,
           {d.epoch("MAX(ts)")} AS last_ts,
           SUM(CASE WHEN prev IS NULL OR day <> prev THEN 1 ELSE 0 END) AS active_days
    FROM runs GROUP BY client_id
    """  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
    return sql, params


def mood_sql(batch: Batch, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """Check-in days in the last 14 calendar days; mood mean and least-squares slope (per day)
    over the last 14 and 30 days, from SUM(x), SUM(y), SUM(xy), SUM(x^2) and COUNT.

    x is days relative to now (so in [-30, 0]: no precision loss from epoch-sized values).
    A slope needs check-ins on at least 3 different days in its window.
    """
    d = _Dialect()
    where, params = batch.filter_sql("c.client_id")
    params |= _time_params(now) | {"w14": -14.0}

    def slope(n: str, sx: str, sy: str, sxy: str, sxx: str, days: str) -> str:
        denominator = f"({n} * {sxx} - {sx} * {sx})"
        return f"CASE WHEN {days} >= 3 AND {denominator} > 0 THEN ({n} * {sxy} - {sx} * {sy}) / {denominator} END"

    sql = f"""
    WITH points AS (
        SELECT c.client_id AS client_id, CAST(c.mood AS DOUBLE PRECISION) AS y,
               ({d.epoch("c.created_at")} - %(now_s)s) / 86400.0 AS x,
               {d.day("c.created_at")} AS day
        FROM {_table(CheckIn)} c
        WHERE {where} AND c.created_at > %(d30)s AND c.created_at <= %(now)s
    ),
    sums AS (
        SELECT client_id,
               COUNT(DISTINCT CASE WHEN day >= %(today_minus_13)s THEN day END) AS checkin_days_14,
               SUM(CASE WHEN x >= %(w14)s THEN 1 ELSE 0 END) AS n14,
               SUM(CASE WHEN x >= %(w14)s THEN y END) AS sy14,
               SUM(CASE WHEN x >= %(w14)s THEN x END) AS sx14,
               SUM(CASE WHEN x >= %(w14)s THEN x * y END) AS sxy14,
               SUM(CASE WHEN x >= %(w14)s THEN x * x END) AS sxx14,
               COUNT(DISTINCT CASE WHEN x >= %(w14)s THEN day END) AS days14,
               COUNT(*) AS n30, SUM(y) AS sy30, SUM(x) AS sx30, SUM(x * y) AS sxy30,
               SUM(x * x) AS sxx30, COUNT(DISTINCT day) AS days30
        FROM points GROUP BY client_id
    )
    SELECT client_id, checkin_days_14, n14, n30, days14, days30, sy14, sy30,
           CASE WHEN n14 > 0 THEN sy14 / n14 END AS mood_avg_14,
           sy30 / n30 AS mood_avg_30,
           {slope("n14", "sx14", "sy14", "sxy14", "sxx14", "days14")} AS slope_14,
           {slope("n30", "sx30", "sy30", "sxy30", "sxx30", "days30")} AS slope_30
    FROM sums
    """  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
    return sql, params


def session_sql(batch: Batch, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """Past sessions in the last 90 days by status, and attended sessions with an assessment
    administered within a day either side of the start."""
    d = _Dialect()
    where, params = batch.filter_sql("s.client_id")
    params |= _time_params(now) | {
        "attended": Session.Status.ATTENDED,
        "no_show": Session.Status.NO_SHOW,
        "late_cancelled": Session.Status.LATE_CANCELLED,
    }
    sql = f"""
    SELECT s.client_id AS client_id,
           SUM(CASE WHEN s.status = %(attended)s THEN 1 ELSE 0 END) AS attended,
           SUM(CASE WHEN s.status = %(no_show)s THEN 1 ELSE 0 END) AS no_show,
           SUM(CASE WHEN s.status = %(late_cancelled)s THEN 1 ELSE 0 END) AS late_cancelled,
           SUM(CASE WHEN s.status = %(attended)s AND EXISTS (
                   SELECT 1 FROM {_table(Assessment)} a
                   WHERE a.client_id = s.client_id
                     AND {d.within_a_day("a.administered_at", "s.starts_at")}
               ) THEN 1 ELSE 0 END) AS attended_with_measure,
           MAX({d.epoch("s.updated_at")}) AS updated_max
    FROM {_table(Session)} s
    WHERE {where} AND s.starts_at <= %(now)s AND s.starts_at >= %(d90)s
    GROUP BY s.client_id
    """  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
    return sql, params


def measure_sql(batch: Batch, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """Latest and previous scorable total per instrument (PHQ-9, GAD-7)."""
    d = _Dialect()
    where, params = batch.filter_sql("a.client_id")
    params |= _time_params(now) | {f"i{index}": code for index, code in enumerate(MEASURE_INSTRUMENTS)}
    instruments = ", ".join(f"%(i{index})s" for index in range(len(MEASURE_INSTRUMENTS)))
    sql = f"""
    WITH ranked AS (
        SELECT a.client_id AS client_id, a.instrument AS instrument, a.total AS total,
               {d.epoch("a.administered_at")} AS administered_s,
               {d.epoch("a.created_at")} AS created_s,
               ROW_NUMBER() OVER (PARTITION BY a.client_id, a.instrument
                                  ORDER BY a.administered_at DESC, a.id DESC) AS rn
        FROM {_table(Assessment)} a
        WHERE {where} AND a.instrument IN ({instruments}) AND a.total IS NOT NULL
              AND a.administered_at <= %(now)s
    )
    SELECT client_id, instrument,
           MAX(CASE WHEN rn = 1 THEN total END) AS latest,
           MAX(CASE WHEN rn = 2 THEN total END) AS previous,
           MAX(CASE WHEN rn = 1 THEN administered_s END) AS latest_s,
           MAX(created_s) AS created_max
    FROM ranked WHERE rn <= 2
    GROUP BY client_id, instrument
    """  # noqa: S608 - only table names and fixed SQL fragments are formatted in; values are bound
    return sql, params


def homework_aggregates(batch: Batch, now: dt.datetime) -> dict[int, dict[str, Any]]:
    return _rows_by_client(*homework_sql(batch, now))


def activity_aggregates(batch: Batch, now: dt.datetime) -> dict[int, dict[str, Any]]:
    return _rows_by_client(*activity_sql(batch, now))


def mood_aggregates(batch: Batch, now: dt.datetime) -> dict[int, dict[str, Any]]:
    return _rows_by_client(*mood_sql(batch, now))


def session_aggregates(batch: Batch, now: dt.datetime) -> dict[int, dict[str, Any]]:
    return _rows_by_client(*session_sql(batch, now))


def measure_aggregates(batch: Batch, now: dt.datetime) -> dict[int, dict[str, dict[str, Any]]]:
    sql, params = measure_sql(batch, now)
    result: dict[int, dict[str, dict[str, Any]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(names, row, strict=True))
            result.setdefault(record["client_id"], {})[record["instrument"]] = record
    return result


@dataclass
class BatchAggregates:
    homework: dict[int, dict[str, Any]]
    activity: dict[int, dict[str, Any]]
    mood: dict[int, dict[str, Any]]
    sessions: dict[int, dict[str, Any]]
    measures: dict[int, dict[str, dict[str, Any]]]


# Sorts for the window functions of a 1000-client batch fit in this; the default (4MB)
# spills them to disk. SET LOCAL: only for the read transaction of one batch.
BATCH_WORK_MEM = "32MB"


def fetch_aggregates(batch: Batch, now: dt.datetime) -> BatchAggregates:
    """Five queries (plus SET LOCAL on PostgreSQL), whatever the batch size or the history."""
    with transaction.atomic():
        if connection.vendor == "postgresql" and len(batch.ids) > 1:
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{BATCH_WORK_MEM}'")
                # Parallel workers cost more to start than they save on a batch this size.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return BatchAggregates(
            homework=homework_aggregates(batch, now),
            activity=activity_aggregates(batch, now),
            mood=mood_aggregates(batch, now),
            sessions=session_aggregates(batch, now),
            measures=measure_aggregates(batch, now),
        )


def upsert_snapshots(snapshots: list[EngagementSnapshot], *, started: dt.datetime) -> None:
    """Insert-or-update behind the OneToOne constraint, then re-mark as stale any snapshot
    whose source changed after this computation started reading (a write that raced us)."""
    if not snapshots:
        return
    for snapshot in snapshots:
        if not isinstance(snapshot.metrics, Value):
            # A Value() keeps bulk_create on PostgreSQL on its INSERT ... VALUES path: the
            # UNNEST path array-quotes every JSON document in Python, which dominated the
            # nightly recompute (see benchmarks/README.md).
            snapshot.metrics = Value(snapshot.metrics, output_field=JSON_FIELD)
    with transaction.atomic():
        EngagementSnapshot.objects.bulk_create(
            snapshots, update_conflicts=True, unique_fields=["client"], update_fields=UPSERT_FIELDS
        )
        client_ids = [snapshot.client_id for snapshot in snapshots]
        EngagementSnapshot.objects.filter(client_id__in=client_ids, source_changed_at__gte=started).update(stale=True)
    for snapshot in snapshots:
        snapshot.metrics = snapshot.metrics.value
