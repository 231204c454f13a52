"""Break-glass API: an admin opens emergency read-only access to one client's clinical record;
admins and managers list and end the practice's grants. Other roles: 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import BreakGlassGrant
from clients.selectors import break_glass_grant_for_review, break_glass_grants, client_for_admin
from clients.services import break_glass
from practice.api_support import AuthRateThrottle
from practice.permissions import capability_required
from practice.roles import Capability

OpenPermission = capability_required(Capability.BREAK_GLASS)
ReviewPermission = capability_required(Capability.REVIEW_BREAK_GLASS)


class BreakGlassOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why emergency access is needed, without clinical detail (managers review it)."
    )
    password = serializers.CharField(
        write_only=True,
        max_length=256,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Your own password, again.",
    )
    duration_minutes = serializers.IntegerField(
        required=False,
        default=break_glass.DEFAULT_MINUTES,
        min_value=break_glass.MIN_MINUTES,
        max_value=break_glass.MAX_MINUTES,
    )


class BreakGlassGrantSerializer(serializers.ModelSerializer):
    granted_to_name = serializers.CharField(source="granted_to.display_name", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = BreakGlassGrant
        fields = [
            "id",
            "client",
            "granted_to",
            "granted_to_name",
            "reason",
            "created_at",
            "expires_at",
            "revoked_at",
            "revoked_by",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, grant: BreakGlassGrant) -> bool:
        return grant.is_active()


class ClientBreakGlassView(APIView):
    permission_classes = [OpenPermission]
    throttle_classes = [AuthRateThrottle]  # it checks a password

    @extend_schema(request=BreakGlassOpenSerializer, responses={201: BreakGlassGrantSerializer})
    def post(self, request, pk: int):
        client = client_for_admin(user=request.user, client_id=pk)
        data = BreakGlassOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = break_glass.break_glass_open(
            client=client,
            actor=request.user,
            reason=data.validated_data["reason"],
            password=data.validated_data["password"],
            minutes=data.validated_data["duration_minutes"],
        )
        return Response(BreakGlassGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class BreakGlassListView(generics.ListAPIView):
    permission_classes = [ReviewPermission]
    serializer_class = BreakGlassGrantSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BreakGlassGrant.objects.none()
        queryset = break_glass_grants(user=self.request.user).select_related("granted_to__user")
        active = self.request.query_params.get("active")
        if active in ("true", "1"):
            queryset = queryset.active()
        elif active in ("false", "0"):
            queryset = queryset.ended()
        client = self.request.query_params.get("client")
        if client:
            queryset = queryset.filter(client_id=client) if client.isdigit() else queryset.none()
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("active", bool, description="Only grants still running (true) or ended (false)"),
            OpenApiParameter("client", int, description="Grants on one client"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BreakGlassRevokeView(APIView):
    permission_classes = [ReviewPermission]

    @extend_schema(request=None, responses={200: BreakGlassGrantSerializer})
    def post(self, request, pk: int):
        grant = break_glass_grant_for_review(user=request.user, grant_id=pk)
        grant = break_glass.break_glass_revoke(grant=grant, actor=request.user)
        return Response(BreakGlassGrantSerializer(grant).data)
