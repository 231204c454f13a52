"""HTTP API for recurring series (issue 14): book a series, cancel an occurrence and the rest.

Same access as sessions (`sessions.api_notes`): the primary and co-therapist write, a
supervisor who can see the client gets 403, everyone else 404. Rule refusals (overlap,
outside working hours without confirmation, an end missing) are 400 with field errors.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clients.selectors import client_for_write
from practice.bounds import BoundedDateField, BoundedDateTimeField
from practice.permissions import capability_required
from practice.roles import Capability
from sessions import selectors
from sessions.api_notes import SessionSerializer
from sessions.models import Session, SessionSeries
from sessions.services import series as series_services
from sessions.services.availability import therapist_zone

CareTeamWrites = capability_required(Capability.VIEW_CLINICAL)


class SeriesInputSerializer(serializers.Serializer):
    starts_at = BoundedDateTimeField(help_text="The first occurrence")
    time_zone = serializers.CharField(required=False, max_length=64, help_text="IANA zone; default: the therapist's")
    frequency = serializers.ChoiceField(choices=SessionSeries.Frequency.choices)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), required=False)
    until = BoundedDateField(required=False, allow_null=True)
    count = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=series_services.MAX_COUNT)
    duration_minutes = serializers.IntegerField(required=False, default=50, min_value=1, max_value=600)
    kind = serializers.ChoiceField(choices=Session.Kind.choices, default=Session.Kind.INDIVIDUAL)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    confirm_outside_hours = serializers.BooleanField(required=False, default=False)


class SeriesSerializer(serializers.ModelSerializer):
    occurrences = serializers.SerializerMethodField()

    class Meta:
        model = SessionSeries
        fields = (
            "id",
            "client",
            "therapist",
            "frequency",
            "weekdays",
            "start_date",
            "local_time",
            "time_zone",
            "duration_minutes",
            "kind",
            "until",
            "count",
            "materialised_until",
            "ended_on",
            "occurrences",
        )
        read_only_fields = fields

    def get_occurrences(self, series: SessionSeries) -> list[dict]:
        return SessionSerializer(
            series.occurrences.select_related("therapist__user").order_by("starts_at"), many=True
        ).data


class CancelFollowingSerializer(serializers.Serializer):
    cancellation_reason = serializers.CharField(max_length=500)
    cancelled_by = serializers.ChoiceField(choices=Session.CancelledBy.choices)


class ClientSeriesView(GenericAPIView):
    permission_classes = (CareTeamWrites,)
    queryset = SessionSeries.objects.none()  # schema only
    serializer_class = SeriesSerializer

    @extend_schema(request=SeriesInputSerializer, responses={201: SeriesSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = SeriesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["time_zone"] = values.get("time_zone") or therapist_zone(request.user.membership).key
        booked = series_services.series_create(client=client, actor=request.user, **values)
        return Response(SeriesSerializer(booked).data, status=status.HTTP_201_CREATED)


class CancelFollowingView(GenericAPIView):
    permission_classes = (CareTeamWrites,)
    queryset = Session.objects.none()  # schema only
    serializer_class = SessionSerializer

    @extend_schema(request=CancelFollowingSerializer, responses={200: SessionSerializer(many=True)})
    def post(self, request, pk):
        session = selectors.session_for_write(user=request.user, session_id=pk)
        data = CancelFollowingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cancelled = series_services.series_cancel_following(
            session=session,
            actor=request.user,
            reason=data.validated_data["cancellation_reason"],
            cancelled_by=data.validated_data["cancelled_by"],
        )
        return Response(SessionSerializer(cancelled, many=True).data)
