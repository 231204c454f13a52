from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from practice.crisis import CrisisLine, CrisisResource, effective_lines, resources_from_lines
from practice.fields import EncryptedTextField
from practice.roles import Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who signs in. Email is the login; a user belongs to at most one practice."""

    username = None  # type: ignore[assignment]  # email is the login: AbstractUser's username column is dropped
    email = models.EmailField("email address", unique=True)
    # Bumped to end every web session of the account at once ("sign out everywhere",
    # deactivation): it is part of the session hash Django checks on each request.
    session_epoch = models.PositiveIntegerField(default=0)
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # An email-login manager in place of AbstractUser's username one (create_user takes no username).
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["email"]

    def _get_session_auth_hash(self, secret=None):
        # Django keeps a session only while this hash matches the one stored at sign-in; it is
        # derived from the password hash (a password change ends other sessions). Mixing in the
        # epoch ends them without one. Epoch 0 keeps Django's own value, so sessions opened
        # before this field existed stay valid.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "practice.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def membership_or_none(self) -> Membership | None:
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None

    @property
    def role(self) -> str | None:
        membership = self.membership_or_none
        return membership.role if membership and membership.is_active else None

    @property
    def practice_id_or_none(self) -> int | None:
        membership = self.membership_or_none
        return membership.practice_id if membership and membership.is_active else None

    def __str__(self) -> str:
        return self.email


def default_crisis_resources() -> list[dict]:
    """The original (US) default of the dropped `crisis_resources` column; migrations 0001 and
    the crisis-lines migration reference it. Practices now follow `crisis_lines`/`country`."""
    return [
        {
            "label": "988 Suicide & Crisis Lifeline",
            "detail": "Call or text 988 (US), any time",
            "href": "tel:988",
        },
        {"label": "Text 988", "detail": "Text 988 to reach a crisis counselor", "href": "sms:988"},
        {
            "label": "Emergency services",
            "detail": "If you are in immediate danger, call 911 or your local emergency number",
            "href": "tel:911",
        },
    ]


class AiPolicyProfile(models.TextChoices):
    """Which AI rules a practice follows (insights/ai/policy.py applies them)."""

    NONE = "none", "No jurisdiction rules"
    ILLINOIS = "illinois", "Illinois (Public Act 104-0054)"
    CUSTOM = "custom", "Custom"


class Practice(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    require_mfa = models.BooleanField(default=False, help_text="Staff must enrol and use TOTP to sign in.")
    # The practice's own crisis lines ({name, phone, text, url, when}); empty follows the
    # default set of its country (practice/crisis.py).
    crisis_lines = models.JSONField(default=list, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2 code, e.g. US, GB.")
    time_zone = models.CharField(max_length=64, default="America/New_York")
    locale = models.CharField(max_length=10, default="en-US")
    note_overdue_hours = models.PositiveIntegerField(
        default=72, help_text="A progress note still unsigned this many hours after its session is overdue."
    )
    urgent_ack_minutes = models.PositiveIntegerField(default=60)
    concern_ack_business_days = models.PositiveIntegerField(default=1)
    backup_clinician = models.ForeignKey(
        "practice.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    not_on_track_session = models.PositiveIntegerField(default=6)
    pcl5_cutoff = models.PositiveIntegerField(default=33)
    # The AI rules (insights/ai/policy.py): a profile, the per-feature switches of the custom
    # profile ({feature key: bool}), and the version of the practice's AI consent text that
    # carries the notice of this policy (clients.ConsentText, kind ai_processing).
    ai_policy_profile = models.CharField(max_length=20, choices=AiPolicyProfile.choices, default=AiPolicyProfile.NONE)
    ai_policy_features = models.JSONField(default=dict, blank=True)
    ai_policy_notice_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def crisis_lines_effective(self) -> list[CrisisLine]:
        return effective_lines(country=self.country, custom=self.crisis_lines)

    @property
    def crisis_resources(self) -> list[CrisisResource]:
        """The tap-to-call resources clients see: the practice's lines, else its country's."""
        return resources_from_lines(self.crisis_lines_effective)

    @property
    def follows_country_defaults(self) -> bool:
        return not self.crisis_lines


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        practice_id = getattr(user, "practice_id_or_none", None)
        if practice_id is None or user.role not in {Role.MANAGER, Role.ADMIN, Role.THERAPIST}:
            return self.none()
        return self.filter(practice_id=practice_id)

    def staff(self) -> MembershipQuerySet:
        return self.exclude(role=Role.CLIENT)

    def with_mfa_status(self) -> MembershipQuerySet:
        """Annotate `has_mfa_device`: a confirmed TOTP or recovery-code device, in the list's own
        query (django_otp's `user_has_device` would ask two tables per member)."""
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        def confirmed(model):
            return models.Exists(model.objects.filter(user_id=models.OuterRef("user_id"), confirmed=True))

        return self.annotate(has_mfa_device=confirmed(TOTPDevice) | confirmed(StaticDevice))


class Membership(models.Model):
    """A user's place in exactly one practice, with one role."""

    ROLE_CHOICES = [(role.value, role.value.title()) for role in Role]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Clinical supervision between therapists (who supervises whom in the practice). It grants
    # no access by itself: reading a client's record as supervisor is set per client
    # (clients.Client.supervisor).
    supervisor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisees")
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["practice", "role"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role})"

    @property
    def display_name(self) -> str:
        full = self.user.get_full_name()
        return full or self.user.email


