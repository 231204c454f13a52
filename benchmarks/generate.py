"""Generate a large synthetic practice for the insights benchmark (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench \
        .venv/bin/python benchmarks/generate.py --clients 10000 --events 1000000

"Events" are homework assignments, homework submissions and check-ins, spread over the last
year; sessions and PHQ-9/GAD-7 assessments come on top. Clients differ: some engaged, some
fading, some who stopped a while ago. The big tables are written with PostgreSQL COPY, in
time order (as a real practice fills them), so one client's rows are scattered across the
table like in production. Everything in the practice tables is replaced on each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

DAY = dt.timedelta(days=1)


def setup_django() -> None:
    import django

    django.setup()


def _constant_columns(model, provided: Sequence[str]) -> tuple[list[str], list]:
    """Columns the generator does not set, with their default (or NULL), prepared once."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in provided:
            continue
        default = None if field.null else field.get_default()
        if default is None and not field.null:
            raise RuntimeError(f"{model.__name__}.{field.name} needs a value from the generator")
        value = None if default is None else field.get_db_prep_save(default, connection)
        if hasattr(value, "obj"):  # a psycopg Jsonb wrapper: send the JSON text once
            value = json.dumps(value.obj)
        columns.append(field.column)
        values.append(value)
    return columns, values


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into the model's table; columns not given get their default."""
    from django.db import connection

    extra_columns, extra_values = _constant_columns(model, columns)
    names = [model._meta.get_field(name).column if name != "id" else "id" for name in columns]
    all_columns = ", ".join(connection.ops.quote_name(name) for name in [*names, *extra_columns])
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({all_columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *extra_values))
                count += 1
    return count


def reset_tables() -> None:
    """Empty every practice table (TRUNCATE ... CASCADE) and restart the id sequences."""
    from django.apps import apps
    from django.db import connection

    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in {"practice", "clients", "clinical_sessions", "insights"} and not model._meta.proxy
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " RESTART IDENTITY CASCADE"
        )


def fix_sequences(models: Sequence) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0) + 1, false)",
                [table],
            )


