"""Seed a believable demo practice with a year of history. Deterministic with --seed.

Writes history in bulk (this is a loader, not a user action), but every derived value is
computed by the same domain code the API uses (scoring, outcomes, analytics).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from clients.demo import seed_onboarding
from clients.demo_measures import seed_measures
from clients.demo_safety import seed_between_sessions
from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Assessment, Client, Consent, Goal, Objective
from clients.scoring import score
from insights.models import Alert
from practice.db_maintenance import refresh_planner_statistics
from practice.demo import DEMO_TIME_ZONE, seed_settings
from practice.demo_accounts import seed_accounts
from practice.models import Membership, Practice
from practice.roles import Role
from practice.services import member_add, practice_create, practice_update
from sessions.demo import seed_workspace
from sessions.demo_drafting import seed_drafts
from sessions.demo_schedule import seed_schedule
from sessions.models import (
    CheckIn,
    HomeworkAssignment,
    HomeworkSubmission,
    HomeworkTemplate,
    NoteAddendum,
    ProgressNote,
    Session,
)

User = get_user_model()
DEMO_PASSWORD = "alliance-demo-2026"  # noqa: S105 - the published demo password
SLUG = "northside"

FIRST_NAMES = [
    "Avery",
    "Jordan",
    "Riley",
    "Morgan",
    "Casey",
    "Taylor",
    "Jamie",
    "Quinn",
    "Rowan",
    "Sage",
    "Elliot",
    "Harper",
    "Reese",
    "Emerson",
    "Dakota",
    "Finley",
    "Hayden",
    "Kendall",
    "Logan",
    "Parker",
    "Skyler",
    "Blake",
    "Cameron",
    "Drew",
    "Frankie",
    "Gray",
    "Jesse",
    "Lane",
    "Marlow",
    "Noel",
]
LAST_NAMES = [
    "Alvarez",
    "Bennett",
    "Chowdhury",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallagher",
    "Haddad",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Owusu",
    "Petrov",
    "Quintero",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zeller",
    "Abbott",
    "Brennan",
    "Castillo",
    "Delaney",
]
CONCERNS = [
    "Low mood, withdrawal from friends and loss of interest since a job loss.",
    "Constant worry about health and family, trouble sleeping, tension headaches.",
    "Panic attacks on public transport; avoiding the commute.",
    "Intrusive memories and nightmares after a road traffic accident.",
    "Harsh self-criticism and low self-worth; perfectionism at work.",
    "Poor sleep, rumination at night, exhaustion during the day.",
    "Grief after the death of a parent; feeling stuck.",
    "Social anxiety: fear of judgement in meetings and at parties.",
]
DIAGNOSES = [["F32.1"], ["F41.1"], ["F41.0"], ["F43.1"], ["F33.1"], ["F51.0"], ["F43.2"], ["F40.1"]]
CHECKIN_NOTES_GOOD = [
    "Went for a walk with my sister, felt lighter afterwards.",
    "Used the breathing exercise before the meeting and it helped.",
    "Slept better last night. Managed to cook a proper dinner.",
    "Had coffee with a friend, it was nice to laugh.",
    "Finished the worksheet, noticed I was less harsh with myself.",
]
CHECKIN_NOTES_LOW = [
    "Hard day at work, felt flat and tired all evening.",
    "Couldn't get out of bed until noon. Everything feels heavy.",
    "Worried all afternoon about money and couldn't switch off.",
    "Argued with my partner and cried for a while.",
    "Felt anxious on the bus and got off two stops early.",
]
JOURNAL_ENTRIES = [
    "Today I noticed the worry spiral start around 3pm. I wrote it down and postponed it to worry time, which helped a bit.",
    "I went to the shop even though I wanted to stay home. The anxiety peaked at the checkout but came down after a few minutes.",
    "I keep thinking I let everyone down at work. When I look at the evidence, my manager actually thanked me on Monday.",
    "It was my dad's birthday. I looked at old photos and felt sad but also grateful for the time we had.",
    "Slept six hours. I kept to the wind-down routine and didn't check my phone in bed.",
]
# Course shapes for PHQ-9 totals over time (fractions of the way through the course).
COURSES = {
    "recovered": lambda p, start: round(start - (start - 5) * p),
    "improving": lambda p, start: round(start - 5 * p),
    "not_on_track": lambda p, start: round(start + (1 if p > 0.5 else 0)),
    "deteriorating": lambda p, start: round(start + 8 * p),
}


def answers_for_total(
    rng: random.Random, total: int, items: int, max_value: int, safety_item: int | None = None
) -> list[int]:
    total = max(0, min(total, items * max_value))
    answers = [0] * items
    fillable = [i for i in range(items) if i != (safety_item - 1 if safety_item else -1)]
    remaining = total
    while remaining > 0:
        index = rng.choice(fillable)
        if answers[index] < max_value:
            answers[index] += 1
            remaining -= 1
        elif all(answers[i] == max_value for i in fillable):
            break
    return answers


class Command(BaseCommand):
    help = "Create the demo practice (Northside Therapy) with a year of history and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=30)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, clients: int, seed: int, **options):
        if settings.ALLIANCE_ENV == "production":
            # Its accounts share a password printed in the README: never on a real deployment.
            raise CommandError(
                "seed_demo refuses to run with ALLIANCE_ENV=production: it creates accounts with the "
                "published demo password. Use create_practice and add_member instead."
            )
        if Practice.objects.filter(slug=SLUG).exists():
            self.stdout.write("The demo practice already exists.")
            self.print_logins()
            return
        rng = random.Random(seed)
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        # Alerts raised while seeding would email the demo therapists; keep that out of the output.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            practice = practice_create(name="Northside Therapy", slug=SLUG)
            member_add(
                practice=practice,
                role=Role.MANAGER,
                email="manager@northside.example",
                password=DEMO_PASSWORD,
                first_name="Maya",
                last_name="Lindqvist",
                validate=False,
            )
            admin = member_add(
                practice=practice,
                role=Role.ADMIN,
                email="admin@northside.example",
                password=DEMO_PASSWORD,
                first_name="Sam",
                last_name="Osei",
                validate=False,
            )
            # The zone first (an audited settings change): the schedule and today's sessions are
            # seeded at wall-clock hours in it and the therapists' calendars take it, so the day
            # and the calendar show the same times.
            practice_update(practice=practice, actor=admin.user, data={"time_zone": DEMO_TIME_ZONE})
            therapists = [
                member_add(
                    practice=practice,
                    role=Role.THERAPIST,
                    email=email,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    validate=False,
                )
                for email, first, last in [
                    ("rivera@northside.example", "Elena", "Rivera"),
                    ("okafor@northside.example", "Daniel", "Okafor"),
                    ("chen@northside.example", "Mei", "Chen"),
                ]
            ]
            practice.backup_clinician = therapists[1]
            practice.save(update_fields=["backup_clinician"])
            templates = list(HomeworkTemplate.objects.filter(practice=practice))
            for index in range(clients):
                self.seed_client(rng, practice, therapists[index % len(therapists)], templates, index, now)
            seed_between_sessions(practice, rng, now)
            seed_accounts(practice, password=DEMO_PASSWORD, stdout=self.stdout)
            seed_onboarding(practice, rng, now=now, out=self.stdout)
            seed_measures(practice, rng, now)  # clients/demo_measures.py (issue 16)
            seed_workspace(practice, rng, therapists, now)  # inbox, supervision, note templates
            seed_drafts(practice, rng, therapists, now)  # AI note drafts (issue 18)
            seed_schedule(practice, rng, timezone.now())
        self.recompute(practice)
        from sessions.demo_reminders import seed_reminders  # issue 14: reminders and video sessions

        seed_reminders(practice, rng, now=timezone.now())
        from sessions.demo_today import seed_today  # issue 17: the therapist's day, resolved alerts

        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            seed_today(practice, rng, timezone.now())
        self.print_logins()
        seed_settings(practice, rng, password=DEMO_PASSWORD, stdout=self.stdout)
        # A bulk load leaves no planner statistics: gather them before anyone opens a page.
        refresh_planner_statistics()

    def seed_client(self, rng, practice, therapist: Membership, templates, index: int, now: dt.datetime) -> None:
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        concern_index = rng.randrange(len(CONCERNS))
        # Intake spread over the last year; a few still on the waitlist; early starters discharged.
        days_ago = rng.randint(20, 360)
        intake = (now - dt.timedelta(days=days_ago)).date()
        status = Client.Status.ACTIVE
        if index % 10 == 9:
            status = Client.Status.WAITLIST
        elif days_ago > 240 and index % 3 == 0:
            status = Client.Status.DISCHARGED
        email = f"client{index + 1:02d}@northside.example"
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
        Membership.objects.create(user=user, practice=practice, role=Role.CLIENT)
        client = Client.objects.create(
            practice=practice,
            first_name=first,
            last_name=last,
            date_of_birth=dt.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            email=email,
            phone=f"555-01{index:02d}",
            status=status,
            referred_at=intake - dt.timedelta(days=rng.randint(5, 45)),
            intake_date=None if status == Client.Status.WAITLIST else intake,
            discharged_at=(intake + dt.timedelta(days=rng.randint(80, 120)))
            if status == Client.Status.DISCHARGED
            else None,
            discharge_reason="Completed treatment" if status == Client.Status.DISCHARGED else "",
            presenting_concerns=CONCERNS[concern_index],
            diagnosis_codes=DIAGNOSES[concern_index],
            primary_therapist=therapist,
            user=user,
            reminder_hour=rng.choice([8, 12, 18, 20]),
        )
        Consent.objects.bulk_create(
            [
                Consent(client=client, kind=kind, granted_at=now - dt.timedelta(days=days_ago))
                for kind in ("treatment", "portal")
            ]
            + (
                [Consent(client=client, kind="ai_processing", granted_at=now - dt.timedelta(days=days_ago))]
                if index % 4 != 3
                else []
            )
        )
        goal = Goal.objects.create(
            client=client,
            problem=CONCERNS[concern_index],
            description="Return to valued activities most days of the week",
            target_date=intake + dt.timedelta(days=120),
        )
        Objective.objects.create(goal=goal, description="PHQ-9 below 10 for two consecutive reviews", measure="PHQ-9")
        if status == Client.Status.WAITLIST:
            return
        end = (
            min(now, timezone.make_aware(dt.datetime.combine(client.discharged_at, dt.time(12))))
            if client.discharged_at
            else now
        )
        self.seed_course(rng, client, therapist, templates, intake, end, now, index)

    def seed_course(self, rng, client, therapist, templates, intake, end, now, index) -> None:
        course = ["recovered", "improving", "not_on_track", "deteriorating", "recovered", "improving"][index % 6]
        engagement = [0.9, 0.7, 0.4, 0.2, 0.85, 0.6][index % 6]
        start_score = rng.randint(12, 19)
        hour = [9, 11, 14, 16][index % 4]
        # Office hours on the practice's clock (the pages show times in the practice's zone).
        zone = zoneinfo.ZoneInfo(client.practice.time_zone)
        first_session = dt.datetime.combine(intake, dt.time(hour), tzinfo=zone)
        sessions, notes, assessments, homework, submissions, checkins = [], [], [], [], [], []
        starts = []
        when = first_session
        while when <= end + dt.timedelta(days=14) and len(starts) < 24:
            starts.append(when)
            when += dt.timedelta(days=7)
        total_sessions = len([s for s in starts if s <= end]) or 1
        for number, starts_at in enumerate(starts):
            future = starts_at > now
            roll = rng.random()
            status = (
                "scheduled"
                if future
                else (
                    "attended"
                    if roll < 0.82
                    else "no_show"
                    if roll < 0.9
                    else "cancelled"
                    if roll < 0.96
                    else "late_cancelled"
                )
            )
            if number == 0 and not future:
                status = "attended"
            sessions.append(
                Session(
                    client=client,
                    therapist=therapist,
                    starts_at=starts_at,
                    duration_minutes=50,
                    kind="intake" if number == 0 else "individual",
                    status=status,
                    status_changed_at=None if future else starts_at + dt.timedelta(hours=1),
                )
            )
        Session.objects.bulk_create(sessions)
        attended = [s for s in sessions if s.status == "attended"]
        for position, session in enumerate(attended):
            progress = position / max(1, total_sessions - 1)
            phq = max(0, min(27, COURSES[course](progress, start_score) + rng.randint(-1, 1)))
            gad = max(0, min(21, round(phq * 0.75) + rng.randint(-1, 1)))
            if position % 2 == 0 or position == len(attended) - 1:
                for code, total in (("phq9", phq), ("gad7", gad)):
                    definition = BUILTIN_INSTRUMENTS[code]
                    answers = answers_for_total(rng, total, len(definition["items"]), 3, 9 if code == "phq9" else None)
                    if code == "phq9" and course == "deteriorating" and position == len(attended) - 1:
                        answers[8] = 1
                    result = score(definition, answers)
                    assessments.append(
                        Assessment(
                            client=client,
                            instrument=code,
                            version=result["version"],
                            answers=answers,
                            result=result,
                            total=result["total"],
                            administered_at=session.starts_at - dt.timedelta(minutes=10),
                            administered_by=client.user,
                            source="portal",
                            session=session,
                        )
                    )
            if position % 3 == 2:
                answers = [
                    max(1, min(5, 4 + rng.randint(-1, 1) - (1 if course == "not_on_track" and position > 4 else 0)))
                    for _ in range(12)
                ]
                result = score(BUILTIN_INSTRUMENTS["wai_sr"], answers)
                assessments.append(
                    Assessment(
                        client=client,
                        instrument="wai_sr",
                        version=result["version"],
                        answers=answers,
                        result=result,
                        total=result["total"],
                        administered_at=session.starts_at + dt.timedelta(minutes=55),
                        administered_by=client.user,
                        source="portal",
                        session=session,
                    )
                )
            recent = session.starts_at > now - dt.timedelta(days=5)
            overdue = (
                session.starts_at < now - dt.timedelta(hours=72) and index % 7 == 0 and position == len(attended) - 1
            )
            signed = not recent and not overdue
            sections = {
                "data": f"Session {position + 1}. Client reviewed the week's homework and mood ratings; discussed {['sleep', 'avoidance', 'worry', 'self-criticism', 'activity scheduling'][position % 5]}.",
                "assessment": [
                    "Engaged and reflective.",
                    "Mood lower than last week; no risk disclosed.",
                    "Making steady progress.",
                    "Avoidance maintaining anxiety.",
                ][position % 4],
                "plan": "Continue CBT; homework agreed; review measures next session.",
            }
            notes.append(
                ProgressNote(
                    client=client,
                    session=session,
                    author=therapist.user,
                    format="dap",
                    sections=sections,
                    status="signed" if signed else "draft",
                    signed_at=session.starts_at + dt.timedelta(hours=rng.randint(2, 60)) if signed else None,
                    signed_by=therapist.user if signed else None,
                    created_at=session.starts_at + dt.timedelta(hours=1),
                )
            )
            if not session.starts_at > now - dt.timedelta(days=1):
                template = templates[(index + position) % len(templates)]
                due = session.starts_at + dt.timedelta(days=6)
                completes = rng.random() < engagement
                homework.append(
                    (
                        HomeworkAssignment(
                            client=client,
                            template=template,
                            title=template.title,
                            kind=template.kind,
                            fields=template.fields,
                            instructions=template.instructions,
                            due_at=due,
                            status="completed" if completes else ("assigned" if due > now else "missed"),
                            assigned_by=therapist.user,
                            created_at=session.starts_at + dt.timedelta(minutes=50),
                            completed_at=(due - dt.timedelta(hours=rng.randint(-30, 100))) if completes else None,
                            series=uuid.uuid4() if position % 5 == 0 else None,
                        ),
                        completes,
                    )
                )
        Assessment.objects.bulk_create(assessments)
        ProgressNote.objects.bulk_create(notes)
        signed_notes = [note for note in notes if note.status == "signed"]
        if signed_notes:
            NoteAddendum.objects.create(
                note=signed_notes[0],
                author=therapist.user,
                text="Correction: the client's sister, not brother, attended the first appointment.",
                created_at=signed_notes[0].signed_at + dt.timedelta(days=1),
                signed_at=signed_notes[0].signed_at + dt.timedelta(days=1),
            )
        HomeworkAssignment.objects.bulk_create([assignment for assignment, _ in homework])
        for assignment, completes in homework:
            if completes:
                submissions.append(
                    HomeworkSubmission(
                        assignment=assignment,
                        responses=self.responses_for(rng, assignment),
                        is_draft=False,
                        created_at=assignment.completed_at,
                        submitted_at=assignment.completed_at,
                    )
                )
        HomeworkSubmission.objects.bulk_create(submissions)
        day = timezone.make_aware(dt.datetime.combine(intake, dt.time(20)))
        last_day = end if end < now else now
        while day < last_day:
            if rng.random() < engagement * 0.8:
                progress = (day - first_session) / max(dt.timedelta(days=1), (last_day - first_session))
                base = 4 + (
                    4 * progress
                    if course in ("recovered", "improving")
                    else (-2 * progress if course == "deteriorating" else 0)
                )
                mood = max(0, min(10, round(base + rng.uniform(-1.5, 1.5))))
                note = rng.choice(CHECKIN_NOTES_GOOD if mood >= 5 else CHECKIN_NOTES_LOW) if rng.random() < 0.5 else ""
                checkins.append(
                    CheckIn(
                        client=client,
                        mood=mood,
                        emotions=rng.sample(CheckIn.EMOTIONS, 2),
                        note=note,
                        created_at=day + dt.timedelta(minutes=rng.randint(-120, 120)),
                    )
                )
            day += dt.timedelta(days=1)
        CheckIn.objects.bulk_create(checkins)
        if course == "deteriorating" and client.status == Client.Status.ACTIVE:
            from insights.safety import raise_alert

            raise_alert(
                client=client,
                kind="phq9_item9",
                severity="concern",
                reason="PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered 1 (Several days)",
                source_type="assessment",
                source_id=assessments[-1].pk if assessments else None,
            )
        elif index % 6 == 1 and attended:
            alert = Alert.objects.create(
                client=client,
                kind="risk_language",
                severity="concern",
                reason="Worrying language in a check-in note: passive wish not to wake up",
                created_at=attended[0].starts_at + dt.timedelta(days=3),
                acknowledge_by=attended[0].starts_at + dt.timedelta(days=4),
            )
            alert.status = "resolved"
            alert.acknowledged_at = alert.created_at + dt.timedelta(minutes=rng.randint(20, 300))
            alert.acknowledged_by = therapist.user
            alert.resolved_at = alert.acknowledged_at + dt.timedelta(hours=2)
            alert.resolved_by = therapist.user
            alert.outcome = "safety_plan_reviewed"
            alert.resolution_note = "Phoned the client; reviewed the safety plan together."
            alert.save()

    def responses_for(self, rng, assignment) -> dict:
        if assignment.kind == "journal":
            return {"entry": rng.choice(JOURNAL_ENTRIES)}
        if assignment.kind == "thought_record":
            before = rng.randint(60, 90)
            return {
                "situation": "Manager asked for a quick word after the meeting",
                "automatic_thought": "I'm going to be fired",
                "emotion": "Anxious",
                "emotion_intensity": before,
                "evidence_for": "She looked serious",
                "evidence_against": "My last review was good; she often asks for quick words",
                "balanced_thought": "She may just want an update; I can ask",
                "rerated_intensity": before - rng.randint(20, 40),
            }
        if assignment.kind == "activity_log":
            return {
                "activity": "Walk in the park",
                "planned": True,
                "done": True,
                "mastery": rng.randint(3, 8),
                "pleasure": rng.randint(3, 9),
            }
        if assignment.kind == "exposure_log":
            return {
                "situation": "Bus ride to town",
                "suds_before": 70,
                "suds_peak": 80,
                "suds_after": 35,
                "duration_minutes": 25,
            }
        from sessions.homework_schema import schema_for

        responses = {}
        for spec in schema_for(assignment.kind, assignment.fields):
            if spec["type"] == "checkbox":
                responses[spec["name"]] = True
            elif spec["type"] in ("text", "long_text") and spec.get("required"):
                responses[spec["name"]] = "Noticed it and wrote it down."
            elif spec["type"] in ("number", "scale") and spec.get("required"):
                responses[spec["name"]] = spec.get("min", 0)
            elif spec["type"] == "choice" and spec.get("required"):
                responses[spec["name"]] = spec["choices"][0]
        return responses

    def recompute(self, practice) -> None:
        """Fill analytics now so the demo opens with them (the workers keep them fresh)."""
        from insights.engagement import recompute_all
        from insights.reports.aggregates import refresh_practice_aggregates

        recompute_all()
        refresh_practice_aggregates(practice)

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        self.stdout.write("  therapist  rivera@northside.example   (also okafor@, chen@)")
        self.stdout.write("  manager    manager@northside.example")
        self.stdout.write("  admin      admin@northside.example")
        self.stdout.write("  client     client01@northside.example (client01 .. client30)")
