from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import Client, Goal
from practice import labels
from practice.fields import EncryptedJSONField, EncryptedTextField
from practice.models import Membership, Practice


class Session(models.Model):
    class Kind(models.TextChoices):
        INTAKE = "intake"
        INDIVIDUAL = "individual"
        COUPLE = "couple"
        FAMILY = "family"
        GROUP = "group"
        TELEHEALTH = "telehealth"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        ATTENDED = "attended"
        NO_SHOW = "no_show"
        CANCELLED = "cancelled"
        LATE_CANCELLED = "late_cancelled"

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video"
        PHONE = "phone", "Phone"

    class CancelledBy(models.TextChoices):
        CLIENT = "client", "The client"
        PRACTICE = "practice", "The practice"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    therapist = models.ForeignKey(Membership, null=True, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Telehealth (issue 14): how the session happens; a video session gets an unguessable room.
    modality = models.CharField(max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    video_room = models.CharField(max_length=64, blank=True, default="")
    # Scheduling (issue 14). A series occurrence edited on its own is "detached": later edits
    # of the series (this-and-following) leave it as it is.
    series = models.ForeignKey(
        "SessionSeries", null=True, blank=True, on_delete=models.SET_NULL, related_name="occurrences"
    )
    series_detached = models.BooleanField(default=False)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    # Encrypted: a reason given by a client may say why ("in hospital").
    cancellation_reason = EncryptedTextField(blank=True, default="")
    overlap_override_reason = EncryptedTextField(blank=True, default="")

    # Statuses that free the slot: a cancelled session never clashes with a booking.
    FREE_STATUSES = frozenset({Status.CANCELLED, Status.LATE_CANCELLED})
    # Outcomes that can only be recorded once the session has started.
    OUTCOMES_AFTER_START = frozenset({Status.ATTENDED, Status.NO_SHOW, Status.LATE_CANCELLED})

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # Covering: the engagement recompute reads each client's last 90 days of sessions
            # (status, and updated_at for the snapshot watermark) from the index alone
            # (insights.engagement.bulk.session_sql), not from ~2.6x as many heap rows.
            models.Index(
                fields=["client", "starts_at"], include=["status", "updated_at"], name="session_client_starts_idx"
            ),
            models.Index(fields=["therapist", "starts_at"]),
        ]

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class SessionSeries(models.Model):
    """A recurring appointment: the rule, in the therapist's local time, and its horizon.

    Occurrences are Session rows created up to `materialised_until` (see
    `sessions.services.series`); the rule is kept so the horizon can be extended later.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        FORTNIGHTLY = "fortnightly", "Every two weeks"
        WEEKDAYS = "weekdays", "On chosen weekdays"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="session_series")
    therapist = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="session_series")
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday; for 'weekdays'")
    start_date = models.DateField()
    local_time = models.TimeField()
    time_zone = models.CharField(max_length=64)
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    kind = models.CharField(max_length=20, choices=Session.Kind.choices, default=Session.Kind.INDIVIDUAL)
    until = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    materialised_until = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="Cancelled from this date on")
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["ended_on", "materialised_until"])]


class SessionChange(models.Model):
    """One change in a session's life: booked, moved, status changed. Never edited."""

    class Kind(models.TextChoices):
        BOOKED = "booked"
        RESCHEDULED = "rescheduled"
        STATUS = "status"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    previous_starts_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    previous_duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_status = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, blank=True)
    reason = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    @staticmethod
    def _label(status: str) -> str:
        return Session.Status(status).label if status in Session.Status.values else status

    @property
    def previous_status_label(self) -> str:
        return self._label(self.previous_status)

    @property
    def status_label(self) -> str:
        return self._label(self.status)


class TherapistCalendar(models.Model):
    """A therapist's calendar settings: time zone and the private ICS feed token (hashed)."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="calendar")
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the practice's (TIME_ZONE)")
    feed_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    feed_token_created_at = models.DateTimeField(null=True, blank=True)
    feed_shows_initials = models.BooleanField(default=False)


class WorkingHours(models.Model):
    """One weekday's working hours, in the therapist's time zone (one range a day)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday")
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        constraints = [models.UniqueConstraint(fields=["membership", "weekday"], name="one_working_range_a_day")]


