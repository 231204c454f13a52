"""Alerts API: a therapist's open alerts, acknowledgement and resolution (by a person).

Scope is `Alert.objects.visible_to` (the therapist's clients plus alerts escalated to them as
backup clinician), reached through `insights.selectors` (`alerts_visible_to`,
`alert_for_read`, `alert_for_write`); anything else is 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from insights.models import Alert
from insights.safety import alert_acknowledge, alert_resolve
from insights.selectors import alert_for_read, alert_for_write, alerts_visible_to
from practice.api_rows import ValuesListMixin, datetime_text
from practice.permissions import capability_required
from practice.roles import Capability

AlertPermission = capability_required(Capability.ACKNOWLEDGE_ALERTS)


class AlertSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    model_output = serializers.BooleanField(
        read_only=True, help_text="Raised by the learned risk model (an AI output), not by a rule or a questionnaire."
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "client",
            "client_name",
            "kind",
            "severity",
            "reason",
            "status",
            "source_type",
            "source_id",
            "created_at",
            "acknowledge_by",
            "acknowledged_at",
            "resolved_at",
            "outcome",
            "escalation_level",
            "detector_method",
            "detector_version",
            "model_output",
        ]


# The alert list, built from `values()` rows (practice.api_rows): the same JSON as
# AlertSerializer (tests/insights/test_alert_list_rows.py). The client's name is its only
# column read: no encrypted client column, nor the alert's excerpt and notes (not output).
ALERT_LIST_COLUMNS = (
    "id",
    "client_id",
    "client__first_name",
    "client__last_name",
    "kind",
    "severity",
    "reason",
    "status",
    "source_type",
    "source_id",
    "created_at",
    "acknowledge_by",
    "acknowledged_at",
    "resolved_at",
    "outcome",
    "escalation_level",
    "detector_method",
    "detector_version",
)


def alert_list_rows(rows: list[dict]) -> list[dict]:
    when = datetime_text()
    return [
        {
            "id": row["id"],
            "client": row["client_id"],
            "client_name": f"{row['client__first_name']} {row['client__last_name']}",  # Client.full_name
            "kind": row["kind"],
            "severity": row["severity"],
            "reason": row["reason"],
            "status": row["status"],
            "source_type": row["source_type"],
            "source_id": row["source_id"],
            "created_at": when(row["created_at"]),
            "acknowledge_by": when(row["acknowledge_by"]),
            "acknowledged_at": when(row["acknowledged_at"]),
            "resolved_at": when(row["resolved_at"]),
            "outcome": row["outcome"],
            "escalation_level": row["escalation_level"],
            "detector_method": row["detector_method"],
            "detector_version": row["detector_version"],
            "model_output": row["detector_method"] in Alert.MODEL_METHODS,  # Alert.model_output
        }
        for row in rows
    ]


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Alert.Outcome.choices)
    note = serializers.CharField(max_length=4000)


class AlertListView(ValuesListMixin, generics.ListAPIView):
    permission_classes = [AlertPermission]
    serializer_class = AlertSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        queryset = alerts_visible_to(self.request.user)
        params = self.request.query_params
        if params.get("status"):
            if params["status"] not in Alert.Status.values:
                raise ValidationError({"status": [f"Choose one of: {', '.join(Alert.Status.values)}."]})
            queryset = queryset.filter(status=params["status"])
        if params.get("client", "").isdigit():
            queryset = queryset.filter(client_id=int(params["client"]))
        return queryset.order_by("-created_at", "-id")

    def row_columns(self):
        return ALERT_LIST_COLUMNS

    def build_rows(self, rows):
        return alert_list_rows(rows)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(Alert.Status.values)),
            OpenApiParameter("client", int),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AlertDetailView(generics.RetrieveAPIView):
    permission_classes = [AlertPermission]
    serializer_class = AlertSerializer
    queryset = Alert.objects.none()  # schema only

    def get_object(self) -> Alert:
        return alert_for_read(user=self.request.user, alert_id=self.kwargs["pk"])


class AlertAcknowledgeView(APIView):
    permission_classes = [AlertPermission]

    @extend_schema(request=AcknowledgeSerializer, responses={200: AlertSerializer})
    def post(self, request, pk):
        alert = alert_for_write(user=request.user, alert_id=pk)
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_acknowledge(alert=alert, actor=request.user, note=data.validated_data["note"])
        return Response(AlertSerializer(alert).data)


class AlertResolveView(APIView):
    permission_classes = [AlertPermission]

    @extend_schema(request=ResolveSerializer, responses={200: AlertSerializer})
    def post(self, request, pk):
        alert = alert_for_write(user=request.user, alert_id=pk)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_resolve(
            alert=alert, actor=request.user, outcome=data.validated_data["outcome"], note=data.validated_data["note"]
        )
        return Response(AlertSerializer(alert).data)
