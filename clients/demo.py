"""Demo data for onboarding: contact and emergency details, consent texts and the consents that
point at them, and two clients without a portal account yet (a pending and an expired invite).

Called once from `practice/management/commands/seed_demo.py` after the demo clients exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings

from clients.consent_texts import DEFAULT_CONSENT_TEXTS
from clients.models import Client, Consent, ConsentText, PortalInvite
from practice.models import Membership
from practice.roles import Role

EMERGENCY_FIRST_NAMES = ["Alex", "Jordan", "Sam", "Priya", "Tom", "Fatima", "Grace", "Luis", "Hana", "Owen"]
# Words that fit any of the names above (a "Grace Alvarez (son)" reads like a data error).
RELATIONSHIPS = ["partner", "parent", "sibling", "friend", "spouse", "adult child", "cousin", "neighbour", "flatmate"]
PRONOUNS = ["she/her", "he/him", "they/them", "", ""]
TREATMENT_V2_EXTRA = (
    "\n\nSessions last 50 minutes. If I cannot come, I will let the practice know at least 24 hours "
    "before; late cancellations may be charged."
)


def _texts(practice, editor: Membership | None, now: dt.datetime) -> dict[str, ConsentText]:
    """Version 1 (the built-in wording) of every kind, and a version 2 of the treatment consent
    written by a therapist last month (so some clients agreed to an older version)."""
    created = now - dt.timedelta(days=400)
    first = {
        kind: ConsentText.objects.create(
            practice=practice, kind=kind, version=1, title=text.title, body=text.body, created_at=created
        )
        for kind, text in DEFAULT_CONSENT_TEXTS.items()
    }
    treatment = DEFAULT_CONSENT_TEXTS["treatment"]
    ConsentText.objects.create(
        practice=practice,
        kind="treatment",
        version=2,
        title=treatment.title,
        body=treatment.body + TREATMENT_V2_EXTRA,
        created_by=editor.user if editor else None,
        created_at=now - dt.timedelta(days=30),
    )
    return first


def _invite(client: Client, by: Membership, *, sent: dt.datetime, opened: bool) -> str:
    raw = secrets.token_urlsafe(32)
    PortalInvite.objects.create(
        client=client,
        token_hash=hashlib.sha256(raw.encode()).hexdigest(),
        created_by=by.user,
        created_at=sent,
        expires_at=sent + settings.PORTAL_INVITE_TTL,
        sent_to=client.email,
        opened_at=sent + dt.timedelta(hours=3) if opened else None,
    )
    return raw


def seed_onboarding(practice, rng, *, now: dt.datetime, out=None) -> None:
    therapists = list(Membership.objects.filter(practice=practice, role=Role.THERAPIST).order_by("pk"))
    editor = therapists[0] if therapists else None
    texts = _texts(practice, editor, now)

    clients = list(Client.objects.filter(practice=practice).order_by("pk"))
    for index, client in enumerate(clients):
        client.pronouns = PRONOUNS[index % len(PRONOUNS)]
        client.emergency_contact_name = f"{rng.choice(EMERGENCY_FIRST_NAMES)} {client.last_name}"
        client.emergency_contact_relationship = rng.choice(RELATIONSHIPS)
        client.emergency_contact_phone = f"555-02{index:02d}"
        client.save(
            update_fields=[
                "pronouns",
                "emergency_contact_name",
                "emergency_contact_relationship",
                "emergency_contact_phone",
            ]
        )

    # Every seeded consent points at the text it accepted (version 1: they predate version 2).
    for kind, text in texts.items():
        Consent.objects.filter(client__practice=practice, kind=kind, text__isnull=True).update(text=text, version="v1")
    # Some clients signed the AI consent themselves in the portal; one changed their mind.
    ai_consents = list(Consent.objects.filter(client__practice=practice, kind="ai_processing").select_related("client"))
    for index, consent in enumerate(ai_consents):
        if index % 3 == 0:
            consent.method = Consent.Method.PORTAL_SIGNATURE
            consent.signature_name = consent.client.full_name
            consent.recorded_by_id = consent.client.user_id
            consent.save(update_fields=["method", "signature_name", "recorded_by"])
    if ai_consents:
        changed_mind = ai_consents[-1]
        changed_mind.revoked_at = now - dt.timedelta(days=6)
        changed_mind.revoked_by_id = changed_mind.client.user_id
        changed_mind.save(update_fields=["revoked_at", "revoked_by"])

    if editor is None:
        return
    # Two new clients of the first therapist, not yet in the portal.
    newcomers = []
    for first, last, email, dob in [
        ("Noor", "Farah", "noor.farah@example.org", dt.date(1994, 5, 17)),
        ("Tomás", "Reyes", "tomas.reyes@example.org", dt.date(1987, 11, 2)),
    ]:
        client = Client.objects.create(
            practice=practice,
            first_name=first,
            last_name=last,
            pronouns="she/her" if first == "Noor" else "he/him",
            date_of_birth=dob,
            email=email,
            phone="555-0190" if first == "Noor" else "555-0191",
            emergency_contact_name="Karim Farah" if first == "Noor" else "Lucía Reyes",
            emergency_contact_relationship="brother" if first == "Noor" else "wife",
            emergency_contact_phone="555-0290" if first == "Noor" else "555-0291",
            status=Client.Status.ACTIVE,
            referred_at=(now - dt.timedelta(days=21)).date(),
            intake_date=(now - dt.timedelta(days=12)).date(),
            primary_therapist=editor,
            created_at=now - dt.timedelta(days=12),
        )
        treatment = ConsentText.objects.get(practice=practice, kind="treatment", version=2)
        Consent.objects.create(
            client=client,
            kind="treatment",
            version="v2",
            text=treatment,
            granted_at=now - dt.timedelta(days=12),
            recorded_by=editor.user,
        )
        newcomers.append(client)
    pending = _invite(newcomers[0], editor, sent=now - dt.timedelta(days=1), opened=False)
    _invite(newcomers[1], editor, sent=now - dt.timedelta(days=10), opened=True)
    if out is not None:
        out.write(
            "  pending portal invitation (Noor Farah, a client of Elena Rivera): "
            f"http://127.0.0.1:8000/portal/accept-invite/?token={pending}"
        )
