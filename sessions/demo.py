"""Demo content for the inbox, supervision and note templates (called once from seed_demo).

Elena Rivera (rivera@) is supervised by Mei Chen (chen@) for a few clients, with "review
before signing" on: Chen has notes to review and co-sign, Rivera has one returned note. Rivera's
clients have message threads (some unread, one that risk screening flagged). The practice has
two note templates.
"""

from __future__ import annotations

import datetime as dt
import random

from clients.models import Client
from practice.models import Membership, Practice
from sessions.models import Message, NoteTemplate, ProgressNote, Session, Supervision
from sessions.services.checkins import message_send

CLIENT_LINES = [
    "Can we move Thursday's session to the afternoon?",
    "I did the breathing exercise three times this week.",
    "The thought record was hard but I finished it.",
    "Thank you for last session, it helped.",
    "I slept better on the nights I kept the routine.",
]
THERAPIST_LINES = [
    "Of course, Thursday at 3 pm works. See you then.",
    "Well done for sticking with it. Let's talk about it on Thursday.",
    "Thanks for letting me know. Bring it along and we'll go through it.",
]
TEMPLATES = [
    (
        "Couples session",
        [
            ("Each partner's view", "What each partner said, in their words."),
            ("Interaction pattern", "The cycle you observed in the room."),
            ("Intervention", "What you did and how each partner responded."),
            ("Plan", "Homework for the couple and focus of the next session."),
        ],
    ),
    (
        "Intake assessment",
        [
            ("Reason for referral", "Who referred, and why now."),
            ("History", "Relevant personal, family and treatment history."),
            ("Risk", "Current risk and protective factors."),
            ("Formulation and plan", "Your working formulation and first goals."),
        ],
    ),
]


def seed_workspace(practice: Practice, rng: random.Random, therapists: list[Membership], now: dt.datetime) -> None:
    rivera, chen = therapists[0], therapists[2]
    for name, rows in TEMPLATES:
        NoteTemplate.objects.create(
            practice=practice,
            name=name,
            created_by=rivera.user,
            sections=[
                {"key": f"s{index}", "heading": heading, "prompt": prompt}
                for index, (heading, prompt) in enumerate(rows, start=1)
            ],
        )
    clients = list(
        Client.objects.filter(primary_therapist=rivera)
        .exclude(status=Client.Status.DISCHARGED)
        .exclude(user__isnull=True)
        .order_by("pk")
    )
    _seed_messages(rng, clients[:8], rivera, now)
    _seed_supervision(clients[:4], rivera, chen, now)


def _seed_messages(rng: random.Random, clients: list[Client], therapist: Membership, now: dt.datetime) -> None:
    for index, client in enumerate(clients):
        start = now - dt.timedelta(days=rng.randint(2, 12), hours=rng.randint(0, 8))
        count = rng.randint(2, 4)
        for step in range(count):
            at = start + dt.timedelta(hours=step * rng.randint(3, 20))
            from_client = step % 2 == 0
            unread = from_client and step == count - 1 and index % 3 != 2
            Message.objects.create(
                client=client,
                sender=(client.user if from_client else therapist.user),  # type: ignore[misc]
                from_client=from_client,
                body=rng.choice(CLIENT_LINES if from_client else THERAPIST_LINES),
                created_at=min(at, now - dt.timedelta(minutes=30)),
                read_at=None if unread else min(at + dt.timedelta(hours=1), now),
            )
    if len(clients) > 1:
        # One message that risk screening flags (through the service, as a client would send it).
        message_send(
            client=clients[1],
            actor=clients[1].user,  # type: ignore[arg-type]
            body="Honestly some nights I feel hopeless and think everyone would be better off without me.",
        )


def _seed_supervision(clients: list[Client], rivera: Membership, chen: Membership, now: dt.datetime) -> None:
    Client.objects.filter(pk__in=[client.pk for client in clients]).update(supervisor=chen)
    Supervision.objects.create(supervisor=chen, supervisee=rivera, review_before_signing=True)
    for client in clients:
        # The supervisor co-signed the history; the latest two signed notes still wait.
        signed = list(
            ProgressNote.objects.filter(client=client, status=ProgressNote.Status.SIGNED).order_by("-signed_at")
        )
        for note in signed[2:]:
            note.cosigned_by, note.cosigned_at = chen.user, (note.signed_at or now) + dt.timedelta(days=2)
        ProgressNote.objects.bulk_update(signed[2:], ["cosigned_by", "cosigned_at"])
    for index, client in enumerate(clients[:3]):
        session = (
            Session.objects.filter(client=client, status=Session.Status.ATTENDED, starts_at__lt=now)
            .order_by("-starts_at")
            .first()
        )
        sections = {
            "data": "Reviewed the week's thought records; two situations at work stood out.",
            "assessment": "Engaged and reflective; mood slightly improved since last session.",
            "plan": "Continue thought records; begin graded exposure next session.",
        }
        note = ProgressNote.objects.create(
            client=client,
            author=rivera.user,
            format=ProgressNote.Format.DAP,
            sections=sections,
            created_at=now - dt.timedelta(days=1 + index),
            session=None if session is None or session.notes.exists() else session,
        )
        if index < 2:
            note.status = ProgressNote.Status.IN_REVIEW
            note.submitted_at = now - dt.timedelta(hours=5 + index * 20)
        else:
            note.returned_at = now - dt.timedelta(hours=3)
            note.returned_by = chen.user
            note.review_comment = "Please add how the client rated the exposure (SUDS) and the risk review."
            note.submitted_at = now - dt.timedelta(days=1)
        note.save()
