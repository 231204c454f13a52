"""HTTP API for sessions, progress notes (draft -> signed -> addenda) and psychotherapy notes.

Access: the care team (primary, co-therapist, supervisor) reads; the primary and co-therapist
write (a supervisor who can see the record gets 403 on writes); everyone else, including
managers, admins and the client, gets 404. Psychotherapy notes are visible to their author only.
Lists are newest first.

Every record comes from `clients.selectors` / `sessions.selectors` (`client_for_read`,
`note_for_write`, ...), which scope it, raise NotFound/Forbidden and record clinical reads;
these views validate input, call one service and serialize.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clients.selectors import client_for_read, client_for_write
from practice.bounds import BoundedDateTimeField
from practice.permissions import capability_required
from practice.roles import Capability
from sessions import selectors
from sessions.models import NoteAddendum, ProgressNote, PsychotherapyNote, Session
from sessions.services import notes as note_services
from sessions.services import scheduling

# Reads also open to an admin's active break-glass grant (clinical_scope limits them to the
# granted client); writes never are.
ClinicalOnly = capability_required(Capability.VIEW_CLINICAL, break_glass_read=True)
# Psychotherapy notes: their author only, break-glass or not.
CareTeamOnly = capability_required(Capability.VIEW_CLINICAL)


# ---------------------------------------------------------------- output serializers


def member_id(user) -> int | None:
    """API.md names people by member id (Membership.pk), not by user id."""
    if user is None:
        return None
    membership = user.membership_or_none
    return membership.pk if membership else None


def person_name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.email


class SessionSerializer(serializers.ModelSerializer):
    therapist_name = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField(help_text="The join link of a video session, else empty.")
    # Declared so the schema admits the "" of a session nobody cancelled (read-only fields of a
    # ModelSerializer lose the model field's blank=True).
    cancelled_by = serializers.ChoiceField(choices=Session.CancelledBy.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Session
        fields = (
            "id",
            "client",
            "therapist",
            "therapist_name",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "kind",
            "status",
            "status_changed_at",
            "series",
            "cancelled_by",
            "cancellation_reason",
            "created_at",
            "updated_at",
            "modality",
            "video_url",
        )
        read_only_fields = fields

    def get_video_url(self, session: Session) -> str:
        from sessions.reminders import policy_for
        from sessions.telehealth import video_url

        if session.modality != Session.Modality.VIDEO:
            return ""
        # One policy read per response, not per row.
        cache = self._policies if hasattr(self, "_policies") else self.__dict__.setdefault("_policies", {})
        practice_id = session.client.practice_id
        if practice_id not in cache:
            cache[practice_id] = policy_for(practice_id)
        return video_url(session, cache[practice_id])

    def get_therapist_name(self, session: Session) -> str | None:
        return person_name(session.therapist.user) if session.therapist_id else None

    def get_ends_at(self, session: Session) -> datetime:
        return session.starts_at + timedelta(minutes=session.duration_minutes)


class AddendumSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = NoteAddendum
        fields = (
            "id",
            "note",
            "text",
            "author",
            "author_name",
            "created_at",
            "signed_at",
        )
        read_only_fields = fields

    def get_author(self, addendum: NoteAddendum) -> int | None:
        return member_id(addendum.author)

    def get_author_name(self, addendum: NoteAddendum) -> str | None:
        return person_name(addendum.author)


class NoteSerializer(serializers.ModelSerializer):
    sections = serializers.SerializerMethodField()
    goals = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    signed_by = serializers.SerializerMethodField()
    signed_by_name = serializers.SerializerMethodField()
    cosigned_by = serializers.SerializerMethodField()
    cosigned_by_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    addenda = AddendumSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressNote
        fields = (
            "id",
            "client",
            "session",
            "format",
            "sections",
            "goals",
            "status",
            "version",
            "author",
            "author_name",
            "signed_at",
            "signed_by",
            "signed_by_name",
            "cosigned_at",
            "cosigned_by",
            "cosigned_by_name",
            "overdue",
            "addenda",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_sections(self, note: ProgressNote) -> dict[str, str]:
        # Every section of the format, in order; a draft's unwritten sections are "".
        stored = note.sections or {}
        return {name: stored.get(name, "") for name in note_services.FORMAT_SECTIONS.get(note.format, tuple(stored))}

    def get_goals(self, note: ProgressNote) -> list[int]:
        return sorted(goal.pk for goal in note.goals.all())

    def get_author(self, note: ProgressNote) -> int | None:
        return member_id(note.author)

    def get_author_name(self, note: ProgressNote) -> str | None:
        return person_name(note.author)

    def get_signed_by(self, note: ProgressNote) -> int | None:
        return member_id(note.signed_by)

    def get_signed_by_name(self, note: ProgressNote) -> str | None:
        return person_name(note.signed_by)

    def get_cosigned_by(self, note: ProgressNote) -> int | None:
        return member_id(note.cosigned_by)

    def get_cosigned_by_name(self, note: ProgressNote) -> str | None:
        return person_name(note.cosigned_by)

    def get_overdue(self, note: ProgressNote) -> bool:
        return selectors.is_note_overdue(note)


class PsychotherapyNoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = PsychotherapyNote
        fields = (
            "id",
            "client",
            "session",
            "text",
            "author",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_author(self, note: PsychotherapyNote) -> int | None:
        return member_id(note.author)


# ---------------------------------------------------------------- input serializers


class StrictTextField(serializers.CharField):
    """Text only: numbers and booleans are refused rather than turned into strings."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SessionInputSerializer(serializers.Serializer):
    starts_at = BoundedDateTimeField()
    duration_minutes = serializers.IntegerField(
        min_value=scheduling.MIN_DURATION_MINUTES,
        max_value=scheduling.MAX_DURATION_MINUTES,
        default=50,
    )
    kind = serializers.ChoiceField(choices=Session.Kind.choices, default=Session.Kind.INDIVIDUAL)
    status = serializers.ChoiceField(choices=Session.Status.choices, default=Session.Status.SCHEDULED)
    modality = serializers.ChoiceField(choices=Session.Modality.choices, default=Session.Modality.IN_PERSON)
    # Issue 14: a cancellation's reason and who cancelled; an intended overlap's reason; the
    # confirmation of a time outside working hours. Optional; refusals are 400 field errors.
    cancellation_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    cancelled_by = serializers.ChoiceField(choices=Session.CancelledBy.choices, required=False)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500, write_only=True)
    confirm_outside_hours = serializers.BooleanField(required=False, default=False, write_only=True)


