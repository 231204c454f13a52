"""Seed the load-test practice fast: 100 therapists, 3,000 clients, a year of history (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadtest \
        .venv/bin/python benchmarks/loadtest_seed.py --out /tmp/alliance-loadtest/accounts.json

The history comes from the benchmark generator (benchmarks/generate.py: COPY in time order);
on top of it this adds what the load test signs in with: the therapists, a manager, client
portal accounts with their consents, open homework, and one live API token per account (only
the hash is stored; the raw tokens go to --out, a file for the load driver alone). Every
account shares one password hash (computed once, so seeding does not spend minutes in argon2).
Ends with ANALYZE: a bulk load leaves no planner statistics otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

PASSWORD = "loadtest-password-2026"  # noqa: S105 - a throwaway local practice
SURNAMES = ["Rivera", "Okafor", "Chen", "Haddad", "Novak", "Silva", "Kowalski", "Mensah", "Ito", "Larsen"]
GIVEN = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun"]


def seed(*, therapists: int, clients: int, events: int, out: Path, seed_value: int = 11) -> dict:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.generate import generate
    from clients.models import Client, Consent
    from practice.models import ApiToken, Membership, Practice, User
    from sessions.homework_schema import KIND_SCHEMAS
    from sessions.models import HomeworkAssignment, HomeworkTemplate, Session

    if connection.vendor != "postgresql":
        raise SystemExit("The load-test seeder needs PostgreSQL (set DATABASE_URL).")
    started = time.monotonic()
    rng = random.Random(seed_value)
    counts = generate(clients=clients, events=events, seed=seed_value, quiet=True)
    now = timezone.now()
    password_hash = make_password(PASSWORD)
    token_expiry = now + dt.timedelta(days=30)
    accounts: dict = {"password": PASSWORD, "therapists": [], "clients": [], "managers": []}
    tokens: list[ApiToken] = []

    def issue(user_id: int) -> str:
        raw = secrets.token_urlsafe(32)
        tokens.append(ApiToken(user_id=user_id, key_hash=ApiToken.hash(raw), expires_at=token_expiry))
        return raw

    with transaction.atomic():
        practice = Practice.objects.get(slug="bench")
        practice.name = "Load Test Practice"
        practice.save(update_fields=["name"])
        User.objects.filter(email__endswith="@bench.example").update(password=password_hash)
        existing = list(Membership.objects.filter(practice=practice, role="therapist").order_by("pk"))
        extra_users = User.objects.bulk_create(
            [
                User(email=f"therapist{i}@bench.example", password=password_hash)
                for i in range(len(existing), therapists)
            ]
        )
        Membership.objects.bulk_create(
            [Membership(user=user, practice=practice, role="therapist") for user in extra_users]
        )
        members = list(Membership.objects.filter(practice=practice, role="therapist").order_by("pk"))
        for index, member in enumerate(members):
            User.objects.filter(pk=member.user_id).update(
                first_name=GIVEN[index % 10], last_name=f"{SURNAMES[(index // 10) % 10]}"
            )
        ids = [member.pk for member in members]
        client_table = connection.ops.quote_name(Client._meta.db_table)
        session_table = connection.ops.quote_name(Session._meta.db_table)
        with connection.cursor() as cursor:
            # Spread the caseloads over every therapist (the generator makes one per 250 clients).
            cursor.execute(
                f"UPDATE {client_table} SET primary_therapist_id = (%s::bigint[])[((id - 1) %% %s) + 1]",
                [ids, len(ids)],
            )
            cursor.execute(
                f"UPDATE {session_table} s SET therapist_id = c.primary_therapist_id "
                f"FROM {client_table} c WHERE s.client_id = c.id"
            )
        manager = User.objects.create(email="manager@bench.example", password=password_hash, first_name="Morgan")
        Membership.objects.create(user=manager, practice=practice, role="manager")
        accounts["managers"].append({"email": manager.email, "token": issue(manager.pk)})

        portal = list(Client.objects.filter(practice=practice, user__isnull=False).values_list("pk", "user_id"))
        Membership.objects.bulk_create(
            [Membership(user_id=user_id, practice=practice, role="client") for _, user_id in portal], batch_size=2000
        )
        consent_at = now - dt.timedelta(days=400)
        Consent.objects.bulk_create(
            [
                Consent(client_id=client_id, kind=kind, granted_at=consent_at)
                for index, (client_id, _) in enumerate(portal)
                for kind in (("treatment", "portal", "ai_processing") if index % 4 != 3 else ("treatment", "portal"))
            ],
            batch_size=5000,
        )
        template = HomeworkTemplate.objects.create(
            practice=practice,
            title="Evening journal",
            kind="journal",
            instructions="Write a few lines about today.",
            fields=KIND_SCHEMAS["journal"],
        )
        therapist_user = dict(Membership.objects.filter(pk__in=ids).values_list("pk", "user_id"))
        primary = dict(Client.objects.filter(practice=practice).values_list("pk", "primary_therapist_id"))
        open_homework = HomeworkAssignment.objects.bulk_create(
            [
                HomeworkAssignment(
                    client_id=client_id,
                    template=template,
                    title=f"Evening journal {day + 1}",
                    kind="journal",
                    fields=KIND_SCHEMAS["journal"],
                    due_at=now + dt.timedelta(days=day + 1),
                    assigned_by_id=therapist_user[primary[client_id]],
                    created_at=now - dt.timedelta(days=1),
                )
                for client_id, _ in portal
                for day in range(3)
            ],
            batch_size=5000,
        )
        by_client: dict[int, list[int]] = {}
        for assignment in open_homework:
            by_client.setdefault(assignment.client_id, []).append(assignment.pk)
        for client_id, user_id in portal:
            accounts["clients"].append(
                {"client": client_id, "token": issue(user_id), "homework": by_client.get(client_id, [])}
            )
        caseloads: dict[int, list[int]] = {}
        for client_id, member_id in primary.items():
            caseloads.setdefault(member_id, []).append(client_id)
        for member in members:
            email = User.objects.filter(pk=member.user_id).values_list("email", flat=True).get()
            accounts["therapists"].append(
                {"email": email, "token": issue(member.user_id), "clients": sorted(caseloads.get(member.pk, []))}
            )
        ApiToken.objects.bulk_create(tokens, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rng.shuffle(accounts["clients"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(accounts))
    out.chmod(0o600)
    counts.update(
        therapists=len(members),
        portal_clients=len(portal),
        open_homework=len(open_homework),
        seconds=round(time.monotonic() - started, 1),
    )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--therapists", type=int, default=100)
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    counts = seed(therapists=args.therapists, clients=args.clients, events=args.events, out=args.out)
    print("seeded: " + ", ".join(f"{key}={value}" for key, value in counts.items()))


if __name__ == "__main__":
    main()
