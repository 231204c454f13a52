"""Template filters for the clinician's words (practice/labels.py).

Usage: ``{% load labels %}`` then ``{{ alert.kind|label:"alert_kind" }}``,
``{{ quote.source_type|source_label }}``, ``{{ reason|arrows }}``.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from practice import labels as words

register = template.Library()


@register.filter(name="label")
def label(code: object, group: str) -> str:
    return words.label(group, code)


@register.filter(name="source_label")
def source_label(source_type: object, field_name: object = "") -> str:
    return words.source(source_type, field_name)


@register.filter(name="alert_title")
def alert_title(alert: object) -> str:
    """``{{ alert|alert_title }}``: the alert kind in words, naming its source when known."""
    return words.alert_title(getattr(alert, "kind", ""), getattr(alert, "source_type", ""))


@register.filter(name="arrows")
def arrows(text: object) -> str:
    return words.arrows(text)


@register.filter(name="iso_day")
def iso_day(value: object) -> str:
    """An ISO date or datetime string as stored in AI payloads -> '3 Dec 2026' (local day)."""
    if not value:
        return ""
    moment: dt.date | None
    if isinstance(value, (dt.datetime, dt.date)):
        moment = value
    else:
        text = str(value)
        moment = parse_datetime(text) or parse_date(text[:10])
        if moment is None:
            return text
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{moment.day} {moment:%b %Y}"