def sections_field() -> serializers.DictField:
    return serializers.DictField(
        required=False,
        child=StrictTextField(
            allow_blank=True,
            trim_whitespace=False,
            max_length=note_services.MAX_SECTION_CHARS,
        ),
        help_text="Section name -> text. soap: subjective, objective, assessment, plan; dap: data, assessment, "
        "plan; birp: behavior, intervention, response, plan; free: text.",
    )


class NoteCreateSerializer(serializers.Serializer):
    session = serializers.IntegerField(required=False, allow_null=True, help_text="One of this client's sessions")
    format = serializers.ChoiceField(choices=ProgressNote.Format.choices)
    sections = sections_field()
    goals = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Goal ids of this client's plan",
    )


class NoteUpdateSerializer(serializers.Serializer):
    sections = sections_field()
    session = serializers.IntegerField(required=False, allow_null=True)
    goals = serializers.ListField(child=serializers.IntegerField(), required=False)
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version you read; a mismatch is 409")

    def validate(self, attrs):
        # Refused rather than ignored: a silently dropped change looks like a saved one.
        if "format" in self.initial_data:
            raise serializers.ValidationError({"format": ["A note's format cannot change; start a new note instead."]})
        if "status" in self.initial_data:
            raise serializers.ValidationError({"status": ["Sign a note with POST /api/v1/notes/{id}/sign/."]})
        return attrs


class AddendumInputSerializer(serializers.Serializer):
    text = StrictTextField(max_length=note_services.MAX_TEXT_CHARS)


class PsychotherapyNoteInputSerializer(serializers.Serializer):
    text = StrictTextField(max_length=note_services.MAX_TEXT_CHARS)
    session = serializers.IntegerField(required=False, allow_null=True)


# ---------------------------------------------------------------- query parameters


def status_filter(request, choices) -> str | None:
    value = request.query_params.get("status")
    if value and value not in choices:
        raise exceptions.ValidationError({"status": [f"Status must be one of: {', '.join(choices)}."]})
    return value or None


# ---------------------------------------------------------------- sessions


