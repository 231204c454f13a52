"""Between sessions: the client's safety plan, coping toolkit and agenda (issue 15).

Imported by clients/models.py, so the models belong to the `clients` app.

- `SafetyPlanVersion`: every change to a client's safety plan is a new, immutable version
  with who wrote it; the therapist marks a version "reviewed with the client" (the only
  thing that changes on a version after it is written).
- `CopingStrategy`: the practice's library (client null) or one client's own strategy.
  `ToolkitItem` is a strategy the therapist picked for the client; `ToolkitUse` is one tap
  on it in the portal (unique per request key, so a resent POST is not a second use).
- `AgendaEntry`: what the client wants to talk about next time and what helped this week.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from practice.fields import EncryptedJSONField, EncryptedTextField
from practice.models import Practice

# The sections of a plan, in the order shown, with Alliance's own headings and prompts.
# `kind`: "lines" is a list of short texts; "contacts" a list of {"name", "phone"}.
PLAN_SECTIONS: tuple[dict, ...] = (
    {
        "key": "warning_signs",
        "kind": "lines",
        "heading": "When things start to get hard, I notice",
        "client_heading": "How I know things are getting hard",
        "prompt": "Thoughts, feelings, situations or things you do that tell you a difficult time is starting.",
    },
    {
        "key": "on_my_own",
        "kind": "lines",
        "heading": "Things I can do on my own",
        "client_heading": "Things I can do on my own",
        "prompt": "Small things that take your mind off it or calm you, that you can do without anyone else.",
    },
    {
        "key": "people_places",
        "kind": "lines",
        "heading": "People and places that help me feel better",
        "client_heading": "People and places that help me feel better",
        "prompt": "Somewhere to go or someone to be around, without needing to talk about how you feel.",
    },
    {
        "key": "ask_for_help",
        "kind": "contacts",
        "heading": "People I can ask for help",
        "client_heading": "People I can ask for help",
        "prompt": "Friends or family you could tell that you are struggling. Add a phone number so it is one tap away.",
    },
    {
        "key": "professionals",
        "kind": "contacts",
        "heading": "Professionals and crisis lines",
        "client_heading": "Professionals and crisis lines",
        "prompt": "Your own contacts: your therapist, your doctor, a service you trust. Your practice's crisis lines are always shown too.",
    },
    {
        "key": "safer_surroundings",
        "kind": "lines",
        "heading": "Making my surroundings safer",
        "client_heading": "Making my surroundings safer",
        "prompt": "What you can put out of reach, give to someone to keep, or stay away from while things are hard.",
    },
    {
        "key": "reasons",
        "kind": "lines",
        "heading": "My reasons for living",
        "client_heading": "What matters to me",
        "prompt": "People, plans, pets, beliefs, anything that matters to you and keeps you going.",
    },
)
PLAN_SECTION_KEYS = tuple(section["key"] for section in PLAN_SECTIONS)


class SafetyPlanVersion(models.Model):
    """One immutable version of a client's safety plan (`content`: section key -> entries)."""

    class Author(models.TextChoices):
        THERAPIST = "therapist", "Therapist with the client"
        CLIENT = "client", "Client (draft)"

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="safety_plan_versions")
    number = models.PositiveIntegerField()
    content = EncryptedJSONField(default=dict)
    author = models.CharField(max_length=10, choices=Author.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["client", "number"], name="unique_safety_plan_version")]

    def __str__(self) -> str:
        return f"Safety plan v{self.number}"

    def entries(self, key: str) -> list:
        return list((self.content or {}).get(key) or [])

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class CopingStrategy(models.Model):
    """A coping strategy with short instructions: the practice library's, or a client's own."""

    class Kind(models.TextChoices):
        GROUNDING = "grounding", "Grounding"
        BREATHING = "breathing", "Breathing"
        ACTIVATION = "activation", "Doing something"
        SOOTHING = "soothing", "Self-soothing"
        OWN = "own", "My own"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="coping_strategies")
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="own_strategies"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = EncryptedTextField(max_length=120)
    instructions = EncryptedTextField(default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name_plural = "coping strategies"

    def __str__(self) -> str:
        return self.title


class ToolkitItem(models.Model):
    """A strategy the therapist picked for the client (removed_at set when taken out)."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="toolkit_items")
    strategy = models.ForeignKey(CopingStrategy, on_delete=models.CASCADE, related_name="toolkit_items")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "strategy"], name="unique_toolkit_item")]


class ToolkitUse(models.Model):
    """One tap on a toolkit strategy in the portal. `request_key` makes a resent POST one use."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="toolkit_uses")
    strategy = models.ForeignKey(CopingStrategy, on_delete=models.CASCADE, related_name="uses")
    used_at = models.DateTimeField(default=timezone.now)
    request_key = models.CharField(max_length=64)
    source = models.CharField(max_length=20, default="toolkit")

    class Meta:
        ordering = ["-used_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["client", "request_key"], name="unique_toolkit_use_request")]
        indexes = [models.Index(fields=["client", "used_at"])]


class AgendaEntry(models.Model):
    """What the client wants to talk about next time, and what helped this week (verbatim)."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="agenda_entries")
    talk_about = EncryptedTextField(blank=True, default="")
    helped = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "agenda entries"
        indexes = [models.Index(fields=["client", "created_at"])]
