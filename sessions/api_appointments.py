"""The client's appointments over the API (issue 14 item 7).

GET  /api/v1/me/appointments/                          upcoming and past, no clinical fields
POST /api/v1/me/appointments/{id}/cancel-request/      "I can't make it" (optional reason)

Client users only (others 404, anonymous 401); withdrawn portal consent -> 403, like every
/me/ route (`clients.selectors.client_for_portal`).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.selectors import client_for_portal
from practice.permissions import IsClientUser
from sessions.api_homework import with_risk
from sessions.selectors_appointments import Appointment, client_appointments, portal_appointment
from sessions.services.appointments import REASON_MAX_LENGTH, appointment_cancel_request


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.pk")
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    status = serializers.CharField()
    modality = serializers.CharField()
    with_name = serializers.CharField()
    can_join = serializers.BooleanField()
    join_url = serializers.CharField(
        help_text="Only while the room is open to the client (15 minutes before to the end)."
    )
    join_opens_at = serializers.DateTimeField(allow_null=True, read_only=True)
    cancel_requested_at = serializers.DateTimeField(allow_null=True, read_only=True)
    can_request_cancel = serializers.BooleanField()
    inside_late_window = serializers.BooleanField()


class CancelRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")


class MyAppointmentsView(APIView):
    permission_classes = [IsClientUser]

    @extend_schema(
        responses={
            200: inline_serializer(
                "MyAppointments",
                {"upcoming": AppointmentSerializer(many=True), "past": AppointmentSerializer(many=True)},
            )
        }
    )
    def get(self, request):
        client = client_for_portal(user=request.user)
        upcoming, past = client_appointments(client=client)
        return Response(
            {
                "upcoming": AppointmentSerializer(upcoming, many=True).data,
                "past": AppointmentSerializer(past, many=True).data,
            }
        )


class MyAppointmentCancelRequestView(APIView):
    permission_classes = [IsClientUser]

    @extend_schema(request=CancelRequestInputSerializer, responses={201: AppointmentSerializer})
    def post(self, request, pk: int):
        client = client_for_portal(user=request.user)
        appointment: Appointment = portal_appointment(client=client, session_id=pk)
        data = CancelRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _request, outcome = appointment_cancel_request(
            session=appointment.session, actor=request.user, reason=data.validated_data["reason"]
        )
        refreshed = portal_appointment(client=client, session_id=pk)
        payload = with_risk(dict(AppointmentSerializer(refreshed).data), outcome)
        return Response(payload, status=status.HTTP_201_CREATED)
