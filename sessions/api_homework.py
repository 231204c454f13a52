"""HTTP API for homework, check-ins, messages and the client's crisis resources.

Records come from the selectors, never from a queryset here: staff routes through
`clients.selectors.client_for_read/client_for_write` and `sessions.selectors.homework_for_*`,
`/me/` routes through `clients.selectors.client_for_portal` (the signed-in client's own
record). Out of scope is 404; the selectors record the reads. Policies (see the tests):
- a client whose portal consent is revoked gets 403 "Your portal access has been withdrawn"
  on every /me/ route except crisis resources, which are never withheld;
- a discharged client's portal is read-only: writes are 409;
- `crisis_resources` and `risk_level` appear in a response only when risk was detected,
  including on a 400 whose rejected text was risky (the alert is raised all the same).
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Goal
from clients.selectors import client_for_portal, client_for_read, client_for_write
from insights.safety import ScreeningOutcome, crisis_resources_for
from practice.api_rows import ValuesPagination, datetime_text
from practice.bounds import BoundedDateTimeField
from practice.permissions import IsClientUser, capability_required
from practice.roles import Capability
from sessions import selectors
from sessions.models import (
    CheckIn,
    HomeworkAssignment,
    HomeworkSubmission,
    HomeworkTemplate,
)
from sessions.services import checkins as checkin_services
from sessions.services import homework as homework_services
from sessions.services.homework import InvalidInput, effective_fields

LibraryAccess = capability_required(
    Capability.VIEW_CLINICAL,
    Capability.VIEW_ROSTER,
    Capability.MANAGE_LIBRARY,
    write=(Capability.MANAGE_LIBRARY,),
)
# Reads also open to an admin's active break-glass grant (clinical_scope limits them to the
# granted client); writes never are.
ClinicalOnly = capability_required(Capability.VIEW_CLINICAL, break_glass_read=True)
STATUS_VALUES = [value for value, _ in HomeworkAssignment.Status.choices]
RISK_KEYS = inline_serializer(
    "RiskFields",
    {
        "crisis_resources": serializers.ListField(child=serializers.DictField(), required=False),
        "risk_level": serializers.CharField(required=False),
    },
)


# ---------------------------------------------------------------------------
# Helpers


def with_risk(payload: dict, outcome: ScreeningOutcome) -> dict:
    """Crisis resources ride along only when something was detected."""
    if outcome.flagged:
        payload["crisis_resources"] = outcome.crisis_resources
        payload["risk_level"] = outcome.level
    return payload


def invalid_response(error: InvalidInput) -> Response:
    return Response(
        with_risk(dict(error.errors), error.screening),
        status=status.HTTP_400_BAD_REQUEST,
    )


def attempt(service, **kwargs):
    """Run a service; (result, None) or (None, a 400 response built from its field errors)."""
    try:
        return service(**kwargs), None
    except InvalidInput as error:
        return None, invalid_response(error)


def submissions_of(assignment: HomeworkAssignment) -> list[HomeworkSubmission]:
    cached = getattr(assignment, "ordered_submissions", None)
    return cached if cached is not None else list(assignment.submissions.order_by("created_at", "id"))


def status_filter(request) -> str | None:
    wanted = request.query_params.get("status")
    if wanted and wanted not in STATUS_VALUES:
        raise exceptions.ValidationError({"status": [f"Status must be one of: {', '.join(STATUS_VALUES)}."]})
    return wanted or None


# ---------------------------------------------------------------------------
# Serializers


class TemplateSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    fields = serializers.SerializerMethodField(method_name="get_schema")

    class Meta:
        model = HomeworkTemplate
        fields = (
            "id",
            "title",
            "kind",
            "description",
            "instructions",
            "fields",
            "tags",
            "is_builtin",
            "is_active",
            "created_at",
        )

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_schema(self, template) -> list:
        return effective_fields(template.kind, template.fields)


class TemplateWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.CharField(
        max_length=20,
        help_text="thought_record|activity_log|exposure_log|journal|worksheet|checklist",
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    instructions = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    fields = serializers.JSONField(
        required=False,
        help_text="Field schema (worksheet, checklist); checklists also accept a list of item texts",
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=20, required=False)
    is_active = serializers.BooleanField(required=False)


class SubmissionBriefSerializer(serializers.ModelSerializer):
    draft = serializers.BooleanField(source="is_draft")

    class Meta:
        model = HomeworkSubmission
        fields = ("id", "responses", "draft", "submitted_at", "updated_at")


class AssignmentBaseSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    status = serializers.CharField()
    fields = serializers.SerializerMethodField(method_name="get_schema")
    submissions = serializers.SerializerMethodField(help_text="Number of final (non-draft) submissions")

    class Meta:
        model = HomeworkAssignment
        fields = (
            "id", "client", "template", "title", "kind", "fields", "instructions", "due_at", "status", "goal",
            "series", "created_at", "completed_at", "feedback", "feedback_at", "submissions",
        )  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_schema(self, assignment) -> list:
        return effective_fields(assignment.kind, assignment.fields)

    def get_submissions(self, assignment) -> int:
        return sum(1 for submission in submissions_of(assignment) if not submission.is_draft)


class TherapistAssignmentSerializer(AssignmentBaseSerializer):
    """The therapist's view: the latest finished submission; drafts stay the client's own."""

    has_draft = serializers.SerializerMethodField()
    latest_submission = serializers.SerializerMethodField()

    class Meta(AssignmentBaseSerializer.Meta):
        fields = (
            *AssignmentBaseSerializer.Meta.fields,
            "assigned_by",
            "has_draft",
            "latest_submission",
        )

    def get_has_draft(self, assignment) -> bool:
        return any(submission.is_draft for submission in submissions_of(assignment))

    @extend_schema_field(SubmissionBriefSerializer(allow_null=True))
    def get_latest_submission(self, assignment):
        finals = [submission for submission in submissions_of(assignment) if not submission.is_draft]
        return SubmissionBriefSerializer(finals[-1]).data if finals else None


class ClientAssignmentSerializer(AssignmentBaseSerializer):
    """The client's view: their saved draft (to continue) and their finished submission."""

    draft = serializers.SerializerMethodField()
    submission = serializers.SerializerMethodField()

    class Meta(AssignmentBaseSerializer.Meta):
        fields = (*AssignmentBaseSerializer.Meta.fields, "draft", "submission")

    @extend_schema_field(SubmissionBriefSerializer(allow_null=True))
    def get_draft(self, assignment):
        drafts = [submission for submission in submissions_of(assignment) if submission.is_draft]
        return SubmissionBriefSerializer(drafts[-1]).data if drafts else None

    @extend_schema_field(SubmissionBriefSerializer(allow_null=True))
    def get_submission(self, assignment):
        finals = [submission for submission in submissions_of(assignment) if not submission.is_draft]
        return SubmissionBriefSerializer(finals[-1]).data if finals else None


