"""HTTP API for the client record: caseload/roster, detail, invites, consents, plan."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from clients.selectors import (
    client_detail,
    client_for_admin,
    client_for_read,
    client_for_write,
    goal_for_write,
    goals_for_client,
    roster,
)
from clients.serializers import (
    CASELOAD_COLUMNS,
    ROSTER_COLUMNS,
    AcceptInviteSerializer,
    CaseloadClientSerializer,
    ClientDetailSerializer,
    ClientWriteSerializer,
    ConsentSerializer,
    ConsentWriteSerializer,
    GoalSerializer,
    PortalInviteResponseSerializer,
    PortalReminderResponseSerializer,
    RosterClientSerializer,
    client_list_rows,
)
from clients.services import records
from practice.api_rows import ValuesListMixin
from practice.api_support import AuthRateThrottle
from practice.permissions import capability_required
from practice.roles import Capability, has_capability

StaffOnly = capability_required(Capability.VIEW_CLINICAL, Capability.VIEW_ROSTER)
# Reads also open to an admin's active break-glass grant (clinical_scope limits them to the
# granted client); writes need EDIT_CLINICAL, and the client through `client_for_write`.
ClinicalOnly = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,), break_glass_read=True)


def invite_link(request, raw_token: str) -> str:
    """The absolute one-time link a client follows to set up their portal account."""
    return request.build_absolute_uri(reverse("portal-accept-invite") + f"?token={raw_token}")


def is_clinician(user) -> bool:
    """Whether the caller's role works with clinical fields (the caseload, not the roster)."""
    return has_capability(user.role, Capability.VIEW_CLINICAL)


def _client_for_role(component_name: str, clinical_serializer, *, many: bool = False) -> PolymorphicProxySerializer:
    """The schema of a client as a role sees it: the clinical shape for a clinician (or an admin
    under break-glass), the roster shape (no clinical fields) for a manager or admin."""
    return PolymorphicProxySerializer(
        component_name=component_name,
        serializers=[clinical_serializer, RosterClientSerializer],
        resource_type_field_name=None,
        many=many,
    )


# The caseload (clinicians) or the roster (managers, admins): rows read with `values()`
# (practice.api_rows), so the encrypted columns neither shape outputs are never read.
class ClientListView(ValuesListMixin, generics.ListCreateAPIView):
    permission_classes = [StaffOnly]

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return CaseloadClientSerializer
        return CaseloadClientSerializer if is_clinician(self.request.user) else RosterClientSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return roster(user=None)
        queryset = roster(user=self.request.user)
        params = self.filter_params()
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("therapist"):
            therapist = str(params["therapist"])
            queryset = queryset.filter(primary_therapist_id=therapist) if therapist.isdigit() else queryset.none()
        if params.get("q"):
            for word in params["q"][:100].split()[:5]:
                queryset = queryset.filter(
                    Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(preferred_name__icontains=word)
                )
        return queryset.order_by("last_name", "first_name", "id")

    def filter_params(self):
        return self.request.query_params

    def row_columns(self):
        return CASELOAD_COLUMNS if is_clinician(self.request.user) else ROSTER_COLUMNS

    def build_rows(self, rows):
        return client_list_rows(rows, clinical=is_clinician(self.request.user))

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=[s for s, _ in Client.Status.choices]),
            OpenApiParameter("therapist", int, description="Primary therapist member id"),
            OpenApiParameter(
                "q",
                str,
                description="Search by name (at most 100 characters). A name in a URL ends up in access "
                "logs and proxies: prefer POST /api/v1/clients/search/, which takes it in the body.",
            ),
        ],
        responses={200: _client_for_role("ClientListItem", CaseloadClientSerializer, many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ClientWriteSerializer, responses={201: _client_for_role("ClientForRole", ClientDetailSerializer)}
    )
    def post(self, request):
        capability_check = capability_required(Capability.CREATE_CLIENT)()
        capability_check.has_permission(request, self)
        data = ClientWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("version", None)
        if not is_clinician(request.user):
            for field in ("presenting_concerns", "diagnosis_codes", "plan_reviewed_on"):
                values.pop(field, None)
        client = records.client_create(actor=request.user, data=values)
        output = ClientDetailSerializer if is_clinician(request.user) else RosterClientSerializer
        return Response(output(client).data, status=status.HTTP_201_CREATED)


class ClientSearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Name, or part of it")
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)
    therapist = serializers.IntegerField(required=False, min_value=1, help_text="Primary therapist member id")


