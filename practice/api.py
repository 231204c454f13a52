"""HTTP API for sign-in, members, the practice and the audit log."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django_otp import match_token, user_has_device
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from practice import services
from practice.api_support import AuthRateThrottle, AuthUserRateThrottle, LockedOut
from practice.audit import AuditAction, audit_record
from practice.authentication import mfa_required
from practice.bounds import BoundedDateTimeField
from practice.crisis import defaults_for
from practice.lockout import audit_sign_in_failure
from practice.models import ApiToken, AuditEvent, Membership, Practice
from practice.permissions import capability_required
from practice.roles import Capability, has_capability
from practice.selectors import audit_events, audit_filters_from


def portal_access_allowed(user) -> bool:
    """A client signs in only while their portal consent stands (the rule of
    `clients.selectors.client_for_portal`)."""
    from clients.selectors import portal_consent_given  # clients sits above practice

    client = getattr(user, "client_profile", None)
    return client is not None and portal_consent_given(client)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="The account's email address")
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = BoundedDateTimeField()


class TokenView(APIView):
    """Exchange email + password (+ TOTP or recovery code when MFA is on) for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle, AuthUserRateThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        username = data.validated_data["username"]
        if getattr(django_request, "axes_locked_out", False):
            audit_sign_in_failure(username=username, locked_out=True)
            raise LockedOut()
        if user is None or user.membership_or_none is None or not user.membership.is_active:
            audit_sign_in_failure(username=username, locked_out=False)
            raise exceptions.ValidationError({"non_field_errors": ["Unable to sign in with these credentials."]})
        if has_capability(user.membership.role, Capability.USE_PORTAL) and not portal_access_allowed(user):
            raise exceptions.ValidationError(
                {"non_field_errors": ["Your portal access has been withdrawn. Contact your practice."]}
            )
        otp = (data.validated_data.get("otp") or "").strip()
        if user_has_device(user):
            if not otp:
                raise exceptions.ValidationError(
                    {"otp": ["This account uses two-factor authentication: send the 6-digit code."]}
                )
            if match_token(user, otp) is None:
                audit_sign_in_failure(username=username, locked_out=False, fields=("otp",))
                raise exceptions.ValidationError({"otp": ["The code is not valid."]})
        elif mfa_required(user):
            # A staff account reaches nothing until its second factor is enrolled (web only:
            # enrolment shows a QR code and recovery codes once).
            raise exceptions.ValidationError(
                {
                    "otp": [
                        "Two-factor authentication is required for your account: sign in to the web app "
                        "once to enrol an authenticator, then request a token with its code."
                    ]
                }
            )
        token, raw = services.token_issue(user=user)
        return Response({"token": raw, "expires_at": token.expires_at}, status=status.HTTP_200_OK)


class LogoutView(APIView):
    """Revoke the token used for this request (or end the web session)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            services.token_revoke(token=request.auth, actor=request.user)
        else:
            from django.contrib.auth import logout

            audit_record(actor=request.user, action=AuditAction.LOGOUT, target=request.user)
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    mfa_enabled = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "first_name", "last_name", "role", "is_active", "created_at", "mfa_enabled"]

    def get_mfa_enabled(self, membership) -> bool:
        annotated = getattr(membership, "has_mfa_device", None)
        return annotated if annotated is not None else user_has_device(membership.user)


class MemberCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=["therapist", "manager", "admin"])
    # Required: an account is created with the password its owner will change (there is no
    # staff invite flow); a missing one used to reach the service and answer 500.
    password = serializers.CharField(max_length=256, trim_whitespace=False, write_only=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")


class MemberUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    is_active = serializers.BooleanField(required=False)
    # A plain string (checked by the service): an enum here would collide with the create
    # serializer's in the schema's component names.
    role = serializers.CharField(
        required=False,
        max_length=20,
        help_text="therapist, manager or admin: only a role the caller may grant (a manager: therapist or "
        "manager), never one's own.",
    )


class MemberListView(generics.ListCreateAPIView):
    permission_classes = [capability_required(Capability.MANAGE_MEMBERS)]
    serializer_class = MemberSerializer

    def get_queryset(self):
        return (
            Membership.objects.visible_to(self.request.user)
            .staff()
            .with_mfa_status()
            .select_related("user")
            .order_by("id")
        )

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def post(self, request):
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_add(
            practice=request.user.membership.practice,
            actor=request.user,
            **data.validated_data,
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(generics.RetrieveAPIView):
    permission_classes = [capability_required(Capability.MANAGE_MEMBERS)]
    serializer_class = MemberSerializer

    def get_queryset(self):
        return Membership.objects.visible_to(self.request.user).staff().with_mfa_status().select_related("user")

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def patch(self, request, pk):
        membership = self.get_object()
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        role = changes.pop("role", None)
        if role is not None:
            from practice.staff import member_role_change

            membership = member_role_change(membership=membership, role=role, actor=request.user)
        services.member_update(membership=membership, actor=request.user, data=changes)
        return Response(MemberSerializer(membership).data)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", default=None, read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_role",
            "action",
            "target_type",
            "target_id",
            "client_id",
            "request_id",
            "ip_address",
            "fields",
        ]


class AuditListView(generics.ListAPIView):
    """Who read or changed what, when (admins only). Filter with ?client=, ?action=, ?actor= (e-mail),
    ?since= and ?until= (YYYY-MM-DD, whole days in the practice's time zone)."""

    permission_classes = [capability_required(Capability.VIEW_AUDIT)]
    serializer_class = AuditEventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        filters = audit_filters_from(self.request.query_params)
        return audit_events(practice=self.request.user.membership.practice, filters=filters)

    @extend_schema(
        parameters=[
            OpenApiParameter("client", int, description="A client's id"),
            OpenApiParameter("actor", str, description="The actor's e-mail address"),
            OpenApiParameter("action", str, enum=[action.value for action in AuditAction]),
            OpenApiParameter("since", OpenApiTypes.DATE, description="From this day (practice time zone)"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="Up to and including this day"),
        ],
        responses={200: AuditEventSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "email": serializers.EmailField(),
                "role": serializers.CharField(),
                "member_id": serializers.IntegerField(),
                "practice": serializers.CharField(),
                "client_id": serializers.IntegerField(allow_null=True),
            },
        )
    )
    def get(self, request):
        membership = request.user.membership
        client = getattr(request.user, "client_profile", None)
        return Response(
            {
                "id": request.user.pk,
                "email": request.user.email,
                "role": membership.role,
                "member_id": membership.pk,
                "practice": membership.practice.slug,
                "client_id": client.pk if client else None,
            }
        )


class CrisisLineSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    url = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    when = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PracticeSerializer(serializers.ModelSerializer):
    crisis_lines = serializers.SerializerMethodField(
        help_text="The lines clients see: the practice's own, or its country's default set."
    )
    crisis_resources = serializers.SerializerMethodField(help_text="The same lines as tap-to-call links.")
    follows_country_defaults = serializers.BooleanField(read_only=True)
    crisis_defaults_source = serializers.SerializerMethodField()

    class Meta:
        model = Practice
        fields = [
            "id",
            "name",
            "slug",
            "country",
            "time_zone",
            "locale",
            "require_mfa",
            "crisis_lines",
            "follows_country_defaults",
            "crisis_defaults_source",
            "crisis_resources",
            "urgent_ack_minutes",
            "concern_ack_business_days",
            "backup_clinician",
            "note_overdue_hours",
            "not_on_track_session",
            "pcl5_cutoff",
        ]
        read_only_fields = fields

    def get_crisis_lines(self, practice) -> list[dict]:
        return [line.as_dict() for line in practice.crisis_lines_effective]

    def get_crisis_resources(self, practice) -> list[dict]:
        return list(practice.crisis_resources)

    @extend_schema_field(
        inline_serializer(
            "CrisisDefaultsSource",
            {
                "country": serializers.CharField(),
                "source": serializers.URLField(),
                "checked_on": serializers.DateField(),
            },
        )
    )
    def get_crisis_defaults_source(self, practice) -> dict | None:
        defaults = defaults_for(practice.country)
        if defaults is None:
            return None
        return {"country": defaults.code, "source": defaults.source, "checked_on": defaults.checked_on}


class PracticeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=200, allow_blank=False)
    country = serializers.CharField(required=False, max_length=2, help_text="ISO 3166-1 alpha-2: US, GB, CA, AU, IE.")
    time_zone = serializers.CharField(required=False, max_length=64, help_text="An IANA zone, e.g. Europe/London.")
    locale = serializers.CharField(required=False, max_length=10)
    require_mfa = serializers.BooleanField(
        required=False, help_text="Every staff member must enrol and use an authenticator app (TOTP)."
    )
    crisis_lines = CrisisLineSerializer(
        many=True, required=False, help_text="The practice's own lines, in order; [] follows the country's set."
    )
    urgent_ack_minutes = serializers.IntegerField(required=False)
    concern_ack_business_days = serializers.IntegerField(required=False)
    backup_clinician = serializers.IntegerField(required=False, allow_null=True, help_text="A therapist's member id.")
    note_overdue_hours = serializers.IntegerField(required=False)
    not_on_track_session = serializers.IntegerField(required=False)
    pcl5_cutoff = serializers.IntegerField(required=False)


class PracticeView(APIView):
    """The caller's own practice and its settings (admins only). Every change is audited."""

    permission_classes = [capability_required(Capability.CONFIGURE_PRACTICE)]

    @extend_schema(responses={200: PracticeSerializer})
    def get(self, request):
        return Response(PracticeSerializer(request.user.membership.practice).data)

    @extend_schema(request=PracticeUpdateSerializer, responses={200: PracticeSerializer})
    def patch(self, request):
        data = PracticeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "crisis_lines" in values:
            values["crisis_lines"] = [dict(line) for line in values["crisis_lines"]]
        practice = services.practice_update(practice=request.user.membership.practice, actor=request.user, data=values)
        return Response(PracticeSerializer(practice).data)