class StaffInviteQuerySet(models.QuerySet):
    def pending(self, now: datetime | None = None) -> StaffInviteQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class StaffInvite(models.Model):
    """A one-time, expiring link that lets a new staff member choose their password.

    The account is created when the invite is accepted, with the role granted here (checked
    against the inviter's `grantable_roles` when the invite was made). Only a hash of the
    token is stored.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Withdrawn"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="staff_invites")
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Membership.ROLE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = StaffInviteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "email"])]

    def __str__(self) -> str:
        return f"Invite {self.email} ({self.role})"

    def state(self, now: datetime | None = None) -> str:
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def state_label(self) -> str:
        return self.State(self.state()).label

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """An expiring, revocable API token. Only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)

    @classmethod
    def issue(cls, *, user, ttl) -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=_hash_token(raw), expires_at=timezone.now() + ttl)
        return token, raw

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # pragma: no cover - guard
        raise PermissionDenied("Audit events are append-only")

    def delete(self):  # pragma: no cover - guard
        raise PermissionDenied("Audit events are append-only")


class AuditEvent(models.Model):
    """Append-only record of who read or changed what. Never holds PHI values."""

    practice = models.ForeignKey(Practice, null=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "created_at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events are append-only")


class NotificationQuerySet(models.QuerySet):
    def due(self, now: datetime, *, min_age: float, max_attempts: int) -> NotificationQuerySet:
        """Unsent rows the sweeper should try now: old enough that the on-commit task had its
        chance, under the attempt bound, and past their backoff."""
        return self.filter(
            sent_at__isnull=True,
            attempts__lt=max_attempts,
            created_at__lte=now - timedelta(seconds=min_age),
        ).filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))


class Notification(models.Model):
    """One outgoing e-mail in the outbox (see practice/outbox.py).

    Written in the same transaction as the event it announces, so the event and its notice
    commit or roll back together; sent by a task and re-sent by a beat sweeper until delivered.
    Messages carry no clinical content; the body is encrypted anyway (names of staff, record ids).
    """

    kind = models.CharField(max_length=40)
    practice = models.ForeignKey(Practice, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = EncryptedTextField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    # What the notice is about ("app_label.model", pk): its `notified_at` is stamped when sent.
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"], name="notification_unsent_idx", condition=models.Q(sent_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class AiPolicyRun(models.Model):
    """One attempt to run an AI feature: which feature, under which policy profile, allowed or
    blocked and why. Ids only, never the output (that is the `insights.AiSuggestion`)."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Ran"
        SAFETY = "safety", "Ran (safety, always on)"
        OFF_BY_POLICY = "off_by_policy", "Blocked: off under the AI policy"
        NO_CONSENT = "no_consent", "Blocked: no AI consent"
        NOTICE_NOT_ACCEPTED = "notice_not_accepted", "Blocked: notice not signed"

    class Trigger(models.TextChoices):
        REQUEST = "request", "A person opened or refreshed it"
        TASK = "task", "Background task"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    feature = models.CharField(max_length=40)
    profile = models.CharField(max_length=20, choices=AiPolicyProfile.choices)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.REQUEST)
    # An id, not a foreign key: practice is below clients in the app graph.
    client_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "-created_at", "-id"], name="aipolicyrun_practice_recent")]

    @property
    def allowed(self) -> bool:
        return self.outcome in (self.Outcome.ALLOWED, self.Outcome.SAFETY)
