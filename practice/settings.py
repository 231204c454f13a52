"""Alliance settings: one env-driven file.

With nothing set, Alliance runs as the embedded default: SQLite in ./data, eager Celery,
local-memory cache and a development secret generated once into ./data (never committed).
`ALLIANCE_ENV=production` fails closed: it refuses to start without the variables a real
deployment needs. Every variable is listed in `.env.example`.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

ALLIANCE_ENV = env.str("ALLIANCE_ENV", default="development")
if ALLIANCE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"ALLIANCE_ENV must be development, production or test, not {ALLIANCE_ENV!r}")
PRODUCTION = ALLIANCE_ENV == "production"
DATA_DIR = Path(env.str("ALLIANCE_DATA_DIR", default=str(BASE_DIR / "data")))


def _require(name: str) -> None:
    if not env.str(name, default=""):
        raise ImproperlyConfigured(f"{name} must be set when ALLIANCE_ENV=production")


def _dev_secret(filename: str, make) -> str:
    """A secret generated once per checkout and kept in ./data (git-ignored)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS"):
        _require(required)

DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when ALLIANCE_ENV=production")

SECRET_KEY = env.str("SECRET_KEY", default="") or _dev_secret("dev-secret-key", lambda: secrets.token_urlsafe(50))
# Field encryption keys (Fernet, comma separated). The first encrypts; the rest still
# decrypt, so a rotation is: prepend a new key, run `manage.py rotate_encryption_keys`,
# then drop the old key.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    _dev_secret("dev-field-key", lambda: Fernet.generate_key().decode())
]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
        ) from error

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "practice.apps.PracticeConfig",
    "clients.apps.ClientsConfig",
    "sessions.apps.ClinicalSessionsConfig",
    "insights.apps.InsightsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the policy headers too (but keep caching).
    "csp.middleware.CSPMiddleware",
    "practice.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.middleware.RequestIdMiddleware",
    "practice.middleware.AuditReadBatchMiddleware",
    "practice.middleware.UnsafeInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "practice.middleware.SessionTimeoutMiddleware",
    "practice.middleware.MfaEnforcementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "practice.middleware.PracticeTimeZoneMiddleware",
    "clients.web_measures.KioskMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "practice.web_guards.DomainErrorMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"
ASGI_APPLICATION = "practice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.context_processors.alliance",
                "sessions.context_processors.workspace_counts",
            ],
        },
    }
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'alliance.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request halved throughput on light
# endpoints (#20). Health checks drop a connection the server closed before it is reused.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool("DB_JIT", default=False):
    # PostgreSQL's JIT compiles any statement whose cost estimate passes jit_above_cost: the
    # caseload's one query (correlated counts per client) crossed it at 200 clients and spent
    # 0.5-0.8 s compiling to run in 30 ms (#20). Web and task queries are short: off unless asked.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL keeps the embedded default responsive while a request and a task both write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    # The covering indexes' INCLUDE columns are for PostgreSQL; SQLite builds the same indexes
    # without them, which is all the embedded default needs: no warning on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://alliance")}

AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "practice.backends.MemberModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Checked wherever a password is set (add_member, POST /members/, accepting a portal invite).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: idle timeout and an absolute limit enforced by
# practice.middleware.SessionTimeoutMiddleware. The session row is saved when it changes, and
# the idle clock is refreshed at most once per SESSION_TOUCH_SECONDS (a page view does not
# commit a session write each time; the idle limit can end a session up to that much early,
# never late).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=15 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = env.int("SESSION_TOUCH_SECONDS", default=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