class TimeOff(models.Model):
    """Days away (inclusive), in the therapist's time zone."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="time_off")
    first_day = models.DateField()
    last_day = models.DateField()
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_day", "id"]


class ProgressNote(models.Model):
    class Format(models.TextChoices):
        SOAP = "soap"
        DAP = "dap"
        BIRP = "birp"
        FREE = "free"

    class Status(models.TextChoices):
        DRAFT = "draft"
        IN_REVIEW = "in_review", "With the supervisor for review"
        SIGNED = "signed"

    # Signed is terminal: changes after signing are addenda. A note whose author must be
    # reviewed before signing (sessions.models.Supervision) goes draft -> in_review; the
    # supervisor either returns it (in_review -> draft, with a comment) or co-signs it, which
    # signs it (in_review -> signed). See sessions/services/notes.py.
    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.SIGNED, Status.IN_REVIEW},
        Status.IN_REVIEW: {Status.DRAFT, Status.SIGNED},
        Status.SIGNED: set(),
    }

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=10, choices=Format.choices)
    sections = EncryptedJSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    goals = models.ManyToManyField(Goal, blank=True, related_name="notes")
    # A note started from a practice template (NoteTemplate) is stored as format "free" with
    # the template's sections: `layout` is the template's [{key, heading, prompt}] as it was
    # when the note was started, so later edits of the template never orphan a note's text.
    template = models.ForeignKey("NoteTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    layout = models.JSONField(default=list, blank=True)
    # Review before signing (supervision): when the author submitted it, and the supervisor's
    # last "return for revision" (the comment the author sees until they resubmit).
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = EncryptedTextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "status"])]


class NoteTemplate(models.Model):
    """A practice's own progress-note layout: named sections, each with a heading and a prompt.

    `sections` is [{"key": "presenting", "heading": "Presenting issue", "prompt": "..."}];
    keys are slugs, unique within the template, and never change once a note uses them.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="note_templates")
    name = models.CharField(max_length=120)
    sections = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Supervision(models.Model):
    """A supervisor's setting for one supervisee (a therapist whose clients they supervise).

    With `review_before_signing`, the supervisee's notes for clients this supervisor
    supervises cannot be signed directly: "Sign" becomes "Submit for review", and the
    supervisor's co-signature signs the note.
    """

    supervisor = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="supervisions_given")
    supervisee = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="supervisions_received")
    review_before_signing = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supervisor", "supervisee"], name="supervision_unique_pair"),
        ]


class NoteAddendum(models.Model):
    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class PsychotherapyNote(models.Model):
    """Process notes (HIPAA psychotherapy notes): readable by their author only.

    Never exported, reported, analysed, searched or passed to a task.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class HomeworkTemplate(models.Model):
    class Kind(models.TextChoices):
        THOUGHT_RECORD = "thought_record"
        ACTIVITY_LOG = "activity_log"
        EXPOSURE_LOG = "exposure_log"
        JOURNAL = "journal"
        WORKSHEET = "worksheet"
        CHECKLIST = "checklist"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="homework_templates")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    instructions = models.TextField(blank=True)
    fields = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_builtin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        # The homework picker and the admin list templates by name, never "HomeworkTemplate object (N)".
        return f"{self.title} ({labels.label('homework_kind', self.kind).lower()})"


class HomeworkAssignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        MISSED = "missed"
        CANCELLED = "cancelled"

    ALLOWED_TRANSITIONS = {
        Status.ASSIGNED: {Status.IN_PROGRESS, Status.COMPLETED, Status.MISSED, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.COMPLETED, Status.MISSED, Status.CANCELLED},
        # A client may still finish work that was marked missed (late completion counts).
        Status.MISSED: {Status.COMPLETED, Status.IN_PROGRESS, Status.CANCELLED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    }

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="homework")
    template = models.ForeignKey(
        HomeworkTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    # Encrypted: what a client is asked to work on is clinical (the template it came from, if
    # any, is practice library content and stays searchable).
    title = EncryptedTextField(max_length=200)
    kind = models.CharField(max_length=20, choices=HomeworkTemplate.Kind.choices)
    fields = models.JSONField(default=list, blank=True)
    instructions = EncryptedTextField(blank=True, default="")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="homework")
    series = models.UUIDField(null=True, blank=True, help_text="Shared by the occurrences of a recurrence")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    feedback = EncryptedTextField(blank=True, default="")
    feedback_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["client", "due_at"]),
            models.Index(fields=["status", "due_at"]),
            # The engagement recompute reads each client's assignments newest first
            # (insights.engagement.bulk.homework_sql): on PostgreSQL an index-only scan in
            # that order, with no sort of the whole table.
            models.Index(
                fields=["client", "-due_at", "-id"],
                include=["status", "completed_at", "created_at"],
                name="hw_client_due_desc_idx",
            ),
        ]


class HomeworkSubmission(models.Model):
    """A client's responses. A draft is updated in place until it is submitted."""

    assignment = models.ForeignKey(HomeworkAssignment, on_delete=models.CASCADE, related_name="submissions")
    responses = EncryptedJSONField(default=dict)
    is_draft = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]


class CheckIn(models.Model):
    EMOTIONS = [
        "calm",
        "happy",
        "hopeful",
        "grateful",
        "tired",
        "anxious",
        "sad",
        "angry",
        "lonely",
        "overwhelmed",
        "numb",
        "irritable",
        "ashamed",
        "content",
    ]

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="checkins")
    mood = models.PositiveSmallIntegerField()
    emotions = models.JSONField(default=list, blank=True)
    note = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "created_at"]),
            # The engagement recompute's mood figures read the last 30 days of every client
            # (insights.engagement.bulk.mood_sql): an index-only range scan on PostgreSQL.
            models.Index(fields=["created_at"], include=["client", "mood"], name="checkin_recent_mood_idx"),
        ]


class Message(models.Model):
    """Messages between a client and their care team (text is encrypted; risk-screened)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_client = models.BooleanField(default=False)
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


# Reminders, telehealth settings and cancellation requests live in their own module.
# Note drafts from the documentation assistant (issue 18) live in their own module.
from sessions.models_drafting import NoteDraft  # noqa: E402,F401
from sessions.models_reminders import (  # noqa: E402,F401
    CancellationRequest,
    Reminder,
    ReminderPolicy,
    ReminderPreference,
)
