"""Engagement insights API: a client's latest engagement snapshot, risk and conversation starters.

Care-team therapists only (the capability check turns managers, admins and clients away with
404; the clinical scope does the same for colleagues and other practices). The snapshot is
read through `insights.selectors.engagement_view_computed`, which applies the one freshness
rule (insights/freshness.py): a client with no snapshot yet, or one from an older engine, is
computed in the request (a handful of queries for one client); a stale one is shown as stale.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.selectors import client_for_read
from insights.selectors import engagement_view_computed
from practice.bounds import BoundedDateTimeField
from practice.permissions import capability_required
from practice.roles import Capability

InsightsPermission = capability_required(Capability.VIEW_CLINICAL, break_glass_read=True)


class RiskSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()


class InsightsSerializer(serializers.Serializer):
    computed_at = BoundedDateTimeField()
    stale = serializers.BooleanField()
    engagement = serializers.DictField(
        help_text="Engagement metrics; see insights/engagement/__init__.py for definitions"
    )
    disengagement_risk = RiskSerializer()
    suggestions = SuggestionSerializer(many=True)


class ClientInsightsView(APIView):
    permission_classes = [InsightsPermission]

    @extend_schema(responses={200: InsightsSerializer})
    def get(self, request, pk: int):
        client = client_for_read(user=request.user, client_id=pk)
        view = engagement_view_computed(client)
        payload = {
            "computed_at": view.computed_at,
            "stale": view.stale,
            "engagement": view.engagement,
            "disengagement_risk": view.risk,
            "suggestions": view.suggestions(status=client.status),
        }
        return Response(InsightsSerializer(payload).data)