class AssignedSerializer(TherapistAssignmentSerializer):
    occurrences = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Ids of every occurrence of a recurrence",
    )

    class Meta(TherapistAssignmentSerializer.Meta):
        fields = (*TherapistAssignmentSerializer.Meta.fields, "occurrences")


class AssignWriteSerializer(serializers.Serializer):
    template = serializers.IntegerField(required=False, allow_null=True, help_text="Library template id")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.CharField(max_length=20, required=False, allow_blank=True)
    fields = serializers.JSONField(required=False)
    instructions = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    due_at = BoundedDateTimeField()
    goal = serializers.IntegerField(required=False, allow_null=True)
    recurrence = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='{"frequency": "daily"|"weekly", "weekdays": [0-6], "weeks": 1-12}',
    )


class AssignmentUpdateSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, max_length=20, help_text='Only "cancelled"')
    feedback = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class SubmissionWriteSerializer(serializers.Serializer):
    responses = serializers.JSONField()
    draft = serializers.BooleanField(default=False)


class SubmissionSerializer(serializers.ModelSerializer):
    draft = serializers.BooleanField(source="is_draft")
    status = serializers.CharField(source="assignment.status", help_text="The assignment's status")

    class Meta:
        model = HomeworkSubmission
        fields = ("id", "assignment", "responses", "draft", "submitted_at", "status")


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ("id", "mood", "emotions", "note", "created_at")


# A client's check-ins for their clinicians, built from `values()` rows (practice.api_rows):
# the same JSON as CheckInSerializer (tests/sessions/test_checkins_api.py compares them).
CHECKIN_COLUMNS = ("id", "mood", "emotions", "note", "created_at")


def checkin_rows(rows: list[dict]) -> list[dict]:
    when = datetime_text()
    return [
        {
            "id": row["id"],
            "mood": row["mood"],
            "emotions": row["emotions"],
            "note": row["note"],
            "created_at": when(row["created_at"]),
        }
        for row in rows
    ]


