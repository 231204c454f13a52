"""HTTP API for measures: instruments, administrations, outcomes and the FHIR export."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Assessment, Client
from clients.scoring import AnswerValidationError
from clients.selectors import (
    assessment_series,
    client_for_portal,
    client_for_read,
    client_for_write,
    client_outcomes,
    due_questionnaires,
    fhir_export,
)
from clients.services.measures import assessment_record, instrument_define, instruments_for
from clients.services.schedules import measure_schedule_set
from practice.api_support import StandardPagination
from practice.bounds import BoundedDateTimeField
from practice.permissions import IsClientUser, capability_required
from practice.roles import Capability

# Reads also open to an admin's active break-glass grant (clinical_scope limits them to the
# granted client); writes need EDIT_CLINICAL, and the client through `client_for_write`.
ClinicalOnly = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,), break_glass_read=True)
# Exports are not part of emergency access (minimum necessary).
CareTeamOnly = capability_required(Capability.VIEW_CLINICAL)


class InstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    options = serializers.ListField(child=serializers.DictField(), required=False)
    licence = serializers.CharField()
    answer_format = serializers.CharField()
    difficulty = serializers.DictField(allow_null=True, required=False)
    builtin = serializers.BooleanField()


def instrument_summary(definition: dict) -> dict:
    return {
        "code": definition["code"],
        "name": definition["name"],
        "version": definition.get("version", ""),
        "items": definition.get("items", []),
        "options": definition.get("options", []),
        "licence": definition.get("licence", ""),
        "answer_format": definition.get("answer_format", "list"),
        "difficulty": definition.get("difficulty"),
        "builtin": definition.get("builtin", True),
    }


class InstrumentListView(APIView):
    """Built-in and practice-defined instruments (a plain list). Admins add definitions."""

    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(responses={200: InstrumentSerializer(many=True)})
    def get(self, request):
        definitions = instruments_for(request.user.membership.practice_id)
        return Response([instrument_summary(definition) for definition in definitions.values()])

    @extend_schema(
        request=inline_serializer("InstrumentDefinitionRequest", {"definition": serializers.DictField()}),
        responses={201: InstrumentSerializer},
    )
    def post(self, request):
        capability_required(Capability.CONFIGURE_PRACTICE)().has_permission(request, self)
        definition = request.data.get("definition") if isinstance(request.data, dict) else None
        if not isinstance(definition, dict):
            raise exceptions.ValidationError({"definition": ["Send the instrument definition as an object."]})
        custom = instrument_define(practice=request.user.membership.practice, actor=request.user, definition=definition)
        return Response(instrument_summary({**custom.definition, "builtin": False}), status=status.HTTP_201_CREATED)


class AssessmentInputSerializer(serializers.Serializer):
    instrument = serializers.CharField(max_length=40)
    answers = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="A list in item order (null = unanswered); an object for cssrs_screener",
    )
    difficulty = serializers.JSONField(required=False, allow_null=True, help_text="PHQ-9 item 10 (0-3), optional")
    administered_at = BoundedDateTimeField(required=False)
    session = serializers.IntegerField(required=False, allow_null=True)


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "instrument",
            "version",
            "answers",
            "difficulty",
            "administered_at",
            "result",
            "source",
            "session",
        ]


def _record(request, client: Client, source: str) -> Response:
    data = AssessmentInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    administered_at = values.get("administered_at")
    if administered_at is not None and administered_at > timezone.now() + timezone.timedelta(minutes=5):
        raise exceptions.ValidationError({"administered_at": ["Cannot be in the future."]})
    if values.get("answers") is None:
        return Response(
            {
                "answers": [
                    {
                        "code": "wrong_item_count",
                        "message": "Send the answers: a list with one entry per item (null = unanswered).",
                    }
                ]
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    session = None
    if values.get("session") is not None:
        session = client.sessions.filter(pk=values["session"]).first()
        if session is None:
            raise exceptions.ValidationError({"session": ["Not a session of this client."]})
    try:
        outcome = assessment_record(
            client=client,
            actor=request.user,
            instrument=values["instrument"],
            answers=values["answers"],
            difficulty=values.get("difficulty"),
            administered_at=administered_at,
            source=source,
            session=session,
        )
    except AnswerValidationError as error:
        # Returned as-is: DRF's ValidationError would turn item numbers into strings.
        return Response({"answers": error.errors}, status=status.HTTP_400_BAD_REQUEST)
    body = AssessmentSerializer(outcome.assessment).data
    body["alerts"] = [
        {"id": alert.pk, "kind": alert.kind, "severity": alert.severity, "reason": alert.reason}
        for alert in outcome.alerts
    ]
    if outcome.crisis_resources:
        body["crisis_resources"] = outcome.crisis_resources
    return Response(body, status=status.HTTP_201_CREATED)


class ClientAssessmentListView(APIView):
    permission_classes = [ClinicalOnly]
    # Declared so the schema documents the page envelope (count, next, previous, results).
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[OpenApiParameter("instrument", str, description="Only this instrument, e.g. phq9")],
        responses={200: AssessmentSerializer(many=True)},
    )
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        series = assessment_series(client=client, actor=request.user, instrument=request.query_params.get("instrument"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(series, request, view=self)
        return paginator.get_paginated_response(AssessmentSerializer(page, many=True).data)

    @extend_schema(request=AssessmentInputSerializer, responses={201: AssessmentSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        return _record(request, client, Assessment.Source.THERAPIST)


class MyAssessmentListView(APIView):
    """The client's own measures (403 once portal consent is withdrawn, like every /me/ route)."""

    # Declared so the schema documents the page envelope (count, next, previous, results).
    pagination_class = StandardPagination

    permission_classes = [IsClientUser]

    @extend_schema(
        parameters=[OpenApiParameter("instrument", str, description="Only this instrument, e.g. phq9")],
        responses={200: AssessmentSerializer(many=True)},
    )
    def get(self, request):
        client = client_for_portal(user=request.user)
        series = assessment_series(client=client, actor=request.user, instrument=request.query_params.get("instrument"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(series, request, view=self)
        return paginator.get_paginated_response(AssessmentSerializer(page, many=True).data)

    @extend_schema(request=AssessmentInputSerializer, responses={201: AssessmentSerializer})
    def post(self, request):
        return _record(request, client_for_portal(user=request.user), Assessment.Source.PORTAL)


class OutcomesView(APIView):
    permission_classes = [ClinicalOnly]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Outcomes", {"talking_therapies": serializers.DictField(), "not_on_track": serializers.DictField()}
            )
        }
    )
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        return Response(client_outcomes(client=client, actor=request.user))


