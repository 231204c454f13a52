"""A full practice data set (every kind of record an API route takes by id), for the
cross-practice replay (tests/test_bola_replay.py) and the schema conformance run
(tests/practice/test_schema_conformance.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients.models import (
    Assessment,
    BreakGlassGrant,
    Consent,
    ConsentKind,
    DueQuestionnaire,
    Goal,
    MeasureSchedule,
    ProgressReport,
)
from clients.services.consents import consent_text_publish
from insights.models import AiSuggestion, Alert
from practice.models import Membership, StaffInvite, User
from practice.roles import Role
from sessions.models import (
    CheckIn,
    HomeworkSubmission,
    Message,
    NoteDraft,
    NoteTemplate,
    PsychotherapyNote,
    Session,
    Supervision,
    TimeOff,
)
from sessions.services.availability import feed_token_regenerate
from tests.conftest import PASSWORD
from tests.factories import (
    ClientFactory,
    HomeworkAssignmentFactory,
    HomeworkTemplateFactory,
    MembershipFactory,
    ProgressNoteFactory,
    SessionFactory,
)

ROLES = ("therapist", "manager", "admin", "client")

# The URL segment before an `<int:pk>` names the kind of record the route takes.
SEGMENT_KIND = {
    "members": "member",
    "clients": "client",
    "goals": "goal",
    "break-glass": "grant",
    "sessions": "session",
    "notes": "note",
    "psychotherapy-notes": "psychotherapy_note",
    "templates": "homework_template",
    "homework": "assignment",
    "alerts": "alert",
    "suggestions": "suggestion",
    "appointments": "appointment",
    "staff": "member",
    "invites": "staff_invite",
    "time-off": "time_off",
    "inbox": "client",  # an inbox thread is the client's
    "supervisees": "supervisee",
    "note-templates": "note_template",
    "note-drafts": "note_draft",
}

# Kinds whose value is the same vocabulary in every practice (a consent kind, an instrument
# code): not any practice's record, so not a cross-practice id. The replay keeps them as they
# are (in the missing-id baseline too) and lets the route's id keyword carry the check; a
# route taking nothing but constants is checked to reveal nothing of the other practice's.
CONSTANT_KINDS = frozenset({"consent_kind", "instrument"})


@dataclass
class PracticeData:
    users: dict[str, User]
    ids: dict[str, int | str]
    practice_id: int
    extra: dict = field(default_factory=dict)


def build_practice_data(practice, *, label: str) -> PracticeData:
    """Staff of every role, a portal client and one record of every kind for that client."""

    def member(role: str, name: str) -> Membership:
        membership = MembershipFactory(practice=practice, role=role, user__email=f"{name}@{label}.example")
        membership.user.set_password(PASSWORD)
        membership.user.save(update_fields=["password"])
        return membership

    therapist = member(Role.THERAPIST, "therapist")
    manager = member(Role.MANAGER, "manager")
    admin = member(Role.ADMIN, "admin")
    spare = member(Role.THERAPIST, "spare")  # the member routes act on this one
    now = timezone.now()

    client = ClientFactory(practice=practice, primary_therapist=therapist, first_name=f"{label.title()}Client")
    portal_user = User.objects.create_user(email=f"client@{label}.example", password=PASSWORD)
    Membership.objects.create(user=portal_user, practice=practice, role=Role.CLIENT)
    client.user = portal_user
    client.save(update_fields=["user"])
    for kind in (Consent.Kind.PORTAL, Consent.Kind.AI_PROCESSING):
        Consent.objects.create(client=client, kind=kind)

    session = SessionFactory(client=client, therapist=therapist)
    note = ProgressNoteFactory(client=client, author=therapist.user, session=session)
    note_draft = NoteDraft.objects.create(
        note=note,
        client=client,
        requested_by=therapist.user,
        status=NoteDraft.Status.READY,
        backend="structured",
        layout=[{"key": "data", "heading": "Data"}],
        sources=[{"key": "b1", "kind": "bullet", "text": f"Slept better {label}", "label": "Your bullet 1"}],
        sentences=[
            {"section": "data", "text": f"Client reports slept better {label}.", "sources": ["b1"], "supported": True}
        ],
    )
    psychotherapy_note = PsychotherapyNote.objects.create(
        client=client, author=therapist.user, text=f"Process note {label}"
    )
    goal = Goal.objects.create(client=client, problem="Sleep", description=f"Sleep 7 hours {label}")
    template = HomeworkTemplateFactory(practice=practice, title=f"Sleep diary {label}", kind="journal")
    assignment = HomeworkAssignmentFactory(client=client, template=template, title=f"Diary {label}")
    HomeworkSubmission.objects.create(assignment=assignment, responses={"text": "Slept badly."}, submitted_at=now)
    CheckIn.objects.create(client=client, mood=5, note=f"Tired {label}")
    Message.objects.create(client=client, sender=therapist.user, body=f"How was the week, {label}?")
    assessment = Assessment.objects.create(
        client=client, instrument="phq9", version="phq9_v1", answers=[1] * 9, result={"severity": "mild"}, total=9
    )
    MeasureSchedule.objects.create(client=client, instrument="phq9")
    due = DueQuestionnaire.objects.create(
        client=client, instrument="gad7", due_at=now, expires_at=now + dt.timedelta(days=3)
    )
    alert = Alert.objects.create(
        client=client,
        kind=Alert.Kind.MEASURE_FLAG,
        severity=Alert.Severity.CONCERN,
        reason=f"PHQ-9 rose {label}",
        acknowledge_by=now + dt.timedelta(hours=24),
    )
    suggestion = AiSuggestion.objects.create(
        client=client,
        kind=AiSuggestion.Kind.HOMEWORK_RECOMMENDATION,
        payload={"template": {"id": template.pk, "title": template.title, "kind": template.kind}, "rank": 1},
        reasons=["Fits the presenting concerns."],
        inputs={"client_id": client.pk, "homework_template_id": template.pk},
        method="embedding-similarity+kind-completion",
        version="recommend_v1",
    )
    grant = BreakGlassGrant.objects.create(
        client=client, granted_to=admin, reason="Covering an emergency", expires_at=now + dt.timedelta(hours=1)
    )
    # An upcoming video appointment (the portal's and /me/appointments/' routes, the video room).
    appointment = SessionFactory(
        client=client,
        therapist=therapist,
        starts_at=now + dt.timedelta(days=3),
        status=Session.Status.SCHEDULED,
        modality=Session.Modality.VIDEO,
        video_room=f"room-{label}-{hashlib.sha256(f'{practice.pk}-{label}'.encode()).hexdigest()[:16]}",
    )
    invite = StaffInvite.objects.create(
        practice=practice,
        email=f"invitee@{label}.example",
        first_name=f"Invitee {label}",
        role=Role.THERAPIST,
        token_hash=hashlib.sha256(f"invite-{practice.pk}-{label}".encode()).hexdigest(),
        created_by=admin.user,
        expires_at=now + dt.timedelta(days=7),
    )
    time_off = TimeOff.objects.create(
        membership=therapist,
        first_day=(now + dt.timedelta(days=30)).date(),
        last_day=(now + dt.timedelta(days=31)).date(),
        label=f"Away {label}",
    )
    note_template = NoteTemplate.objects.create(
        practice=practice,
        name=f"Intake {label}",
        sections=[{"key": "presenting", "heading": "Presenting issue", "prompt": f"What brings you {label}?"}],
        created_by=therapist.user,
    )
    Supervision.objects.create(supervisor=spare, supervisee=therapist)
    report = ProgressReport.objects.create(
        client=client,
        content={"summary": f"Progress {label}"},
        comment=f"Going well {label}",
        created_by=therapist.user,
        shared_at=now,
    )
    consent_text_publish(
        practice_id=practice.pk,
        kind=ConsentKind.PORTAL,
        title=f"Portal consent {label}",
        body=f"The {label} practice's portal wording.",
        actor=admin.user,
    )
    feed_token = feed_token_regenerate(membership=therapist, actor=therapist.user)
    return PracticeData(
        users={"therapist": therapist.user, "manager": manager.user, "admin": admin.user, "client": portal_user},
        ids={
            "member": spare.pk,
            "client": client.pk,
            "goal": goal.pk,
            "grant": grant.pk,
            "session": session.pk,
            "note": note.pk,
            "psychotherapy_note": psychotherapy_note.pk,
            "homework_template": template.pk,
            "assignment": assignment.pk,
            "alert": alert.pk,
            "suggestion": suggestion.pk,
            "assessment": assessment.pk,
            "due_questionnaire": due.pk,
            "appointment": appointment.pk,
            "staff_invite": invite.pk,
            "time_off": time_off.pk,
            "supervisee": therapist.pk,
            "note_template": note_template.pk,
            "note_draft": note_draft.pk,
            "progress_report": report.pk,
            "video_room": appointment.video_room,
            "feed_token": feed_token,
            # A reset link for the therapist: the user's id, and a token valid for it.
            "reset_uid": urlsafe_base64_encode(force_bytes(therapist.user.pk)),
            "reset_token": default_token_generator.make_token(therapist.user),
            "consent_kind": ConsentKind.PORTAL.value,
            "instrument": "phq9",
        },
        practice_id=practice.pk,
    )


# A URL keyword other than `pk` names its kind itself.
KWARG_KIND = {
    "assignment_id": "assignment",
    "due_id": "due_questionnaire",
    "report_id": "progress_report",
    "session_id": "appointment",
    "room": "video_room",
    "uidb64": "reset_uid",
    "kind": "consent_kind",
    "instrument": "instrument",
}
# `token` is a different secret on each route that takes one.
TOKEN_KIND = {"calendar/feed/": "feed_token", "accounts/password/reset/": "reset_token"}


def kind_for_kwarg(route: str, kwarg: str) -> str | None:
    """The record kind a route's id keyword takes (None: the test does not know it)."""
    if kwarg == "token":
        return next((kind for prefix, kind in TOKEN_KIND.items() if route.startswith(prefix)), None)
    if kwarg != "pk":
        return KWARG_KIND.get(kwarg)
    segments = route.strip("/").split("/")
    index = segments.index("<int:pk>")
    return SEGMENT_KIND.get(segments[index - 1]) if index else None