class CheckInWriteSerializer(serializers.Serializer):
    mood = serializers.IntegerField(min_value=0, max_value=10)
    emotions = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text=", ".join(CheckIn.EMOTIONS),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=checkin_services.NOTE_MAX_LENGTH)


# ---------------------------------------------------------------------------
# Library


class TemplateListView(generics.ListAPIView):
    permission_classes = (LibraryAccess,)
    serializer_class = TemplateSerializer
    queryset = HomeworkTemplate.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HomeworkTemplate.objects.none()
        params = self.request.query_params
        return selectors.library_templates(
            user=self.request.user,
            kind=params.get("kind") or None,
            include_inactive=params.get("include_inactive") in ("1", "true"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str),
            OpenApiParameter("include_inactive", bool),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=TemplateWriteSerializer, responses={201: TemplateSerializer})
    def post(self, request):
        data = TemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {key: value for key, value in data.validated_data.items() if key != "is_active"}
        template, failed = attempt(
            homework_services.template_create,
            practice=request.user.membership.practice,
            actor=request.user,
            data=values,
        )
        return failed or Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailView(APIView):
    permission_classes = (LibraryAccess,)

    @extend_schema(responses={200: TemplateSerializer})
    def get(self, request, pk):
        return Response(TemplateSerializer(selectors.library_template(user=request.user, template_id=pk)).data)

    @extend_schema(request=TemplateWriteSerializer, responses={200: TemplateSerializer})
    def patch(self, request, pk):
        template = selectors.library_template(user=request.user, template_id=pk)
        data = TemplateWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        template, failed = attempt(
            homework_services.template_update,
            template=template,
            actor=request.user,
            data=dict(data.validated_data),
        )
        return failed or Response(TemplateSerializer(template).data)


# ---------------------------------------------------------------------------
# Assignments (therapist)


