"""Web authorization matrix for the inbox, supervision, note templates and note printing.

`therapist` treats `client_record`; `supervisor` supervises it (reads its notes, may return
or co-sign a note in review, never replies to the client or edits a note: 403); `colleague`
and `outsider` get 404 for the client's records. The inbox and the review queue exist for any
therapist (their own). Note templates are practice library content: MANAGE_LIBRARY roles of
the practice (therapists, admins); another practice's template is 404.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from sessions.models import Message, NoteTemplate, ProgressNote
from tests.conftest import PHI_CANARY
from tests.factories import ProgressNoteFactory
from tests.web_authz import THERAPISTS, WebRow, only, run_web_row

GET_ON_POST_ONLY = only(405, *THERAPISTS)
LIBRARY = ("therapist", "supervisor", "colleague", "outsider", "admin")


def pk_of(name):
    return lambda ctx: {"pk": ctx[name].pk}


WEB_MATRIX = [
    # ---- inbox
    WebRow("inbox", "get", only(200, *THERAPISTS)),
    # A supervisor reads messages on the chart; the inbox thread (a reply form) is the care team's.
    WebRow("inbox", "get", only(200, "therapist", supervisor=403), query="client={client.pk}"),
    WebRow(
        "inbox-reply",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("client"),
        data=lambda ctx: {"body": "See you on Thursday."},
    ),
    WebRow("inbox-reply", "get", GET_ON_POST_ONLY, kwargs=pk_of("client")),
    WebRow("inbox-read", "post", only(302, "therapist", supervisor=403), kwargs=pk_of("client")),
    WebRow("inbox-read", "get", GET_ON_POST_ONLY, kwargs=pk_of("client")),
    # ---- supervision
    WebRow("supervision", "get", only(200, *THERAPISTS)),
    # Only the supervisor has the therapist as a supervisee; anyone else: 404, nothing stored.
    WebRow(
        "supervisee-setting",
        "post",
        only(404, *THERAPISTS, supervisor=302),
        kwargs=lambda ctx: {"pk": ctx["therapist_membership"].pk},
        data=lambda ctx: {"review_before_signing": "yes"},
    ),
    WebRow(
        "supervisee-setting",
        "get",
        GET_ON_POST_ONLY,
        kwargs=lambda ctx: {"pk": ctx["therapist_membership"].pk},
    ),
    WebRow(
        "note-submit",
        "post",
        only(302, "therapist", supervisor=403),
        kwargs=pk_of("draft"),
        data=lambda ctx: {"attest": "yes"},
    ),
    WebRow("note-submit", "get", GET_ON_POST_ONLY, kwargs=pk_of("draft")),
    WebRow(
        "note-return",
        "post",
        only(302, "supervisor", therapist=403),
        kwargs=pk_of("in_review"),
        data=lambda ctx: {"comment": "Say how the exposure went."},
    ),
    WebRow("note-return", "get", GET_ON_POST_ONLY, kwargs=pk_of("in_review")),
    WebRow("note-cosign", "post", only(302, "supervisor", therapist=403), kwargs=pk_of("in_review")),
    WebRow("note-cosign", "get", GET_ON_POST_ONLY, kwargs=pk_of("in_review")),
    # ---- print and PDF of a signed note (the care team, supervisor included)
    WebRow("note-print", "get", only(200, "therapist", "supervisor"), kwargs=pk_of("signed")),
    WebRow("note-pdf", "post", only(200, "therapist", "supervisor"), kwargs=pk_of("signed")),
    WebRow("note-pdf", "get", GET_ON_POST_ONLY, kwargs=pk_of("signed")),
    # ---- note templates
    WebRow("note-templates", "get", only(200, *LIBRARY)),
    WebRow(
        "note-templates",
        "post",
        only(302, *LIBRARY),
        data=lambda ctx: {"name": "Couples session", "heading": ["Each partner's view"], "prompt": [""]},
    ),
    WebRow("note-template-edit", "get", only(200, *LIBRARY, outsider=404), kwargs=pk_of("template")),
    WebRow(
        "note-template-edit",
        "post",
        only(302, *LIBRARY, outsider=404),
        kwargs=pk_of("template"),
        data=lambda ctx: {"name": "Intake", "heading": ["Reason for referral"], "prompt": [""], "is_active": "yes"},
    ),
]


@pytest.fixture
def ctx(actors, client_record, therapist, supervisor, client_user):
    Message.objects.create(client=client_record, sender=client_user, from_client=True, body=f"Hello {PHI_CANARY}")
    draft = ProgressNoteFactory(client=client_record, author=therapist, sections={"data": f"Said {PHI_CANARY}"})
    in_review = ProgressNoteFactory(
        client=client_record, author=therapist, status=ProgressNote.Status.IN_REVIEW, submitted_at=timezone.now()
    )
    signed = ProgressNoteFactory(
        client=client_record,
        author=therapist,
        status=ProgressNote.Status.SIGNED,
        signed_at=timezone.now(),
        signed_by=therapist,
    )
    template = NoteTemplate.objects.create(
        practice=therapist.membership.practice,
        name="Intake",
        sections=[{"key": "referral", "heading": "Reason for referral", "prompt": ""}],
    )
    return {
        "actors": actors,
        "client": client_record,
        "therapist_membership": therapist.membership,
        "draft": draft,
        "in_review": in_review,
        "signed": signed,
        "template": template,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("row", WEB_MATRIX, ids=lambda row: row.id)
def test_workspace_extras_authorization(row, ctx):
    run_web_row(row, ctx)
