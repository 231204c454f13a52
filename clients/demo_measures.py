"""Demo data for measurement-based care (issue 16), called once from seed_demo.

Every active demo client gets the practice's default protocol (its schedules; they are past
intake, so no intake questionnaires) and a session booked this week, the questionnaires for their next session within the
week are opened now (so each has something due in the portal and on the chart), and the first
client gets a shared progress report with a comment written by their therapist.
"""

from __future__ import annotations

import datetime as dt
import random

from clients.models import Client
from clients.questionnaires import create_due_questionnaires
from clients.services.protocols import apply_measurement_protocol, protocol_for
from practice.models import Practice

DEMO_COMMENT = (
    "We have been working on getting back to the things you used to enjoy. Your mood scores have come down "
    "since we started; let's look at what has helped most and plan the next few weeks."
)


def seed_measures(practice: Practice, rng: random.Random, now: dt.datetime) -> None:
    from clients.progress import progress_report_share
    from sessions.models import Session

    protocol_for(practice)
    active = list(Client.objects.filter(practice=practice, status=Client.Status.ACTIVE).order_by("pk"))
    for index, client in enumerate(active):
        apply_measurement_protocol(client=client, actor=None, now=now, open_intake=False)
        # Long courses were seeded without a next appointment: book one in the coming days.
        upcoming = client.sessions.filter(starts_at__gt=now, starts_at__lte=now + dt.timedelta(days=7))
        if not upcoming.exists():
            Session.objects.create(
                client=client,
                therapist=client.primary_therapist,
                starts_at=now + dt.timedelta(days=1 + index % 6, hours=rng.choice([1, 3, 5])),
                status=Session.Status.SCHEDULED,
            )
    # A week's window for the demo only: every client with a session this week has theirs open now.
    create_due_questionnaires(now=now, horizon=dt.timedelta(days=7))
    first = Client.objects.filter(practice=practice, user__email="client01@northside.example").first()
    if first is not None and not first.is_discharged and first.primary_therapist is not None:
        progress_report_share(client=first, actor=first.primary_therapist.user, comment=DEMO_COMMENT)
