"""The clinician's words for stored codes (practice/labels.py) and their template filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from practice import labels


@pytest.mark.parametrize(
    ("group", "code", "expected"),
    [
        ("instrument", "phq9", "PHQ-9"),
        ("instrument", "gad7", "GAD-7"),
        ("instrument", "wai_sr", "WAI-SR"),
        ("instrument", "cssrs_screener", "C-SSRS screener"),
        ("alert_kind", "risk_language", "Worrying language in the client's writing"),
        ("alert_kind", "phq9_item9", "PHQ-9 item 9 (thoughts of self-harm) answered above 0"),
        ("note_format", "free", "Free text"),
        ("note_format", "soap", "SOAP"),
        ("homework_kind", "exposure_log", "Exposure log"),
        ("appointment_status", "no_show", "No-show"),
        ("appointment_kind", "intake", "Intake"),
        ("severity_band", "moderately_severe", "moderately severe"),
        ("alert_severity", "urgent", "Urgent"),
    ],
)
def test_known_codes_read_as_clinician_words(group, code, expected):
    assert labels.label(group, code) == expected


def test_an_unknown_code_is_humanised_never_raw_snake_case():
    assert labels.label("appointment_status", "waiting_room") == "Waiting room"
    assert labels.label("source", "video_call") == "video call"
    assert labels.label("note_format", "") == ""
    assert labels.label("note_format", None) == ""


def test_an_unknown_group_is_a_programming_error():
    with pytest.raises(KeyError):
        labels.label("no_such_group", "x")


def test_every_alert_kind_and_note_format_of_the_models_has_a_label():
    from insights.models import Alert
    from sessions.models import HomeworkTemplate, ProgressNote, Session

    for group, choices in [
        ("alert_kind", Alert.Kind),
        ("alert_outcome", Alert.Outcome),
        ("note_format", ProgressNote.Format),
        ("homework_kind", HomeworkTemplate.Kind),
        ("appointment_kind", Session.Kind),
        ("appointment_status", Session.Status),
    ]:
        missing = [value for value in choices.values if value not in labels.GROUPS[group]]
        assert missing == [], (group, missing)


@pytest.mark.parametrize(
    ("source_type", "field_name", "expected"),
    [
        ("checkin", "note", "check-in note"),
        ("message", "body", "message"),
        ("message", "", "message"),
        ("agenda", "talk_about", "session agenda (what to talk about)"),
        ("homework_submission", "", "homework entry"),
    ],
)
def test_sources_read_as_nouns_not_code_and_field(source_type, field_name, expected):
    assert labels.source(source_type, field_name) == expected


def test_article_and_plural():
    assert labels.article("check-in note") == "a check-in note"
    assert labels.article("exposure log") == "an exposure log"
    assert labels.homework_kind_noun("exposure_log", 4) == "exposure logs"
    assert labels.homework_kind_noun("exposure_log", 1) == "exposure log"
    assert labels.homework_kind_noun("activity_log", 2) == "activity logs"
    assert labels.plural("entry", 2) == "entries"
    assert labels.plural("assignment", 1) == "assignment"


def test_arrows_replace_ascii_arrows_in_display_text_only():
    assert labels.arrows("WAI-SR 52 -> 47: a drop of 5") == "WAI-SR 52 → 47: a drop of 5"
    assert labels.arrows("PHQ-9 18->19") == "PHQ-9 18 → 19"
    assert labels.arrows(None) == ""


@pytest.mark.parametrize(
    ("pronouns", "name", "subject", "possessive"),
    [
        ("she/her", "Maya", "she", "her"),
        ("He/Him", "Tom", "he", "his"),
        ("they/them", "Sam", "they", "their"),
        ("", "Noor", "Noor", "Noor's"),
        ("fae/faer", "Ash", "Ash", "Ash's"),  # unrecognised: the name, never a guess
        ("", "", "they", "their"),
    ],
)
def test_person_uses_recorded_pronouns_else_the_name_else_they(pronouns, name, subject, possessive):
    who = labels.person(name=name, pronouns=pronouns)
    assert (who.subject, who.possessive) == (subject, possessive)
    assert who.subject_capitalised[0] == subject[0].upper()


def render(source: str, **context) -> str:
    return Template("{% load labels %}" + source).render(Context(context))


def test_template_filters():
    assert render('{{ kind|label:"alert_kind" }}', kind="phq9_item9").startswith("PHQ-9 item 9")
    assert render("{{ s|source_label:'note' }}", s="checkin") == "check-in note"
    assert render("{{ r|arrows }}", r="a -> b") == "a → b"
    assert render("{{ d|iso_day }}", d="2026-12-03") == "3 Dec 2026"
    assert render("{{ d|iso_day }}", d=dt.date(2026, 1, 1)) == "1 Jan 2026"
    assert render("{{ d|iso_day }}", d="") == ""


def test_alert_title_names_the_source_of_worrying_language():
    assert labels.alert_title("risk_language", "message") == "Worrying language in a message"
    assert labels.alert_title("risk_language", "checkin") == "Worrying language in a check-in"
    assert labels.alert_title("risk_language", "") == "Worrying language in the client's writing"
    assert labels.alert_title("phq9_item9", "assessment").startswith("PHQ-9 item 9 (thoughts of self-harm)")


@pytest.mark.django_db
def test_homework_picker_names_each_template_by_title_and_kind(therapist, client_record):
    from clients.web_chart_actions import AssignForm
    from tests.factories import HomeworkTemplateFactory

    template = HomeworkTemplateFactory(
        practice=client_record.practice, title="Sleep diary", kind="exposure_log", is_active=True
    )
    assert str(template) == "Sleep diary (exposure log)"
    field = AssignForm(client=client_record).fields["template"]
    shown = [label for value, label in field.choices if value]
    assert "Sleep diary (exposure log)" in shown
    assert not any("HomeworkTemplate object" in str(label) for label in shown)