class FhirExportView(APIView):
    permission_classes = [CareTeamOnly]

    @extend_schema(
        responses={
            (200, "application/fhir+json"): inline_serializer(
                "FhirBundle", {"resourceType": serializers.CharField(), "entry": serializers.ListField()}
            )
        }
    )
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        return Response(fhir_export(client=client, actor=request.user), content_type="application/fhir+json")


class MeasureScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    instrument = serializers.CharField(max_length=40)
    every_n_sessions = serializers.IntegerField(min_value=1, max_value=52, default=1)
    expires_after_days = serializers.IntegerField(min_value=1, max_value=30, default=3)
    active = serializers.BooleanField(default=True)
    min_days_between = serializers.IntegerField(
        min_value=0, max_value=365, default=0, help_text="At most once in this many days (0 = no limit)"
    )
    from_protocol = serializers.BooleanField(read_only=True)


class DueQuestionnaireSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = serializers.CharField()
    session = serializers.IntegerField(source="session_id", allow_null=True)
    due_at = BoundedDateTimeField()
    expires_at = BoundedDateTimeField()
    status = serializers.CharField()


class MeasureScheduleView(APIView):
    """Which measures a client fills in before which sessions (e.g. PHQ-9 every session)."""

    permission_classes = [ClinicalOnly]

    @extend_schema(responses={200: MeasureScheduleSerializer(many=True)})
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        return Response(MeasureScheduleSerializer(client.measure_schedules.order_by("instrument"), many=True).data)

    @extend_schema(request=MeasureScheduleSerializer, responses={201: MeasureScheduleSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = MeasureScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = measure_schedule_set(client=client, actor=request.user, **data.validated_data)
        return Response(MeasureScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class MyDueQuestionnairesView(APIView):
    permission_classes = [IsClientUser]

    @extend_schema(responses={200: DueQuestionnaireSerializer(many=True)})
    def get(self, request):
        client = client_for_portal(user=request.user)
        return Response(DueQuestionnaireSerializer(due_questionnaires(client=client), many=True).data)
