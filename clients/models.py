from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from practice.fields import EncryptedJSONField, EncryptedTextField
from practice.models import Membership, Practice
from practice.roles import Capability, Role, has_capability


class ClientQuerySet(models.QuerySet):
    """The access guard for clients and everything scoped through them."""

    def _membership(self, user) -> Membership | None:
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        membership = user.membership_or_none
        return membership if membership and membership.is_active else None

    def visible_to(self, user) -> ClientQuerySet:
        """Records the user may see at all: care team, practice roster for manager/admin, self."""
        membership = self._membership(user)
        if membership is None:
            return self.none()
        scoped = self.filter(practice_id=membership.practice_id)
        if membership.role in (Role.MANAGER, Role.ADMIN):
            return scoped
        if membership.role == Role.THERAPIST:
            return scoped.filter(
                Q(primary_therapist=membership) | Q(co_therapist=membership) | Q(supervisor=membership)
            )
        if membership.role == Role.CLIENT:
            return scoped.filter(user=user)
        return self.none()

    def clinical_scope(self, user) -> ClientQuerySet:
        """Clients whose clinical content the user may read: care team, or the client self.

        Managers never see clinical content. Admins only see the clients they hold an active
        break-glass grant for (read-only: `editable_by` never includes an admin).
        """
        membership = self._membership(user)
        if membership is None or membership.role == Role.MANAGER:
            return self.none()
        if membership.role == Role.ADMIN:
            granted = BreakGlassGrant.objects.active().filter(granted_to=membership).values("client_id")
            return self.filter(practice_id=membership.practice_id, pk__in=granted)
        return self.visible_to(user)

    def editable_by(self, user) -> ClientQuerySet:
        """Clients whose clinical record the user may change: primary or co-therapist."""
        membership = self._membership(user)
        if membership is None or not has_capability(membership.role, Capability.EDIT_CLINICAL):
            return self.none()
        return self.filter(practice_id=membership.practice_id).filter(
            Q(primary_therapist=membership) | Q(co_therapist=membership)
        )

    def administrable_by(self, user) -> ClientQuerySet:
        """Clients whose demographics/status/care team the user may change: the whole practice
        with EDIT_CLIENT_ADMIN (managers, admins), else the clients whose record they edit."""
        membership = self._membership(user)
        if membership is None:
            return self.none()
        if has_capability(membership.role, Capability.EDIT_CLIENT_ADMIN):
            return self.filter(practice_id=membership.practice_id)
        return self.editable_by(user)


class Client(models.Model):
    class Status(models.TextChoices):
        WAITLIST = "waitlist"
        ACTIVE = "active"
        ON_HOLD = "on_hold"
        DISCHARGED = "discharged"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = EncryptedTextField(blank=True, default="")
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    referred_at = models.DateField(null=True, blank=True, help_text="Joined the waitlist")
    intake_date = models.DateField(null=True, blank=True)
    discharged_at = models.DateField(null=True, blank=True)
    discharge_reason = EncryptedTextField(max_length=200, blank=True, default="")
    presenting_concerns = EncryptedTextField(blank=True, default="")
    diagnosis_codes = EncryptedJSONField(default=list, blank=True)
    primary_therapist = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="primary_clients"
    )
    co_therapist = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="co_clients"
    )
    supervisor = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="supervised_clients"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="client_profile"
    )
    plan_reviewed_on = models.DateField(null=True, blank=True)
    reminders_enabled = models.BooleanField(default=True)
    reminder_hour = models.PositiveSmallIntegerField(default=18)
    reminder_channel = models.CharField(max_length=10, default="email", choices=[("email", "Email"), ("none", "None")])
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["practice", "status"]),
            models.Index(fields=["primary_therapist", "status"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_discharged(self) -> bool:
        return self.status == self.Status.DISCHARGED


class ConsentQuerySet(models.QuerySet):
    def active(self) -> ConsentQuerySet:
        return self.filter(revoked_at__isnull=True)


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    PORTAL = "portal", "Client portal"
    AI_PROCESSING = "ai_processing", "AI processing"


class ConsentText(models.Model):
    """One version of a practice's consent wording for one kind. Never edited: a change is a
    new version, so every consent keeps the exact text the client agreed to."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="consent_texts")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "kind", "version"], name="unique_consent_text_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} consent, version {self.version}"


class Consent(models.Model):
    Kind = ConsentKind

    class Method(models.TextChoices):
        IN_SESSION = "in_session", "Recorded in session by the therapist"
        PORTAL_SIGNATURE = "portal_signature", "Signed by the client in the portal"
        INVITE_ACCEPTED = "invite_accepted", "Agreed by the client when setting up the portal account"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.CharField(max_length=20, default="v1")
    text = models.ForeignKey(ConsentText, null=True, blank=True, on_delete=models.PROTECT, related_name="consents")
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.IN_SESSION)
    signature_name = models.CharField(max_length=200, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["client", "kind", "revoked_at"])]


class Goal(models.Model):
    """A treatment-plan goal under a problem, with measurable objectives."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        MET = "met"
        PARTIALLY_MET = "partially_met"
        NOT_MET = "not_met"
        DISCONTINUED = "discontinued"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="goals")
    problem = EncryptedTextField(default="")
    description = EncryptedTextField(default="")
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    # What the client sees in the portal: the therapist's wording for them, and whether the
    # status (progress) is shown to them at all. Empty wording: the goal is not shown.
    client_wording = EncryptedTextField(blank=True, default="")
    share_progress = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]


