from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Client, Consent, Goal, Objective
from practice.api_rows import date_text, datetime_text
from practice.bounds import BoundedDateField, BoundedDateTimeField
from practice.models import Membership


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """A member id, limited to the requesting user's practice (unknown ids are 400)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Membership.objects.none()
        return Membership.objects.filter(practice_id=request.user.membership.practice_id).staff()


class RosterClientSerializer(serializers.ModelSerializer):
    """What managers and admins see: no clinical fields."""

    therapist = serializers.PrimaryKeyRelatedField(source="primary_therapist", read_only=True, allow_null=True)
    therapist_name = serializers.SerializerMethodField()
    name = serializers.CharField(source="full_name", read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "first_name",
            "last_name",
            "status",
            "therapist",
            "therapist_name",
            "referred_at",
            "intake_date",
            "discharged_at",
            "created_at",
            "version",
        ]

    def get_therapist_name(self, client) -> str | None:
        return client.primary_therapist.display_name if client.primary_therapist else None


class CaseloadClientSerializer(RosterClientSerializer):
    class Meta(RosterClientSerializer.Meta):
        fields = [
            *RosterClientSerializer.Meta.fields,
            "preferred_name",
            "date_of_birth",
            "email",
            "phone",
            "co_therapist",
            "supervisor",
            "discharge_reason",
            "has_portal",
        ]

    has_portal = serializers.SerializerMethodField()

    def get_has_portal(self, client) -> bool:
        return client.user_id is not None


# The caseload/roster list, built from `values()` rows (practice.api_rows): the same JSON as
# RosterClientSerializer / CaseloadClientSerializer (tests/clients/test_list_rows.py).
ROSTER_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "status",
    "primary_therapist_id",
    "primary_therapist__user__first_name",
    "primary_therapist__user__last_name",
    "primary_therapist__user__email",
    "referred_at",
    "intake_date",
    "discharged_at",
    "created_at",
    "version",
)
CASELOAD_COLUMNS = (
    *ROSTER_COLUMNS,
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "co_therapist_id",
    "supervisor_id",
    "discharge_reason",
    "user_id",
)


def client_list_rows(rows: list[dict], *, clinical: bool) -> list[dict]:
    """The caseload rows (`clinical`, from CASELOAD_COLUMNS) or the roster rows (from
    ROSTER_COLUMNS) of the client list."""
    when = datetime_text()
    output = []
    for row in rows:
        therapist = row["primary_therapist_id"]
        therapist_name = None
        if therapist is not None:  # Membership.display_name
            full = f"{row['primary_therapist__user__first_name']} {row['primary_therapist__user__last_name']}".strip()
            therapist_name = full or row["primary_therapist__user__email"]
        item = {
            "id": row["id"],
            "name": f"{row['first_name']} {row['last_name']}",
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "status": row["status"],
            "therapist": therapist,
            "therapist_name": therapist_name,
            "referred_at": date_text(row["referred_at"]),
            "intake_date": date_text(row["intake_date"]),
            "discharged_at": date_text(row["discharged_at"]),
            "created_at": when(row["created_at"]),
            "version": row["version"],
        }
        if clinical:
            item["preferred_name"] = row["preferred_name"]
            item["date_of_birth"] = date_text(row["date_of_birth"])
            item["email"] = row["email"]
            item["phone"] = row["phone"]
            item["co_therapist"] = row["co_therapist_id"]
            item["supervisor"] = row["supervisor_id"]
            item["discharge_reason"] = row["discharge_reason"]
            item["has_portal"] = row["user_id"] is not None
        output.append(item)
    return output


class ConsentSerializer(serializers.ModelSerializer):
    text_version = serializers.IntegerField(source="text.version", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Consent
        fields = ["id", "kind", "version", "granted_at", "revoked_at", "method", "signature_name", "text_version"]


class ClientDetailSerializer(CaseloadClientSerializer):
    consents = serializers.SerializerMethodField()

    class Meta(CaseloadClientSerializer.Meta):
        fields = [
            *CaseloadClientSerializer.Meta.fields,
            "address",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "pronouns",
            "presenting_concerns",
            "diagnosis_codes",
            "plan_reviewed_on",
            "reminders_enabled",
            "reminder_hour",
            "reminder_channel",
            "consents",
            "updated_at",
        ]

    def get_consents(self, client) -> list[dict]:
        return ConsentSerializer(client.consents.filter(revoked_at__isnull=True).select_related("text"), many=True).data


class ClientWriteSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    preferred_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = BoundedDateField()
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    emergency_contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    emergency_contact_relationship = serializers.CharField(max_length=100, required=False, allow_blank=True)
    emergency_contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    pronouns = serializers.CharField(max_length=40, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)
    referred_at = BoundedDateField(required=False, allow_null=True)
    intake_date = BoundedDateField(required=False, allow_null=True)
    discharged_at = BoundedDateField(required=False, allow_null=True)
    discharge_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    presenting_concerns = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    diagnosis_codes = serializers.ListField(
        child=serializers.RegexField(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$", max_length=8),
        required=False,
        max_length=20,
        help_text="ICD-10 codes such as F32.1",
    )
    therapist = MemberField(source="primary_therapist", required=False, allow_null=True)
    co_therapist = MemberField(required=False, allow_null=True)
    supervisor = MemberField(required=False, allow_null=True)
    plan_reviewed_on = BoundedDateField(required=False, allow_null=True)
    reminders_enabled = serializers.BooleanField(required=False)
    reminder_hour = serializers.IntegerField(min_value=0, max_value=23, required=False)
    reminder_channel = serializers.ChoiceField(choices=["email", "none"], required=False)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Send the version you read to detect conflicts"
    )

    def validate_first_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    validate_last_name = validate_first_name


class ObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = ["id", "description", "measure", "target_date", "status"]


class GoalSerializer(serializers.ModelSerializer):
    objectives = ObjectiveSerializer(many=True, required=False)

    class Meta:
        model = Goal
        fields = ["id", "problem", "description", "target_date", "status", "objectives", "created_at"]
        read_only_fields = ["created_at"]


class PortalInviteResponseSerializer(serializers.Serializer):
    invite_token = serializers.CharField()
    expires_at = BoundedDateTimeField()
    invite_url = serializers.CharField()


class PortalReminderResponseSerializer(serializers.Serializer):
    """The client already has a portal account: no invite was issued, a reminder was emailed."""

    reminder_sent = serializers.BooleanField()
    detail = serializers.CharField()


class AcceptInviteSerializer(serializers.Serializer):
    invite_token = serializers.CharField(max_length=200)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    email = serializers.EmailField(required=False, max_length=254, help_text="Only when the client record has no email")


class ConsentWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Consent.Kind.choices)
    version = serializers.CharField(
        max_length=20, required=False, help_text="Defaults to the practice's current text version (v1, v2...)"
    )
    granted = serializers.BooleanField(default=True)