class ClientHomeworkView(generics.ListAPIView):
    permission_classes = (ClinicalOnly,)
    serializer_class = TherapistAssignmentSerializer
    queryset = HomeworkAssignment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HomeworkAssignment.objects.none()
        client = client_for_read(user=self.request.user, client_id=self.kwargs["pk"])
        wanted = status_filter(self.request)
        return selectors.homework_for_client(client=client, actor=self.request.user, status=wanted)

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=STATUS_VALUES)])
    def get(self, request, pk):
        return super().get(request, pk)

    @extend_schema(request=AssignWriteSerializer, responses={201: AssignedSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = AssignWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        template = goal = None
        if values.get("template") is not None:
            template = HomeworkTemplate.objects.filter(pk=values["template"], practice_id=client.practice_id).first()
            if template is None:
                raise exceptions.ValidationError({"template": ["No such template in this practice's library."]})
        if values.get("goal") is not None:
            goal = Goal.objects.filter(pk=values["goal"], client=client).first()
            if goal is None:
                raise exceptions.ValidationError({"goal": ["Choose one of this client's goals."]})
        created, failed = attempt(
            homework_services.homework_assign,
            client=client,
            actor=request.user,
            due_at=values["due_at"],
            template=template,
            title=values.get("title") or None,
            kind=values.get("kind") or None,
            fields=values.get("fields"),
            instructions=values.get("instructions", ""),
            goal=goal,
            recurrence=values.get("recurrence"),
        )
        if failed:
            return failed
        payload = TherapistAssignmentSerializer(created[0]).data
        if values.get("recurrence") is not None:
            payload["occurrences"] = [assignment.pk for assignment in created]
        return Response(payload, status=status.HTTP_201_CREATED)


class HomeworkDetailView(APIView):
    permission_classes = (ClinicalOnly,)

    @extend_schema(responses={200: TherapistAssignmentSerializer})
    def get(self, request, pk):
        assignment = selectors.homework_for_read(user=request.user, assignment_id=pk)
        return Response(TherapistAssignmentSerializer(assignment).data)

    @extend_schema(
        request=AssignmentUpdateSerializer,
        responses={200: TherapistAssignmentSerializer},
    )
    def patch(self, request, pk):
        assignment = selectors.homework_for_write(user=request.user, assignment_id=pk)
        data = AssignmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "status" in values and values["status"] != HomeworkAssignment.Status.CANCELLED:
            raise exceptions.ValidationError(
                {"status": ['Only "cancelled" can be set; the other statuses follow the client\'s work.']}
            )
        if not values:
            raise exceptions.ValidationError({"non_field_errors": ['Send "status": "cancelled" and/or "feedback".']})
        try:
            with transaction.atomic():  # feedback and cancellation land together or not at all
                if "feedback" in values:
                    homework_services.feedback_leave(
                        assignment=assignment,
                        actor=request.user,
                        text=values["feedback"],
                    )
                if "status" in values:
                    homework_services.assignment_cancel(assignment=assignment, actor=request.user)
        except InvalidInput as error:
            return invalid_response(error)
        return Response(TherapistAssignmentSerializer(selectors.homework_reloaded(assignment)).data)


# ---------------------------------------------------------------------------
# The client's own homework


class MyHomeworkView(generics.ListAPIView):
    permission_classes = (IsClientUser,)
    serializer_class = ClientAssignmentSerializer
    queryset = HomeworkAssignment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HomeworkAssignment.objects.none()
        client = client_for_portal(user=self.request.user)
        return selectors.portal_homework(client=client, status=status_filter(self.request))

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=STATUS_VALUES)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MyHomeworkDetailView(APIView):
    permission_classes = (IsClientUser,)

    @extend_schema(responses={200: ClientAssignmentSerializer})
    def get(self, request, pk):
        client = client_for_portal(user=request.user)
        return Response(
            ClientAssignmentSerializer(selectors.portal_homework_item(client=client, assignment_id=pk)).data
        )


class MySubmissionView(APIView):
    permission_classes = (IsClientUser,)

    @extend_schema(
        request=SubmissionWriteSerializer,
        responses={201: SubmissionSerializer, 400: RISK_KEYS},
    )
    def post(self, request, pk):
        client = client_for_portal(user=request.user)
        assignment = selectors.portal_homework_item(client=client, assignment_id=pk, submissions=False)
        data = SubmissionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result, failed = attempt(
            homework_services.submission_save,
            assignment=assignment,
            actor=request.user,
            responses=data.validated_data["responses"],
            final=not data.validated_data["draft"],
        )
        if failed:
            return failed
        submission, outcome = result
        submission.assignment = assignment
        return Response(
            with_risk(dict(SubmissionSerializer(submission).data), outcome),
            status=status.HTTP_201_CREATED,
        )


# ---------------------------------------------------------------------------
# Check-ins, messages, crisis resources


class MyCheckInsView(generics.ListAPIView):
    permission_classes = (IsClientUser,)
    serializer_class = CheckInSerializer
    queryset = CheckIn.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CheckIn.objects.none()
        return selectors.portal_checkins(client=client_for_portal(user=self.request.user))

    @extend_schema(
        request=CheckInWriteSerializer,
        responses={201: CheckInSerializer, 400: RISK_KEYS},
    )
    def post(self, request):
        client = client_for_portal(user=request.user)
        body = request.data if isinstance(request.data, dict) else {}
        result, failed = attempt(
            checkin_services.checkin_create,
            client=client,
            actor=request.user,
            mood=body.get("mood"),
            emotions=body.get("emotions"),
            note=body.get("note"),
        )
        if failed:
            return failed
        checkin, outcome = result
        return Response(
            with_risk(dict(CheckInSerializer(checkin).data), outcome),
            status=status.HTTP_201_CREATED,
        )


# A client's check-ins, for their clinicians: rows read with `values()` a page at a time
# (practice.api_rows), the same JSON as CheckInSerializer (the schema).
class ClientCheckInsView(generics.ListAPIView):
    permission_classes = (ClinicalOnly,)
    serializer_class = CheckInSerializer
    pagination_class = ValuesPagination
    queryset = CheckIn.objects.none()  # schema only

    def list(self, request, *args, **kwargs):
        # The selector decides the scope (in the page's query) and records the read.
        rows = selectors.checkins_page_for_client(
            user=request.user,
            client_id=self.kwargs["pk"],
            read_page=lambda checkins: self.paginate_queryset(checkins.values(*CHECKIN_COLUMNS)),
        )
        return self.get_paginated_response(checkin_rows(rows))


class MyCrisisResourcesView(APIView):
    """Never withheld: works without assignments, after discharge and after consent withdrawal."""

    permission_classes = (IsClientUser,)

    @extend_schema(
        responses={
            200: inline_serializer(
                "CrisisResources",
                {"crisis_resources": serializers.ListField(child=serializers.DictField())},
            )
        }
    )
    def get(self, request):
        client = client_for_portal(user=request.user, allow_withdrawn_consent=True)
        return Response({"crisis_resources": crisis_resources_for(client)})