class Objective(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    description = EncryptedTextField(default="")
    measure = models.CharField(max_length=200, blank=True, help_text="How progress is measured")
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Goal.Status.choices, default=Goal.Status.ACTIVE)
    client_wording = EncryptedTextField(blank=True, default="")
    share_progress = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class PortalInvite(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="portal_invites")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Where the invite e-mail went (empty: no e-mail address, the link was handed over).
    sent_to = models.EmailField(blank=True)
    # The first time the link was followed (a mail scanner following it counts too).
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    class State(models.TextChoices):
        SENT = "sent", "Sent"
        OPENED = "opened", "Opened"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"

    def state(self, now=None) -> str:
        if self.used_at is not None:
            return self.State.ACCEPTED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        if self.opened_at is not None:
            return self.State.OPENED
        return self.State.SENT


class InstrumentDefinition(models.Model):
    """A practice-defined instrument (built-ins live in code, clients/instruments.py)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="instruments")
    code = models.SlugField(max_length=40)
    definition = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "code"], name="unique_instrument_code_per_practice")]


class Assessment(models.Model):
    """One administration of a measure. Answers are stored raw; the result is derived."""

    class Source(models.TextChoices):
        THERAPIST = "therapist"
        PORTAL = "portal"
        # Filled in by the client on the therapist's device, in session (kiosk mode).
        KIOSK = "kiosk"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assessments")
    instrument = models.CharField(max_length=40)
    version = models.CharField(max_length=40)
    answers = EncryptedJSONField()
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField()
    total = models.IntegerField(null=True, blank=True)
    administered_at = models.DateTimeField(default=timezone.now)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.THERAPIST)
    session = models.ForeignKey(
        "clinical_sessions.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["administered_at", "id"]
        indexes = [
            # Newest first per client and instrument, covering total and created_at: the
            # engagement recompute's latest-two-per-instrument window
            # (insights.engagement.bulk.measure_sql) reads it in order, with no sort and no
            # heap access. Ascending reads (administered_at, id) scan it backwards.
            models.Index(
                fields=["client", "instrument", "-administered_at", "-id"],
                include=["total", "created_at"],
                name="assessment_client_latest_idx",
            )
        ]


class MeasureSchedule(models.Model):
    """Administer `instrument` before every Nth session; due questionnaires expire."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="measure_schedules")
    instrument = models.CharField(max_length=40)
    every_n_sessions = models.PositiveSmallIntegerField(default=1)
    # At most once in this many days (PCL-5 "monthly" = every session, 28 days apart); 0 = no limit.
    min_days_between = models.PositiveSmallIntegerField(default=0)
    expires_after_days = models.PositiveSmallIntegerField(default=3)
    active = models.BooleanField(default=True)
    # Copied from the practice's measurement protocol (False once the care team changes it).
    from_protocol = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "instrument"], name="unique_schedule_per_instrument")]