API_TOKEN_TTL = timedelta(seconds=env.int("API_TOKEN_TTL_SECONDS", default=12 * 60 * 60))
PORTAL_INVITE_TTL = timedelta(seconds=env.int("PORTAL_INVITE_TTL_SECONDS", default=7 * 24 * 60 * 60))
STAFF_INVITE_TTL = timedelta(seconds=env.int("STAFF_INVITE_TTL_SECONDS", default=3 * 24 * 60 * 60))
# A password-reset link works once (it is tied to the password hash) and for this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=60 * 60)
# The "check your e-mail" answer is never sent sooner than this after the request arrived,
# whether the address has an account or not, so its timing tells nothing either.
PASSWORD_RESET_MIN_RESPONSE_SECONDS = env.float("PASSWORD_RESET_MIN_RESPONSE_SECONDS", default=0.4)
# Reset requests allowed per hour from one address, and e-mails sent per hour to one account.
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env.int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", default=10)
PASSWORD_RESET_PER_ACCOUNT_PER_HOUR = env.int("PASSWORD_RESET_PER_ACCOUNT_PER_HOUR", default=3)

# Lockout: per account and address together, so one attacker cannot lock a whole clinic
# behind a shared NAT, and a guessed password list cannot be replayed against one account.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Lower-cased account key (logins are case-insensitive, so must the count be), the same client
# address as the audit log, and the address-wide limit below (practice.lockout).
AXES_USERNAME_CALLABLE = "practice.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "practice.middleware.client_ip"
AXES_HANDLER = "practice.lockout.AllianceAxesHandler"
AXES_LOCKOUT_CALLABLE = "practice.lockout.lockout_response"
# Against password spraying: failed sign-ins from one address over *all* accounts within the
# window; past the limit that address is locked out of sign-in (429) until failures age out.
AUTH_ADDRESS_FAILURE_LIMIT = env.int("AUTH_ADDRESS_FAILURE_LIMIT", default=30)
AUTH_ADDRESS_FAILURE_WINDOW = timedelta(minutes=env.int("AUTH_ADDRESS_FAILURE_WINDOW_MINUTES", default=15))
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

OTP_TOTP_ISSUER = "Alliance"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env.str("EMAIL_URL", default="") or PRODUCTION:
    EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
    vars().update(EMAIL_CONFIG)
else:
    # The embedded default and `make demo`: every e-mail (portal invitations, reminders, alerts)
    # is written as a file under data/outbox-mail/, so a newcomer can open it and follow its
    # link. Tests replace this with the in-memory backend (Django's test set-up does).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "outbox-mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Alliance <no-reply@alliance.local>")
# Seconds an SMTP exchange may take: bounds each outbox send well inside its task time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Text messages (appointment reminders): a dotted path to a backend in sessions/sms.py.
# Console by default; sessions.sms.FileBackend writes to ALLIANCE_SMS_FILE_PATH (the demo's
# SMS outbox); sessions.sms.TwilioBackend sends through a Twilio-compatible REST gateway.
# The demo (ALLIANCE_DEMO=1) keeps its texts in data/outbox-sms (its e-mails in data/outbox-mail).
_demo_outboxes = env.bool("ALLIANCE_DEMO", default=False) and "pytest" not in sys.modules
ALLIANCE_SMS_BACKEND = env.str(
    "ALLIANCE_SMS_BACKEND", default="sessions.sms.FileBackend" if _demo_outboxes else "sessions.sms.ConsoleBackend"
)
ALLIANCE_SMS_FILE_PATH = env.str("ALLIANCE_SMS_FILE_PATH", default=str(DATA_DIR / "outbox-sms"))
ALLIANCE_SMS_ACCOUNT_SID = env.str("ALLIANCE_SMS_ACCOUNT_SID", default="")
ALLIANCE_SMS_AUTH_TOKEN = env.str("ALLIANCE_SMS_AUTH_TOKEN", default="")
ALLIANCE_SMS_FROM = env.str("ALLIANCE_SMS_FROM", default="")
ALLIANCE_SMS_API_BASE = env.str("ALLIANCE_SMS_API_BASE", default="https://api.twilio.com")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "practice.authentication.ExpiringTokenAuthentication",
        "practice.authentication.MfaSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "practice.api_support.StandardPagination",
    # JSON with a nesting limit and no NUL / lone surrogate (practice/bounds.py).
    "DEFAULT_PARSER_CLASSES": [
        "practice.bounds.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("AUTH_THROTTLE_RATE", default="300/min"),
        "auth_user": env.str("AUTH_USER_THROTTLE_RATE", default="120/min"),
    },
    "EXCEPTION_HANDLER": "practice.api_support.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Alliance API",
    "DESCRIPTION": "The Alliance clinical practice platform: HTTP API v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["practice.permissions.CanViewApiDocs"],
    "SERVE_AUTHENTICATION": [
        "practice.authentication.MfaSessionAuthentication",
        "practice.authentication.ExpiringTokenAuthentication",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "practice.openapi.declare_error_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "clients.models.Client.Status",
        "ConsentKindEnum": "clients.models.Consent.Kind",
        "GoalStatusEnum": "clients.models.Goal.Status",
        "AssessmentSourceEnum": "clients.models.Assessment.Source",
        "DueQuestionnaireStatusEnum": "clients.models.DueQuestionnaire.Status",
        "SessionKindEnum": "sessions.models.Session.Kind",
        "SessionStatusEnum": "sessions.models.Session.Status",
        "NoteFormatEnum": "sessions.models.ProgressNote.Format",
        "NoteStatusEnum": "sessions.models.ProgressNote.Status",
        "HomeworkKindEnum": "sessions.models.HomeworkTemplate.Kind",
        "HomeworkStatusEnum": "sessions.models.HomeworkAssignment.Status",
        "AlertKindEnum": "insights.models.Alert.Kind",
        "AlertSeverityEnum": "insights.models.Alert.Severity",
        "AlertStatusEnum": "insights.models.Alert.Status",
        "AlertOutcomeEnum": "insights.models.Alert.Outcome",
        "SuggestionKindEnum": "insights.models.AiSuggestion.Kind",
        "SuggestionDecisionEnum": "insights.models.AiSuggestion.Decision",
        "MemberRoleEnum": [
            ("therapist", "Therapist"),
            ("manager", "Manager"),
            ("admin", "Admin"),
            ("client", "Client"),
        ],
    },
}

