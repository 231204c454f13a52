"""HTTP API for the AI adjuncts: session brief, affect, homework recommendations, decisions.

Care-team therapists only (everyone else 404). Every output is labelled as an AI
suggestion and carries its reasons, inputs (source ids), method and version: the chart's
"why am I seeing this". For a client without AI consent the GETs answer 200 with
``"consent": false`` and no output (nothing is computed or stored) and the decision POST
answers 409. A feature the practice's AI policy switches off (insights/ai/policy.py) answers
200 with ``"policy": {"allowed": false, "feature", "profile", "reason"}``, a ``detail`` and
no output; accepting its suggestion answers 409.

The client comes from `clients.selectors.client_for_read`, a suggestion from
`insights.selectors.suggestion_for_write` (404 out of scope, 403 for a supervisor).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from clients.selectors import client_for_read
from insights.ai import services
from insights.ai.brief import BRIEF_LABEL
from insights.models import AiSuggestion
from insights.selectors import suggestion_for_write
from practice.bounds import BoundedDateTimeField
from practice.permissions import capability_required
from practice.roles import Capability
from sessions.services.homework import InvalidInput

ClinicalOnly = capability_required(Capability.VIEW_CLINICAL)

AI_OUTPUT = "ai_suggestion"
LABELS = {
    AiSuggestion.Kind.SESSION_BRIEF: BRIEF_LABEL,
    AiSuggestion.Kind.AFFECT: "AI-estimated sentiment for the clinician — check against the record",
    AiSuggestion.Kind.HOMEWORK_RECOMMENDATION: (
        "AI-suggested homework for the clinician — nothing is assigned until you accept"
    ),
    AiSuggestion.Kind.NUDGE_TIMING: ("AI-suggested reminder time for the clinician — nothing changes until you accept"),
}


def _member_id(user) -> int | None:
    membership = getattr(user, "membership_or_none", None) if user is not None else None
    return membership.pk if membership else None


def suggestion_meta(suggestion: AiSuggestion) -> dict:
    """What every AI output shows: that it is one, and why it is there."""
    return {
        "id": suggestion.pk,
        "kind": AI_OUTPUT,
        "suggestion_kind": suggestion.kind,
        "label": LABELS[suggestion.kind],
        "reasons": suggestion.reasons,
        "inputs": suggestion.inputs,
        "method": suggestion.method,
        "version": suggestion.version,
        "decision": suggestion.decision,
        "decided_by": _member_id(suggestion.decided_by) if suggestion.decided_by_id else None,
        "decided_at": suggestion.decided_at,
        "created_at": suggestion.created_at,
    }


def recommendation_body(suggestion: AiSuggestion) -> dict:
    payload = suggestion.payload or {}
    return {
        **suggestion_meta(suggestion),
        "rank": payload.get("rank"),
        "template": payload.get("template"),
        "score": payload.get("score"),
        "fit": payload.get("fit"),
        "relative_fit": payload.get("relative_fit"),
        "kind_completion_rate": payload.get("kind_completion_rate"),
    }


def nudge_body(suggestion: AiSuggestion) -> dict:
    payload = suggestion.payload or {}
    return {
        **suggestion_meta(suggestion),
        "hour": payload.get("hour"),
        "weekday": payload.get("weekday"),
        "current_hour": payload.get("current_hour"),
    }


def suggestion_body(suggestion: AiSuggestion) -> dict:
    if suggestion.kind == AiSuggestion.Kind.HOMEWORK_RECOMMENDATION:
        return recommendation_body(suggestion)
    if suggestion.kind == AiSuggestion.Kind.NUDGE_TIMING:
        return nudge_body(suggestion)
    return suggestion_meta(suggestion)


def no_consent(client: Client, **empty) -> Response:
    return Response(
        {
            "client": client.pk,
            "consent": False,
            "detail": services.AI_CONSENT_MESSAGE,
            **empty,
        }
    )


def policy_off(client: Client, blocked: services.AiPolicyBlocked, **empty) -> Response:
    decision = blocked.decision
    return Response(
        {
            "client": client.pk,
            "consent": True,
            "policy": {
                "allowed": False,
                "feature": decision.feature,
                "profile": decision.profile,
                "reason": str(decision.reason),
            },
            "detail": decision.message,
            **empty,
        }
    )


class ClientBriefView(APIView):
    permission_classes = (ClinicalOnly,)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        if not services.ai_consent_given(client):
            return no_consent(
                client,
                kind=AI_OUTPUT,
                label=BRIEF_LABEL,
                period=None,
                sections=None,
                quotes=[],
            )
        try:
            suggestion, brief = services.brief_refresh(client=client, actor=request.user)
        except services.AiPolicyBlocked as blocked:
            return policy_off(client, blocked, kind=AI_OUTPUT, label=BRIEF_LABEL, period=None, sections=None, quotes=[])
        return Response(
            {
                **suggestion_meta(suggestion),
                "client": client.pk,
                "consent": True,
                "period": brief.period,
                "sections": brief.sections,
                "quotes": [quote.as_dict() for quote in brief.quotes],
            }
        )


class ClientAffectView(APIView):
    permission_classes = (ClinicalOnly,)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        label = LABELS[AiSuggestion.Kind.AFFECT]
        if not services.ai_consent_given(client):
            return no_consent(client, kind=AI_OUTPUT, label=label, series=[], disagreements=0)
        try:
            suggestion, affect = services.affect_refresh(client=client, actor=request.user)
        except services.AiPolicyBlocked as blocked:
            return policy_off(client, blocked, kind=AI_OUTPUT, label=label, series=[], disagreements=0)
        return Response(
            {
                **suggestion_meta(suggestion),
                "client": client.pk,
                "consent": True,
                **affect.payload(),
            }
        )


class ClientRecommendationsView(APIView):
    permission_classes = (ClinicalOnly,)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        label = LABELS[AiSuggestion.Kind.HOMEWORK_RECOMMENDATION]
        if not services.ai_consent_given(client):
            return no_consent(client, kind=AI_OUTPUT, label=label, results=[], reminder_timing=None)
        try:
            recommendations = services.recommendations_refresh(client=client, actor=request.user)
        except services.AiPolicyBlocked as blocked:
            return policy_off(client, blocked, kind=AI_OUTPUT, label=label, results=[], reminder_timing=None)
        try:
            nudge = services.nudge_timing_refresh(client=client, actor=request.user)
        except services.AiPolicyBlocked:
            nudge = None  # reminder timing is its own feature: off alone, the recommendations still show
        return Response(
            {
                "client": client.pk,
                "consent": True,
                "kind": AI_OUTPUT,
                "label": label,
                "results": [recommendation_body(item) for item in recommendations],
                "reminder_timing": nudge_body(nudge)
                if nudge and nudge.decision == AiSuggestion.Decision.PENDING
                else None,
            }
        )


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[AiSuggestion.Decision.ACCEPTED, AiSuggestion.Decision.DISMISSED])
    due_at = BoundedDateTimeField(required=False, help_text="Homework due date (default: 7 days from now)")


class SuggestionDecisionView(APIView):
    permission_classes = (ClinicalOnly,)

    @extend_schema(request=DecisionSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        suggestion = suggestion_for_write(user=request.user, suggestion_id=pk)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outcome = services.suggestion_decide(
                suggestion=suggestion,
                actor=request.user,
                decision=data.validated_data["decision"],
                due_at=data.validated_data.get("due_at"),
            )
        except InvalidInput as error:
            raise exceptions.ValidationError(error.errors) from error
        return Response(
            {
                **suggestion_body(outcome.suggestion),
                "assignments": [assignment.pk for assignment in outcome.assignments],
            }
        )
