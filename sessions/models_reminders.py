"""Appointment and questionnaire reminders, telehealth rooms, and the client's cancellation
requests (issue 14, items 5 to 7).

Kept apart from sessions/models.py so the calendar work on Session merges cleanly; the models
register under the sessions app (label `clinical_sessions`) through the import at the end of
sessions/models.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.models import Client, DueQuestionnaire
from practice.fields import EncryptedTextField
from practice.models import Practice

DEFAULT_OFFSETS_MINUTES = [48 * 60, 2 * 60]
DEFAULT_QUESTIONNAIRE_OFFSETS_MINUTES = [24 * 60]
DEFAULT_LATE_CANCEL_HOURS = 24
# The client's Join button shows from this long before the start until the end.
JOIN_OPENS_MINUTES = 15


def default_offsets() -> list[int]:
    return list(DEFAULT_OFFSETS_MINUTES)


def default_questionnaire_offsets() -> list[int]:
    return list(DEFAULT_QUESTIONNAIRE_OFFSETS_MINUTES)


def default_channels() -> list[str]:
    return ["email", "sms"]


class ReminderPolicy(models.Model):
    """A practice's reminder, late-cancellation and video settings (one row per practice;
    a practice without a row uses the defaults: see `sessions.reminders.policy_for`)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="reminder_policy")
    enabled = models.BooleanField(default=True)
    # Minutes before the appointment; each offset sends on every channel the client accepts.
    offsets_minutes = models.JSONField(default=default_offsets)
    # Minutes before the session a due questionnaire belongs to.
    questionnaire_offsets_minutes = models.JSONField(default=default_questionnaire_offsets)
    channels = models.JSONField(default=default_channels)
    late_cancel_hours = models.PositiveSmallIntegerField(default=DEFAULT_LATE_CANCEL_HOURS)
    # How reminders name the practice; empty = the practice name without clinical words
    # ("Northside Therapy" -> "Northside"): a text on a lock screen must not say "therapy".
    reminder_name = models.CharField(max_length=100, blank=True, default="")
    # A Jitsi-style base: the join link is this URL plus the session's room name. Empty = the
    # site's own placeholder page (the demo), never an outside service by default.
    video_base_url = models.URLField(max_length=300, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)


class ReminderPreference(models.Model):
    """How a client wants appointment and questionnaire reminders (homework reminders keep
    their own settings on Client). Without a row: e-mail."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"
        BOTH = "both", "E-mail and text message"
        NONE = "none", "No reminders"

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="reminder_preference")
    appointment_channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    questionnaire_channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # Where texts go; empty = the phone number on the client's record.
    mobile = models.CharField(max_length=40, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)


class Reminder(models.Model):
    """One reminder on one channel. The row is the idempotency key: it is claimed (pending ->
    sending) by a conditional UPDATE before anything is sent, so a task delivered twice, or two
    sweeps, send it once. A claim that never finished is given up, not retried."""

    class Purpose(models.TextChoices):
        APPOINTMENT = "appointment"
        QUESTIONNAIRE = "questionnaire"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        SKIPPED = "skipped"  # checked at send time: cancelled, moved, opted out, no address ...
        FAILED = "failed"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reminders")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    session = models.ForeignKey(
        "clinical_sessions.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    due_questionnaire = models.ForeignKey(
        DueQuestionnaire, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    offset_minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The appointment time this reminder announces: a reschedule gets fresh rows, and a row
    # whose time no longer matches the session is skipped, never sent.
    appointment_starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "offset_minutes", "channel", "appointment_starts_at"],
                condition=Q(session__isnull=False),
                name="unique_appointment_reminder",
            ),
            models.UniqueConstraint(
                fields=["due_questionnaire", "offset_minutes", "channel"],
                condition=Q(due_questionnaire__isnull=False),
                name="unique_questionnaire_reminder",
            ),
        ]


class CancellationRequest(models.Model):
    """A client's "I can't make it". The therapist decides (cancel or late-cancel in the web):
    nothing is cancelled automatically. Open while the session is still scheduled."""

    session = models.ForeignKey(
        "clinical_sessions.Session", on_delete=models.CASCADE, related_name="cancellation_requests"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(blank=True, default="")
    inside_late_window = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["session"], name="one_cancellation_request_per_session")]
