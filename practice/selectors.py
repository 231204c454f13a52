"""Practice-wide reads: the audit log (one queryset for the API and the audit viewer page)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from practice.audit import AuditAction
from practice.errors import Invalid
from practice.models import AiPolicyRun, AuditEvent, Practice

AUDIT_FILTERS = ("client", "actor", "action", "since", "until")


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to. Dates are whole days in the practice's time zone."""

    client_id: int | None = None
    actor: str = ""  # the actor's e-mail address (case-insensitive)
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    applied: tuple[str, ...] = field(default=())

    def as_query(self) -> dict[str, str]:
        query = {
            "client": str(self.client_id) if self.client_id else "",
            "actor": self.actor,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in query.items() if value}


def _date(params: Mapping, name: str, errors: dict) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = ["Enter a date as YYYY-MM-DD."]
        return None


def audit_filters_from(params: Mapping) -> AuditFilters:
    """Parse ?client=&actor=&action=&since=&until= (all optional); raises Invalid on bad input."""
    errors: dict[str, list[str]] = {}
    client_id = None
    raw_client = (params.get("client") or "").strip()
    if raw_client:
        try:
            client_id = int(raw_client)
        except ValueError:
            errors["client"] = ["A client id is a whole number."]
    action = (params.get("action") or "").strip()
    actor = (params.get("actor") or "").strip()
    since = _date(params, "since", errors)
    until = _date(params, "until", errors)
    if since and until and since > until:
        errors["until"] = ["The end date is before the start date."]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    applied = tuple(name for name in AUDIT_FILTERS if (params.get(name) or "").strip())
    return AuditFilters(client_id=client_id, actor=actor, action=action, since=since, until=until, applied=applied)


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def audit_events(*, practice: Practice, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The practice's audit events, newest first, narrowed by `filters` (with the actor loaded).

    The caller has checked VIEW_AUDIT. Audit events hold field names, never values.
    """
    queryset = AuditEvent.objects.filter(practice_id=practice.pk).select_related("actor")
    if filters.client_id is not None:
        queryset = queryset.filter(client_id=filters.client_id)
    if filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.actor:
        queryset = queryset.filter(actor__email__iexact=filters.actor)
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(practice.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    if filters.since:
        queryset = queryset.filter(created_at__gte=_day_start(filters.since, zone))
    if filters.until:
        queryset = queryset.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1), zone))
    return queryset.order_by("-created_at", "-id")


def with_client_names(queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Annotate each event with its client's name (`client_name`), in the same query.

    Names are administrative (an admin sees them on the roster); nothing clinical is joined.
    """
    client_model = apps.get_model("clients", "Client")  # clients sits above practice
    names = client_model.objects.filter(pk=OuterRef("client_id")).annotate(
        display_name=Concat(F("first_name"), Value(" "), F("last_name"))
    )
    return queryset.annotate(client_name=Subquery(names.values("display_name")[:1]))


def audit_filter_choices(*, practice: Practice) -> dict:
    """The clients, actors and actions the filter form offers (administrative names only)."""
    client_model = apps.get_model("clients", "Client")
    user_model = apps.get_model("practice", "User")
    clients = list(
        client_model.objects.filter(practice=practice)
        .order_by("last_name", "first_name", "id")
        .values_list("pk", "first_name", "last_name")
    )
    actors = list(
        user_model.objects.filter(membership__practice=practice)
        .exclude(membership__role="client")
        .order_by("email")
        .values_list("email", flat=True)
    )
    return {
        "clients": [(pk, f"{first} {last}") for pk, first, last in clients],
        "actors": actors,
        "actions": [action.value for action in AuditAction],
    }


AUDIT_LOG_TARGET = "practice.auditevent"


def audit_log_for_viewer(*, actor, practice: Practice, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit viewer's events (with client names), recording that `actor` read the log:
    one READ event naming the filters used (and the client, when filtered by one)."""
    from practice.audit import audit_read

    audit_read(
        actor=actor,
        client_id=filters.client_id,
        target_type=AUDIT_LOG_TARGET,
        fields=[f"filter:{name}" for name in filters.applied],
    )
    return with_client_names(audit_events(practice=practice, filters=filters))


def audit_log_for_export(*, actor, practice: Practice, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Like `audit_log_for_viewer`, recorded as an EXPORT of the audit log."""
    from django.db import transaction

    from practice.audit import audit_record

    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            target_type=AUDIT_LOG_TARGET,
            client_id=filters.client_id,
            fields=[f"filter:{name}" for name in filters.applied],
        )
    return with_client_names(audit_events(practice=practice, filters=filters))


AI_RUN_FIELDS = ("feature", "profile", "outcome", "trigger", "client_id", "actor")


def ai_policy_runs_for_viewer(*, actor, practice: Practice) -> QuerySet[AiPolicyRun]:
    """The practice's AI run log (what ran under which policy), newest first. Records the read:
    the rows name clients by id, so looking at them is audited like any other log view."""
    from practice.audit import audit_read

    audit_read(actor=actor, client_id=None, target_type="practice.aipolicyrun", fields=AI_RUN_FIELDS)
    return AiPolicyRun.objects.filter(practice=practice).select_related("actor").order_by("-created_at", "-id")