class ClientSessionListView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = Session.objects.none()  # schema only
    serializer_class = SessionSerializer

    @extend_schema(
        description="The client's session history, newest first.",
        parameters=[OpenApiParameter("status", str, enum=Session.Status.values)],
        responses={200: SessionSerializer(many=True)},
    )
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        queryset = selectors.sessions_for_client(client=client, status=status_filter(request, Session.Status.values))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(request=SessionInputSerializer, responses={201: SessionSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = scheduling.session_create(client=client, actor=request.user, **data.validated_data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetailView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = Session.objects.none()  # schema only
    serializer_class = SessionSerializer

    @extend_schema(responses={200: SessionSerializer})
    def get(self, request, pk):
        return Response(SessionSerializer(selectors.session_for_read(user=request.user, session_id=pk)).data)

    @extend_schema(request=SessionInputSerializer(partial=True), responses={200: SessionSerializer})
    def patch(self, request, pk):
        session = selectors.session_for_write(user=request.user, session_id=pk)
        data = SessionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        scheduling.session_update(session=session, actor=request.user, data=dict(data.validated_data))
        return Response(SessionSerializer(selectors.session_for_read(user=request.user, session_id=pk)).data)


# ---------------------------------------------------------------- progress notes


def note_response(note_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    # Re-read with the eager loading of the list so the body reflects exactly what was stored.
    note = selectors.notes_queryset().get(pk=note_id)
    return Response(NoteSerializer(note).data, status=code)


class ClientNoteListView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = ProgressNote.objects.none()  # schema only
    serializer_class = NoteSerializer

    @extend_schema(
        description="The client's progress notes with addenda, newest first.",
        parameters=[OpenApiParameter("status", str, enum=ProgressNote.Status.values)],
        responses={200: NoteSerializer(many=True)},
    )
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        queryset = selectors.notes_for_client(
            client=client,
            actor=request.user,
            status=status_filter(request, ProgressNote.Status.values),
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(NoteSerializer(page, many=True).data)

    @extend_schema(request=NoteCreateSerializer, responses={201: NoteSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = NoteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_services.note_create(client=client, actor=request.user, **data.validated_data)
        return note_response(note.pk, code=status.HTTP_201_CREATED)


class NoteDetailView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = ProgressNote.objects.none()  # schema only
    serializer_class = NoteSerializer

    @extend_schema(responses={200: NoteSerializer})
    def get(self, request, pk):
        note = selectors.note_for_read(user=request.user, note_id=pk)
        return Response(NoteSerializer(note).data)

    @extend_schema(
        description="Edit a draft (only its author). Sections sent replace those sections; others stay. "
        "A signed note is 409 and nothing changes; a stale `version` is 409.",
        request=NoteUpdateSerializer,
        responses={200: NoteSerializer},
    )
    def patch(self, request, pk):
        note = selectors.note_for_write(user=request.user, note_id=pk)
        data = NoteUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note_services.note_update(note=note, actor=request.user, **data.validated_data)
        return note_response(note.pk)


class NoteSignView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = ProgressNote.objects.none()  # schema only
    serializer_class = NoteSerializer

    @extend_schema(
        description="The author attests the note; it is immutable afterwards. Signing twice is 409.",
        request=None,
        responses={200: NoteSerializer},
    )
    def post(self, request, pk):
        note = selectors.note_for_write(user=request.user, note_id=pk)
        note_services.note_sign(note=note, actor=request.user)
        return note_response(note.pk)


class NoteCosignView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = ProgressNote.objects.none()  # schema only
    serializer_class = NoteSerializer

    @extend_schema(
        description="The client's supervisor co-signs a signed note.",
        request=None,
        responses={200: NoteSerializer},
    )
    def post(self, request, pk):
        note = selectors.note_for_cosign(user=request.user, note_id=pk)
        note_services.note_cosign(note=note, actor=request.user)
        return note_response(note.pk)


class NoteAddendumView(GenericAPIView):
    permission_classes = (ClinicalOnly,)
    queryset = ProgressNote.objects.none()  # schema only
    serializer_class = AddendumSerializer

    @extend_schema(
        description="Append a signed, timestamped correction to a signed note (a draft is 409).",
        request=AddendumInputSerializer,
        responses={201: AddendumSerializer},
    )
    def post(self, request, pk):
        note = selectors.note_for_write(user=request.user, note_id=pk)
        data = AddendumInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = note_services.addendum_create(note=note, actor=request.user, text=data.validated_data["text"])
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- psychotherapy notes


class ClientPsychotherapyNoteListView(GenericAPIView):
    permission_classes = (CareTeamOnly,)
    queryset = PsychotherapyNote.objects.none()  # schema only
    serializer_class = PsychotherapyNoteSerializer

    @extend_schema(
        description="The caller's own psychotherapy notes about this client (never a colleague's), newest first.",
        responses={200: PsychotherapyNoteSerializer(many=True)},
    )
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        queryset = selectors.psychotherapy_notes_for_client(client=client, actor=request.user)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PsychotherapyNoteSerializer(page, many=True).data)

    @extend_schema(
        request=PsychotherapyNoteInputSerializer,
        responses={201: PsychotherapyNoteSerializer},
    )
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = PsychotherapyNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_services.psychotherapy_note_create(client=client, actor=request.user, **data.validated_data)
        return Response(PsychotherapyNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class PsychotherapyNoteDetailView(GenericAPIView):
    permission_classes = (CareTeamOnly,)
    queryset = PsychotherapyNote.objects.none()  # schema only
    serializer_class = PsychotherapyNoteSerializer

    @extend_schema(responses={200: PsychotherapyNoteSerializer})
    def get(self, request, pk):
        # Scoped to the author: anyone else, whatever their role, gets 404.
        note = selectors.psychotherapy_note_for_read(user=request.user, note_id=pk)
        return Response(PsychotherapyNoteSerializer(note).data)

    @extend_schema(
        request=PsychotherapyNoteInputSerializer(partial=True),
        responses={200: PsychotherapyNoteSerializer},
    )
    def patch(self, request, pk):
        note = selectors.psychotherapy_note_for_write(user=request.user, note_id=pk)
        data = PsychotherapyNoteInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        note_services.psychotherapy_note_update(note=note, actor=request.user, **data.validated_data)
        return Response(PsychotherapyNoteSerializer(note).data)
