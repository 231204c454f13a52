"""Engagement insights API: a client's latest engagement snapshot, risk and conversation starters.

Care-team therapists only (the capability check turns managers, admins and clients away with
404; the clinical scope does the same for colleagues and other practices). A client with no
snapshot yet is computed in the request: it is a handful of queries for one client.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api import clinical_client_or_404
from insights import engagement
from insights.models import EngagementSnapshot
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
    engagement = serializers.DictField(help_text="Engagement metrics; see insights/engagement.py for definitions")
    disengagement_risk = RiskSerializer()
    suggestions = SuggestionSerializer(many=True)


class ClientInsightsView(APIView):
    permission_classes = [InsightsPermission]

    @extend_schema(responses={200: InsightsSerializer})
    def get(self, request, pk: int):
        client = clinical_client_or_404(request.user, pk)
        snapshot = EngagementSnapshot.objects.filter(client_id=client.pk).first()
        if snapshot is None or (snapshot.metrics or {}).get("version") != engagement.VERSION:
            # Never computed (or computed by an older engine): cheap for one client.
            snapshot = engagement.recompute_client(client)
        return Response(InsightsSerializer(engagement.insights_payload(client, snapshot)).data)