class DueQuestionnaire(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        COMPLETED = "completed"
        EXPIRED = "expired"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="due_questionnaires")
    instrument = models.CharField(max_length=40)
    session = models.ForeignKey(
        "clinical_sessions.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField()
    # When the client can start it (the protocol's window before the session); null on rows
    # opened before the window was stored, which fall back to OPENS_BEFORE_SESSION.
    opens_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "instrument", "session"], name="unique_due_per_session")
        ]


class MeasurementProtocol(models.Model):
    """A practice's default measures (its rules), copied into every new client's schedules."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="measurement_protocol")
    opens_before_hours = models.PositiveSmallIntegerField(default=48)
    updated_at = models.DateTimeField(auto_now=True)


class ProtocolRule(models.Model):
    class Condition(models.TextChoices):
        ALL = "all", "Every client"
        TRAUMA = "trauma", "Clients with a trauma concern"

    protocol = models.ForeignKey(MeasurementProtocol, on_delete=models.CASCADE, related_name="rules")
    instrument = models.CharField(max_length=40)
    at_intake = models.BooleanField(default=True)
    every_n_sessions = models.PositiveSmallIntegerField(default=1)
    min_days_between = models.PositiveSmallIntegerField(default=0)
    expires_after_days = models.PositiveSmallIntegerField(default=3)
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.ALL)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["protocol", "instrument"], name="unique_rule_per_instrument")]


class ProgressReport(models.Model):
    """A progress report as it was shared: a frozen snapshot plus the therapist's comment."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="progress_reports")
    content = EncryptedJSONField(default=dict)
    comment = EncryptedTextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class BreakGlassGrantQuerySet(models.QuerySet):
    def active(self, now=None) -> BreakGlassGrantQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())

    def ended(self, now=None) -> BreakGlassGrantQuerySet:
        return self.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=now or timezone.now()))

    def visible_to(self, user) -> BreakGlassGrantQuerySet:
        """Grants of the user's practice, for the admins who open them and the managers who
        oversee them."""
        membership = user.membership_or_none if getattr(user, "is_authenticated", False) else None
        if membership is None or not membership.is_active or membership.role not in (Role.ADMIN, Role.MANAGER):
            return self.none()
        return self.filter(client__practice_id=membership.practice_id)


class BreakGlassGrant(models.Model):
    """Emergency, time-limited, read-only access of one admin to one client's clinical record.

    Opened with a reason, audited, announced to the client's therapist and the managers, and
    ended by expiry or by revocation. Psychotherapy notes stay readable by their author only.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="break_glass_grants")
    granted_to = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="revoked_break_glass_grants"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["granted_to", "expires_at"])]

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


CARE_TEAM_FIELD_LABELS = {
    "primary_therapist": "primary therapist",
    "co_therapist": "co-therapist",
    "supervisor": "supervisor",
}


class CareTeamChange(models.Model):
    """A manager's or admin's change to who treats a client (and so who reads the record).

    Audited, announced at once to the client's therapists (before and after) and the practice's
    managers, and shown on the client's chart for a while. `before` and `after` map each
    changed care-team field to a member id (or None); staff names only, no client details.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_team_changes")
    changed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "created_at"])]

    @property
    def fields(self) -> list[str]:
        return [field for field in CARE_TEAM_FIELD_LABELS if field in self.after]

    def member_ids(self) -> set[int]:
        return {member_id for member_id in [*self.before.values(), *self.after.values()] if member_id}

    def describe(self, names: dict[int, str]) -> str:
        """'primary therapist: Jordan Lee -> Sam Park; supervisor: none -> Dana Fox'."""

        def name(member_id: int | None) -> str:
            return names.get(member_id, f"member #{member_id}") if member_id else "none"

        return "; ".join(
            f"{CARE_TEAM_FIELD_LABELS[field]}: {name(self.before.get(field))} \u2192 {name(self.after.get(field))}"
            for field in self.fields
        )


# The client's plan between sessions (issue 15): models in their own module, same app.
from clients.models_between import (  # noqa: E402, F401
    PLAN_SECTION_KEYS,
    PLAN_SECTIONS,
    AgendaEntry,
    CopingStrategy,
    SafetyPlanVersion,
    ToolkitItem,
    ToolkitUse,
)