def split_events(rng: random.Random, clients: int, events: int) -> list[int]:
    """Events per client: uneven (some clients do far more than others), summing to `events`."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(clients)]
    total = sum(weights)
    counts = [max(3, int(events * weight / total)) for weight in weights]
    # Spread the rounding difference over the first clients.
    difference = events - sum(counts)
    index = 0
    while difference != 0:
        step = 1 if difference > 0 else -1
        if counts[index % clients] + step >= 3:
            counts[index % clients] += step
            difference -= step
        index += 1
    return counts


def generate(
    *, clients: int, events: int, seed: int = 7, now: dt.datetime | None = None, quiet: bool = False
) -> dict[str, int]:
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import connection, transaction
    from django.utils import timezone

    from clients.models import Assessment, Client
    from practice.fields import EncryptedTextField
    from practice.models import Membership, Practice, User
    from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Session

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark generator needs PostgreSQL (set DATABASE_URL).")
    rng = random.Random(seed)
    now = now or timezone.now()
    year_ago = now - 365 * DAY
    started = time.monotonic()
    cipher = EncryptedTextField()
    empty_text = cipher.get_prep_value("")
    responses_token = cipher.get_prep_value('{"entry": "synthetic"}')
    title_token = cipher.get_prep_value("Synthetic task")
    answers_token = cipher.get_prep_value("[1, 1, 1, 1, 1, 1, 1, 1, 0]")

    with transaction.atomic():
        reset_tables()
        with connection.cursor() as cursor:
            # The generated rows are consistent by construction: skip the per-row foreign-key
            # triggers (checked at commit, they would double the load time).
            cursor.execute("SET LOCAL session_replication_role = replica")
        practice = Practice.objects.create(name="Benchmark Practice", slug="bench")
        therapist_count = max(1, clients // 250)
        therapist_users = User.objects.bulk_create(
            [
                User(email=f"therapist{i}@bench.example", password=UNUSABLE_PASSWORD_PREFIX)
                for i in range(therapist_count)
            ]
        )
        therapists = Membership.objects.bulk_create(
            [Membership(user=user, practice=practice, role="therapist") for user in therapist_users]
        )
        portal_flags = [rng.random() < 0.7 for _ in range(clients)]
        portal_users = User.objects.bulk_create(
            [
                User(email=f"client{i}@bench.example", password=UNUSABLE_PASSWORD_PREFIX)
                for i, flag in enumerate(portal_flags)
                if flag
            ],
            batch_size=5000,
        )
        portal_iter = iter(portal_users)
        client_rows = []
        for index in range(clients):
            joined = year_ago + rng.uniform(0, 330) * DAY
            client_rows.append(
                (
                    index + 1,
                    practice.pk,
                    "Client",
                    f"Synthetic{index}",
                    dt.date(1990, 1, 1),
                    "active",
                    therapists[index % therapist_count].pk,
                    next(portal_iter).pk if portal_flags[index] else None,
                    joined,
                    joined,
                    empty_text,
                    empty_text,
                )
            )
        copy_rows(
            Client,
            [
                "id",
                "practice_id",
                "first_name",
                "last_name",
                "date_of_birth",
                "status",
                "primary_therapist_id",
                "user_id",
                "created_at",
                "updated_at",
                "address",
                "presenting_concerns",
            ],
            client_rows,
        )

        per_client = split_events(rng, clients, events)
        checkins, assignments, submissions, sessions, assessments = [], [], [], [], []
        for index, budget in enumerate(per_client):
            client_id = index + 1
            joined = client_rows[index][8]
            # Profiles: engaged until now, fading (activity thins out), stopped some time ago.
            profile = rng.random()
            end = now if profile < 0.6 else now - rng.uniform(3, 60) * DAY
            end = max(end, joined + 7 * DAY)
            span = (end - joined).total_seconds()
            adherence = rng.uniform(0.2, 0.95)
            n_assign = max(1, budget // 4)
            n_submit = min(n_assign, int(n_assign * adherence))
            n_checkin = max(0, budget - n_assign - n_submit)
            completed_slots = set(rng.sample(range(n_assign), n_submit))
            for slot in range(n_assign):
                created = joined + dt.timedelta(seconds=span * slot / n_assign)
                due = created + rng.uniform(3, 8) * DAY
                if slot in completed_slots:
                    completed = max(created + dt.timedelta(hours=1), due + rng.gauss(-0.8, 1.5) * DAY)
                    status = "completed"
                else:
                    completed = None
                    status = (
                        "missed"
                        if due <= now and rng.random() < 0.8
                        else ("cancelled" if rng.random() < 0.1 else "assigned")
                    )
                assignments.append([created, client_id, due, status, completed])
            for _ in range(n_checkin):
                # Fading clients check in less towards the end (a skew towards the start).
                position = rng.random() if profile < 0.6 else rng.random() ** 1.5
                moment = joined + dt.timedelta(seconds=span * position)
                checkins.append((client_id, max(0, min(10, int(rng.gauss(5.5, 2)))), moment))
            session_day = joined
            while session_day < min(end + 14 * DAY, now + 14 * DAY):
                roll = rng.random()
                if session_day > now:
                    status = "scheduled"
                else:
                    status = (
                        "attended"
                        if roll < 0.8
                        else "no_show"
                        if roll < 0.88
                        else "cancelled"
                        if roll < 0.95
                        else "late_cancelled"
                    )
                sessions.append((client_id, therapists[index % therapist_count].pk, session_day, status))
                if status == "attended" and rng.random() < 0.35:
                    for instrument in ("phq9", "gad7"):
                        total = rng.randint(0, 21)
                        assessments.append((client_id, instrument, total, session_day - rng.uniform(0, 0.9) * DAY))
                session_day += rng.choice((7, 7, 14)) * DAY

        # Production tables fill in time order: sort, then number.
        assignments.sort(key=lambda row: row[0])
        assignment_rows = []
        for number, (created, client_id, due, status, completed) in enumerate(assignments, start=1):
            assignment_rows.append(
                (number, client_id, title_token, "journal", due, status, created, completed, empty_text)
            )
            if completed is not None:
                submissions.append((completed, number))
        submissions.sort()
        checkins.sort(key=lambda row: row[2])
        counts = {
            "clients": clients,
            "homework": copy_rows(
                HomeworkAssignment,
                ["id", "client_id", "title", "kind", "due_at", "status", "created_at", "completed_at", "feedback"],
                assignment_rows,
            ),
            "submissions": copy_rows(
                HomeworkSubmission,
                ["assignment_id", "responses", "is_draft", "created_at", "submitted_at", "updated_at"],
                (
                    (assignment_id, responses_token, False, moment, moment, moment)
                    for moment, assignment_id in submissions
                ),
            ),
            "checkins": copy_rows(
                CheckIn,
                ["client_id", "mood", "emotions", "note", "created_at"],
                ((c, mood, "[]", empty_text, moment) for c, mood, moment in checkins),
            ),
            "sessions": copy_rows(
                Session,
                ["client_id", "therapist_id", "starts_at", "status", "created_at", "updated_at"],
                ((c, t, moment, status, moment - 7 * DAY, min(moment, now)) for c, t, moment, status in sessions),
            ),
            "assessments": copy_rows(
                Assessment,
                ["client_id", "instrument", "version", "answers", "result", "total", "administered_at", "created_at"],
                (
                    (c, inst, f"{inst}_v1", answers_token, f'{{"total": {total}}}', total, moment, moment)
                    for c, inst, total, moment in assessments
                ),
            ),
        }
        fix_sequences([Client, HomeworkAssignment, HomeworkSubmission, CheckIn, Session, Assessment])
    with connection.cursor() as cursor:
        # A live database is vacuumed by autovacuum; measure that steady state (statistics
        # and visibility map), not the state right after a bulk load.
        cursor.execute("VACUUM ANALYZE")
    counts["events"] = counts["homework"] + counts["submissions"] + counts["checkins"]
    counts["seconds"] = round(time.monotonic() - started, 1)
    if not quiet:
        print("generated: " + ", ".join(f"{key}={value}" for key, value in counts.items()))
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    setup_django()
    generate(clients=args.clients, events=args.events, seed=args.seed)


if __name__ == "__main__":
    main()