class ClientSearchView(ClientListView):
    """The caseload/roster filters of GET /clients/, posted: a client's name never goes in a URL."""

    http_method_names = ["post", "options"]

    def filter_params(self):
        return self.search

    @extend_schema(
        request=ClientSearchSerializer,
        responses={200: _client_for_role("ClientListItem", CaseloadClientSerializer, many=True)},
    )
    def post(self, request):
        data = ClientSearchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.search = data.validated_data
        return self.list(request)


class ClientDetailView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(responses={200: _client_for_role("ClientForRole", ClientDetailSerializer)})
    def get(self, request, pk):
        detail = client_detail(user=request.user, client_id=pk)
        output = ClientDetailSerializer if detail.clinical else RosterClientSerializer
        return Response(output(detail.client).data)

    @extend_schema(
        request=ClientWriteSerializer, responses={200: _client_for_role("ClientForRole", ClientDetailSerializer)}
    )
    def patch(self, request, pk):
        # A supervisor can read the record but not change it: 403.
        client = client_for_admin(user=request.user, client_id=pk, write=True, related=("primary_therapist__user",))
        data = ClientWriteSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        records.client_update(
            client=client, actor=request.user, data=values, clinical_allowed=is_clinician(request.user), version=version
        )
        client.refresh_from_db()
        output = ClientDetailSerializer if is_clinician(request.user) else RosterClientSerializer
        return Response(output(client).data)


class PortalInviteView(APIView):
    """Invite a client to the portal (201, a token for a new account), or remind a client who
    already has an account how to sign in (200, nothing issued: an invite never touches an
    existing account)."""

    permission_classes = [capability_required(Capability.VIEW_CLINICAL, Capability.VIEW_ROSTER)]

    @extend_schema(request=None, responses={201: PortalInviteResponseSerializer, 200: PortalReminderResponseSerializer})
    def post(self, request, pk):
        client = client_for_admin(user=request.user, client_id=pk, write=True)
        offer = records.portal_access_offer(
            client=client,
            actor=request.user,
            sign_in_url=request.build_absolute_uri(reverse("login")),
            invite_url=lambda raw: invite_link(request, raw),
        )
        if offer.reminder_sent:
            return Response(
                {
                    "reminder_sent": True,
                    "detail": "This client already has a portal account. No invite was issued; "
                    "a sign-in reminder was emailed to the address they sign in with.",
                },
                status=status.HTTP_200_OK,
            )
        url = invite_link(request, offer.raw_token)
        return Response(
            {"invite_token": offer.raw_token, "expires_at": offer.invite.expires_at, "invite_url": url},
            status=status.HTTP_201_CREATED,
        )


class AcceptInviteView(APIView):
    """Choose a password for a new portal account. The answer discloses nothing about the
    account (no email, no ids): whoever holds the link learns only that it worked."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=AcceptInviteSerializer, responses={201: None}, auth=[])
    def post(self, request):
        data = AcceptInviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records.portal_invite_accept(
            raw_token=data.validated_data["invite_token"],
            password=data.validated_data["password"],
            email=data.validated_data.get("email"),
        )
        return Response(status=status.HTTP_201_CREATED)


class ConsentView(APIView):
    permission_classes = [ClinicalOnly]

    @extend_schema(responses={200: ConsentSerializer(many=True)})
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        return Response(ConsentSerializer(client.consents.select_related("text"), many=True).data)

    @extend_schema(request=ConsentWriteSerializer, responses={201: ConsentSerializer(many=True)})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = ConsentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["granted"]:
            records.consent_grant(
                client=client,
                kind=data.validated_data["kind"],
                actor=request.user,
                version=data.validated_data.get("version"),
            )
        else:
            records.consent_revoke(client=client, kind=data.validated_data["kind"], actor=request.user)
        return Response(
            ConsentSerializer(client.consents.select_related("text"), many=True).data, status=status.HTTP_201_CREATED
        )


class GoalListView(APIView):
    permission_classes = [ClinicalOnly]

    @extend_schema(responses={200: GoalSerializer(many=True)})
    def get(self, request, pk):
        client = client_for_read(user=request.user, client_id=pk)
        goals = goals_for_client(client=client, actor=request.user)
        return Response(GoalSerializer(goals, many=True).data)

    @extend_schema(request=GoalSerializer, responses={201: GoalSerializer})
    def post(self, request, pk):
        client = client_for_write(user=request.user, client_id=pk)
        data = GoalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = records.goal_create(client=client, actor=request.user, data=dict(data.validated_data))
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class GoalDetailView(APIView):
    permission_classes = [ClinicalOnly]

    @extend_schema(request=GoalSerializer, responses={200: GoalSerializer})
    def patch(self, request, pk):
        goal = goal_for_write(user=request.user, goal_id=pk)
        data = GoalSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("objectives", None)
        records.goal_update(goal=goal, actor=request.user, data=values)
        return Response(GoalSerializer(goal).data)
