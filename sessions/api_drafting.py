"""HTTP API of the documentation assistant (issue 18 part 2): note drafts.

- `POST /api/v1/notes/{id}/drafts/` `{"bullets": "one a line"}` -> 202, the draft (queued; with
  no broker the embedded drafter has usually finished: "ready").
- `GET /api/v1/note-drafts/{id}/` -> the draft: status and progress, sentences with their
  sources and the faithfulness verdict, backend/model/version, decision and edit distance.
- `POST /api/v1/note-drafts/{id}/insert/` `{"version"?}` -> 200: the supported sentences are
  appended to the note (a stale version is 409).
- `POST /api/v1/note-drafts/{id}/discard/` -> 200.

Access as for notes: the care team reads (404 for everyone else), the note's author writes (a
supervisor 403). Without the client's AI consent a request is 403 with the reason; a signed or
in-review note is 409. Psychotherapy notes have no drafts (their ids are not note ids here).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from sessions import selectors
from sessions.api_notes import ClinicalOnly
from sessions.models import NoteDraft
from sessions.services import drafting as drafting_services

AI_OUTPUT = "ai_suggestion"


class DraftSourceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="b1, b2, ... the therapist's bullets; f1, f2, ... facts from the record")
    kind = serializers.CharField()
    text = serializers.CharField()
    label = serializers.CharField()
    record = serializers.CharField(help_text="session, homework, checkins, assessment or alert ('' for a bullet)")
    record_id = serializers.IntegerField(allow_null=True)


class DraftSentenceSerializer(serializers.Serializer):
    section = serializers.CharField()
    text = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    supported = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class NoteDraftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    note = serializers.IntegerField()
    kind = serializers.CharField(help_text='Always "ai_suggestion"')
    status = serializers.ChoiceField(choices=NoteDraft.Status.values)
    progress = serializers.IntegerField()
    error = serializers.CharField()
    backend = serializers.CharField()
    model = serializers.CharField()
    version = serializers.CharField()
    layout = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    sources = DraftSourceSerializer(many=True)
    sentences = DraftSentenceSerializer(many=True)
    faithfulness = serializers.DictField()
    duration_ms = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    inserted_at = serializers.DateTimeField(allow_null=True, read_only=True)
    decision = serializers.ChoiceField(choices=NoteDraft.Decision.values)
    decided_at = serializers.DateTimeField(allow_null=True, read_only=True)
    draft_words = serializers.IntegerField(allow_null=True)
    edit_distance = serializers.IntegerField(allow_null=True)


def draft_body(draft: NoteDraft) -> dict[str, Any]:
    withheld = draft.status == NoteDraft.Status.WITHHELD
    return {
        "id": draft.pk,
        "note": draft.note_id,
        "kind": AI_OUTPUT,
        "status": draft.status,
        "progress": draft.progress,
        "error": draft.error,
        "backend": draft.backend,
        "model": draft.model,
        "version": draft.version,
        "layout": draft.layout or [],
        "sources": [
            {
                "key": source["key"],
                "kind": source["kind"],
                "text": source["text"],
                "label": source.get("label", ""),
                "record": source.get("record", ""),
                "record_id": source.get("record_id"),
            }
            for source in draft.sources or []
        ],
        # A withheld draft is not offered: its sentences are not shown.
        "sentences": []
        if withheld
        else [
            {
                "section": sentence["section"],
                "text": sentence["text"],
                "sources": sentence.get("sources") or [],
                "supported": bool(sentence.get("supported")),
                "problems": sentence.get("problems") or [],
            }
            for sentence in draft.sentences or []
        ],
        "faithfulness": draft.faithfulness or {},
        "duration_ms": draft.duration_ms,
        "created_at": draft.created_at,
        "inserted_at": draft.inserted_at,
        "decision": draft.decision,
        "decided_at": draft.decided_at,
        "draft_words": draft.draft_words,
        "edit_distance": draft.edit_distance,
    }


def _response(draft_id: int, code: int = status.HTTP_200_OK) -> Response:
    draft = NoteDraft.objects.get(pk=draft_id)
    return Response(NoteDraftSerializer(draft_body(draft)).data, status=code)


class DraftRequestSerializer(serializers.Serializer):
    bullets = serializers.CharField(
        allow_blank=True, max_length=20000, help_text="The therapist's bullet points, one a line"
    )


class DraftInsertSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text="The note version you read")


class NoteDraftRequestView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = NoteDraft.objects.none()  # schema only
    serializer_class = NoteDraftSerializer

    @extend_schema(
        description="Ask for an AI draft of a progress note from your bullets and the record since the last "
        "session. Needs the client's AI consent (403 otherwise); a signed note is 409.",
        request=DraftRequestSerializer,
        responses={202: NoteDraftSerializer},
    )
    def post(self, request, pk):
        note = selectors.note_for_write(user=request.user, note_id=pk)
        data = DraftRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = drafting_services.note_draft_request(
            note=note, actor=request.user, bullets=data.validated_data["bullets"]
        )
        return _response(draft.pk, status.HTTP_202_ACCEPTED)


class NoteDraftDetailView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = NoteDraft.objects.none()  # schema only
    serializer_class = NoteDraftSerializer

    @extend_schema(description="A note draft, its sources and the faithfulness verdict of each sentence.")
    def get(self, request, pk):
        draft = selectors.note_draft_for_read(user=request.user, draft_id=pk)
        return Response(NoteDraftSerializer(draft_body(draft)).data)


class NoteDraftInsertView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = NoteDraft.objects.none()  # schema only
    serializer_class = NoteDraftSerializer

    @extend_schema(
        description="Append the draft's supported sentences to the note (once; a stale version is 409).",
        request=DraftInsertSerializer,
        responses={200: NoteDraftSerializer},
    )
    def post(self, request, pk):
        draft = selectors.note_draft_for_write(user=request.user, draft_id=pk)
        data = DraftInsertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drafting_services.note_draft_insert(draft=draft, actor=request.user, version=data.validated_data.get("version"))
        return _response(draft.pk)


class NoteDraftDiscardView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = NoteDraft.objects.none()  # schema only
    serializer_class = NoteDraftSerializer

    @extend_schema(description="Set the draft aside (recorded as discarded).", request=None)
    def post(self, request, pk):
        draft = selectors.note_draft_for_write(user=request.user, draft_id=pk)
        drafting_services.note_draft_discard(draft=draft, actor=request.user)
        return _response(draft.pk)
