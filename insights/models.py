from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import Client
from practice.fields import EncryptedTextField
from practice.models import Membership, Practice


class EngagementSnapshot(models.Model):
    """Computed engagement metrics for one client: an upsert target, recomputable any time."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="engagement")
    computed_at = models.DateTimeField()
    watermark = models.DateTimeField(help_text="Latest source change included in the metrics")
    source_changed_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(default=False, db_index=True)
    metrics = models.JSONField(default=dict)
    disengagement_risk = models.FloatField(null=True, blank=True)
    low_engagement = models.BooleanField(null=True)


class AlertQuerySet(models.QuerySet):
    """Which alerts a user sees: the one scope for the alerts API, the alerts page and the dashboard."""

    def visible_to(self, user) -> AlertQuerySet:
        """Alerts on clients in the user's clinical scope, plus those escalated (level >= 1) to
        them as their practice's backup clinician. Nothing for anyone without a membership."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        membership = user.membership_or_none
        if membership is None:
            return self.none()
        return self.filter(
            models.Q(client__in=Client.objects.clinical_scope(user))
            | models.Q(
                escalation_level__gte=1,
                client__practice__backup_clinician=membership,
                client__practice_id=membership.practice_id,
            )
        )

    def unresolved(self) -> AlertQuerySet:
        """Open or acknowledged: still waiting for a person to resolve it."""
        return self.exclude(status=Alert.Status.RESOLVED)

    def urgent_first(self, *then: str) -> AlertQuerySet:
        urgent = models.Case(
            models.When(severity=Alert.Severity.URGENT, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
        return self.order_by(urgent, *then)


class Alert(models.Model):
    """A signal a person must see and close. Only a person acknowledges or resolves it."""

    class Kind(models.TextChoices):
        RISK_LANGUAGE = "risk_language"
        PHQ9_ITEM9 = "phq9_item9"
        CSSRS = "cssrs"
        MEASURE_FLAG = "measure_flag"
        NOT_ON_TRACK = "not_on_track"
        ALLIANCE_DROP = "alliance_drop"

    class Severity(models.TextChoices):
        URGENT = "urgent"
        CONCERN = "concern"

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"

    class Outcome(models.TextChoices):
        SAFETY_PLAN_REVIEWED = "safety_plan_reviewed"
        CONTACTED_CLIENT = "contacted_client"
        EMERGENCY_SERVICES = "emergency_services"
        FALSE_POSITIVE = "false_positive"
        OTHER = "other"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    reason = EncryptedTextField(max_length=300)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    excerpt = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledge_note = EncryptedTextField(blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    resolution_note = EncryptedTextField(blank=True, default="")
    # Resolved as "safety plan reviewed": the plan version that was reviewed with the client.
    reviewed_plan_version = models.ForeignKey(
        "clients.SafetyPlanVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_alerts"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    # Which detector raised a risk-language alert and how ("model", "model+rules", "rules",
    # "unavailable"): an alert a learned model raised is an AI output and is labelled as such.
    detector_method = models.CharField(max_length=20, blank=True, default="")
    detector_version = models.CharField(max_length=20, blank=True, default="")

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["status", "acknowledge_by"]),
        ]

    MODEL_METHODS = frozenset({"model", "model+rules"})

    @property
    def model_output(self) -> bool:
        """Raised by the learned risk model (an AI output), not by a rule or a questionnaire."""
        return self.detector_method in self.MODEL_METHODS


class AiSuggestion(models.Model):
    """Any AI output: a suggestion to a clinician, with its inputs, method and decision."""

    class Kind(models.TextChoices):
        HOMEWORK_RECOMMENDATION = "homework_recommendation"
        SESSION_BRIEF = "session_brief"
        AFFECT = "affect"
        NUDGE_TIMING = "nudge_timing"

    class Decision(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        DISMISSED = "dismissed"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ai_suggestions")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    inputs = models.JSONField(default=dict, help_text="Ids of the source rows")
    method = models.CharField(max_length=100)
    version = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "kind", "decision"])]


class PracticeAggregate(models.Model):
    """Monthly practice figures per therapist (therapist null = whole practice)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    metrics = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "therapist", "month"], name="unique_aggregate_month"),
            models.UniqueConstraint(
                fields=["practice", "month"],
                condition=models.Q(therapist__isnull=True),
                name="unique_practice_aggregate_month",
            ),
        ]
