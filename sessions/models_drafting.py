"""Note drafts from the documentation assistant (issue 18 part 2).

A `NoteDraft` is one AI suggestion for one progress note: the therapist's bullet points and the
structured "since last session" facts it was built from (`sources`), the sentences the drafter
wrote, each with the sources it cites and the faithfulness check's verdict, the backend, model
and version that wrote it, and what the therapist did with it (inserted, edited, signed as is,
discarded) with the word edit distance between the inserted text and the signed text.

Registered under the sessions app through the import at the end of sessions/models.py.
Psychotherapy notes never have drafts: the foreign key is to ProgressNote only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models import Client
from practice.fields import EncryptedJSONField


class NoteDraft(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Drafting"
        READY = "ready", "Ready"
        WITHHELD = "withheld", "Withheld: too much of it was not supported by its sources"
        FAILED = "failed", "Failed"

    class Decision(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted", "Signed as drafted"
        EDITED = "edited", "Edited, then signed"
        DISCARDED = "discarded"

    FINISHED = frozenset({Status.READY, Status.WITHHELD, Status.FAILED})

    note = models.ForeignKey("clinical_sessions.ProgressNote", on_delete=models.CASCADE, related_name="drafts")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=40, blank=True, default="")
    progress = models.PositiveSmallIntegerField(default=0)
    backend = models.CharField(max_length=30)
    model = models.CharField(max_length=120, blank=True, default="")
    version = models.CharField(max_length=40, blank=True, default="")
    # The sections the draft fills: [{"key", "heading"}] (the note's format or template).
    layout = models.JSONField(default=list)
    # [{"key": "b1", "kind": "bullet", "text": ...}, {"key": "f1", "kind": "measure", ...}]
    sources = EncryptedJSONField(default=list)
    # [{"section", "text", "sources": [keys], "supported": bool, "problems": [...]}]
    sentences = EncryptedJSONField(default=list)
    # Counts only (no text): {"sentences", "supported", "share", "passed", "bullets", "bullets_covered", "method"}
    faithfulness = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Insertion into the note: the sections as they were right after it, so the edits made
    # afterwards can be measured at signing.
    inserted_at = models.DateTimeField(null=True, blank=True)
    inserted_sections = EncryptedJSONField(default=dict, blank=True)
    draft_words = models.PositiveIntegerField(null=True, blank=True)
    edit_distance = models.PositiveIntegerField(null=True, blank=True, help_text="Word edits, inserted -> signed")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["note", "created_at"]), models.Index(fields=["client", "decision"])]

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def edit_rate(self) -> float | None:
        if self.edit_distance is None or not self.draft_words:
            return None
        return round(self.edit_distance / self.draft_words, 3)
