"""Demo content for the documentation assistant (issue 18 part 2), called once from seed_demo.

Elena Rivera has an unsigned note with a ready draft (the editor shows it, every sentence with
its source), and the practice has a history of decided drafts (signed as drafted, edited,
discarded) so the report's "AI suggestions" figures are not all suppressed. Drafts are written
by the embedded structured drafter from the record, exactly as in the editor.
"""

from __future__ import annotations

import datetime as dt
import random

from clients.models import Client, Consent
from practice.models import Membership, Practice
from sessions.drafting.backends import DraftInput
from sessions.drafting.faithfulness import check_draft
from sessions.drafting.layout import Section
from sessions.drafting.run import inserted_text, word_count
from sessions.drafting.sources import bullet_sources, collect_facts
from sessions.drafting.structured import StructuredDrafter
from sessions.models import NoteDraft, ProgressNote, Session
from sessions.services.drafting import note_layout

BULLET_SETS = [
    [
        "reports sleeping better since keeping a fixed wake time",
        "still avoiding the supermarket at busy times",
        "reviewed the week's activity schedule",
        "A: gradual progress toward the goal of weekly social contact",
        "P: one short supermarket trip at a quiet time before next session",
    ],
    [
        "work deadlines left little time for homework",
        "practised paced breathing together",
        "able to slow breathing after two minutes",
        "P: breathing practice twice a day, review next week",
    ],
    [
        "talked about the argument with her sister at the weekend",
        "explored what she wanted to say and what got in the way",
        "P: write down three points to raise with her sister",
    ],
]


def _draft(note: ProgressNote, bullets: list[str], created_at: dt.datetime) -> NoteDraft:
    sources = [
        source.as_dict()
        for source in bullet_sources(bullets) + collect_facts(client=note.client, session=note.session, now=created_at)
    ]
    layout = note_layout(note)
    drafter = StructuredDrafter()
    output = drafter.draft(
        DraftInput(
            format=note.format, layout=[Section(item["key"], item["heading"]) for item in layout], sources=sources
        )
    )
    checked = check_draft([sentence.as_dict() for sentence in output.sentences], sources)
    return NoteDraft.objects.create(
        note=note,
        client=note.client,
        requested_by=note.author,
        status=NoteDraft.Status.WITHHELD if checked.withheld else NoteDraft.Status.READY,
        backend=drafter.name,
        model=output.model,
        version=output.version,
        layout=layout,
        sources=sources,
        sentences=checked.sentences,
        faithfulness=checked.summary,
        duration_ms=3,
        progress=100,
        created_at=created_at,
        started_at=created_at,
        finished_at=created_at,
    )


def seed_drafts(practice: Practice, rng: random.Random, therapists: list[Membership], now: dt.datetime) -> None:
    consented = Consent.objects.active().filter(kind=Consent.Kind.AI_PROCESSING).values("client_id")
    for therapist in therapists:
        clients = list(
            Client.objects.filter(
                practice=practice, primary_therapist=therapist, pk__in=consented, supervisor__isnull=True
            )
            .exclude(status=Client.Status.DISCHARGED)
            .order_by("pk")
        )
        signed = list(
            ProgressNote.objects.filter(client__in=clients, status=ProgressNote.Status.SIGNED, session__isnull=False)
            .select_related("session", "client", "author")
            .order_by("-signed_at")[:4]
        )
        for index, note in enumerate(signed):
            draft = _draft(note, BULLET_SETS[index % len(BULLET_SETS)], note.signed_at - dt.timedelta(hours=1))
            decision = (
                NoteDraft.Decision.ACCEPTED,
                NoteDraft.Decision.EDITED,
                NoteDraft.Decision.EDITED,
                NoteDraft.Decision.DISCARDED,
            )[index % 4]
            draft.decision, draft.decided_at, draft.decided_by = decision, note.signed_at, note.author
            if decision != NoteDraft.Decision.DISCARDED:
                inserted = inserted_text(draft)
                draft.inserted_at = draft.created_at
                draft.inserted_sections = inserted
                draft.draft_words = sum(word_count(text) for text in inserted.values())
                draft.edit_distance = 0 if decision == NoteDraft.Decision.ACCEPTED else rng.randint(3, 18)
            draft.save()
    # Rivera's open note with a ready draft: the editor shows it.
    rivera = therapists[0]
    client = (
        Client.objects.filter(practice=practice, primary_therapist=rivera, pk__in=consented, supervisor__isnull=True)
        .exclude(status=Client.Status.DISCHARGED)
        .filter(sessions__status=Session.Status.ATTENDED, sessions__starts_at__lt=now)
        .order_by("pk")
        .first()
    )
    if client is None:
        return
    session = (
        Session.objects.filter(client=client, status=Session.Status.ATTENDED, starts_at__lt=now)
        .order_by("-starts_at")
        .first()
    )
    note = ProgressNote.objects.create(
        client=client,
        author=rivera.user,
        format=ProgressNote.Format.SOAP,
        sections={"subjective": "", "objective": "", "assessment": "", "plan": ""},
        session=session,
        created_at=now - dt.timedelta(minutes=20),
    )
    _draft(note, BULLET_SETS[0], now - dt.timedelta(minutes=10))