# Celery. With no broker the embedded default runs tasks eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# How long Redis waits before handing an unacknowledged message (its worker was killed) to
# another worker. Every task's time limit stays below it (practice.tasks_support.time_limits),
# so a live task is never handed out twice and a killed worker's task is redone within minutes.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # Fail fast when Redis is down so a web request that enqueues is not held up.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXTENDED = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=240)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=210)
CELERY_TIMEZONE = TIME_ZONE
if CELERY_TASK_TIME_LIMIT >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be below the broker visibility timeout, or a slow task "
        "is redelivered while it is still running"
    )
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be positive and below CELERY_TASK_TIME_LIMIT")
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Queues (deploy/README.md): the safety notices (alert and break-glass mail, the outbox) never wait
# behind an analytics recompute or an AI refresh, and each queue can have its own workers.
# Tasks not named here go to the default queue. A worker for everything (`make worker`, the
# integration tests) consumes TASK_QUEUES_ALL; eager mode (no broker) ignores routing.
CELERY_TASK_DEFAULT_QUEUE = "celery"
TASK_QUEUE_SAFETY, TASK_QUEUE_ANALYTICS, TASK_QUEUE_AI = "safety", "analytics", "ai"
TASK_QUEUES_ALL = (TASK_QUEUE_SAFETY, TASK_QUEUE_ANALYTICS, TASK_QUEUE_AI, CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = {
    # Notification outbox and safety escalation (practice.tasks, insights.tasks.safety, clients.tasks).
    "practice.send_notification": {"queue": TASK_QUEUE_SAFETY},
    "practice.sweep_outbox": {"queue": TASK_QUEUE_SAFETY},
    "insights.notify_alert": {"queue": TASK_QUEUE_SAFETY},
    "insights.escalate_overdue_alerts": {"queue": TASK_QUEUE_SAFETY},
    "clients.notify_break_glass": {"queue": TASK_QUEUE_SAFETY},
    # Engagement and report recomputes (insights.tasks.engagement, insights.tasks.reports).
    "insights.recompute_client": {"queue": TASK_QUEUE_ANALYTICS},
    "insights.recompute_all": {"queue": TASK_QUEUE_ANALYTICS},
    "insights.sweep_stale": {"queue": TASK_QUEUE_ANALYTICS},
    "insights.refresh_practice_aggregates": {"queue": TASK_QUEUE_ANALYTICS},
    # AI refresh and drafting (insights.tasks.ai and any later insights.ai_* task).
    "insights.ai_*": {"queue": TASK_QUEUE_AI},
}

# The documentation assistant (issue 18): which drafter writes note drafts. "structured" (the
# embedded default) writes only what the therapist's bullets and the record say; "openai" asks an
# OpenAI-compatible chat-completions server the practice hosts (llama.cpp server, Ollama, vLLM).
_drafting_backend = env.str("ALLIANCE_DRAFTING_BACKEND", default="structured")
if _drafting_backend not in {"structured", "openai"}:
    raise ImproperlyConfigured("ALLIANCE_DRAFTING_BACKEND must be structured or openai")
DRAFTING = {
    "backend": _drafting_backend,
    "url": env.str("ALLIANCE_DRAFTING_URL", default=""),
    "model": env.str("ALLIANCE_DRAFTING_MODEL", default=""),
    "api_key": env.str("ALLIANCE_DRAFTING_API_KEY", default=""),
    "timeout": env.float("ALLIANCE_DRAFTING_TIMEOUT", default=60.0),
}
if DRAFTING["backend"] == "openai" and not DRAFTING["url"]:
    raise ImproperlyConfigured("ALLIANCE_DRAFTING_URL must be set when ALLIANCE_DRAFTING_BACKEND=openai")

# Staff must use TOTP: on by default in production, off by default in development and demos.
# An explicit REQUIRE_MFA_FOR_STAFF=true/false always wins; a practice can also require it.
_require_mfa = env.str("REQUIRE_MFA_FOR_STAFF", default="").strip()
ALLIANCE = {
    "REQUIRE_MFA_FOR_STAFF": env.bool("REQUIRE_MFA_FOR_STAFF") if _require_mfa else PRODUCTION,
    "DEMO_MODE": env.bool("ALLIANCE_DEMO", default=False),
}

# Security headers. Production turns on HTTPS-only cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response. Alliance loads nothing from another
# origin and has no inline script or style (page behaviour is static/js/alliance.js; htmx's
# eval-based features are off), so the policy is 'self' only with no 'unsafe-*' source.
# Report charts are inline SVG elements (presentation attributes, not style), allowed as is.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Powerful browser features no page of Alliance uses, denied to the page and any frame.
# Telehealth video (camera, microphone) would open in its own tab with its own policy.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "practice.web_errors.csrf_failure"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}

TESTING = "pytest" in sys.modules or ALLIANCE_ENV == "test"

# Serve static files from the apps and ./static without collectstatic outside production.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Task modules are found by autodiscovery (practice/celery.py): one `tasks` module or package
# per app, no list here. The periodic schedule (`make beat`) names tasks by their explicit names.
CELERY_BEAT_SCHEDULE = {
    "sweep-notification-outbox": {"task": "practice.sweep_outbox", "schedule": 60.0},
    "escalate-overdue-alerts": {"task": "insights.escalate_overdue_alerts", "schedule": 300.0},
    "sweep-stale-insights": {"task": "insights.sweep_stale", "schedule": 600.0},
    "nightly-full-recompute": {"task": "insights.recompute_all", "schedule": 24 * 3600.0},
    "refresh-practice-aggregates": {"task": "insights.refresh_practice_aggregates", "schedule": 3600.0},
    "mark-missed-homework": {"task": "sessions.mark_missed_homework", "schedule": 900.0},
    "send-reminders": {"task": "sessions.send_reminders", "schedule": 900.0},
    "send-due-client-reminders": {"task": "sessions.send_due_client_reminders", "schedule": 300.0},
    "extend-session-series": {"task": "sessions.extend_series", "schedule": 6 * 3600.0},
    "expire-due-questionnaires": {"task": "clients.expire_due_questionnaires", "schedule": 3600.0},
    "create-due-questionnaires": {"task": "clients.create_due_questionnaires", "schedule": 1800.0},
    "nightly-ai-refresh": {"task": "insights.ai_refresh_consenting", "schedule": 24 * 3600.0},
}
