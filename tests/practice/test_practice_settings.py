"""Practice settings (issue 13, item 6): validation, audit, the API, the settings pages, the
note-overdue threshold, and crisis lines that follow the practice's country everywhere a
client can see them (portal pages, the crisis panel, API responses)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.crisis import country_defaults
from practice.errors import DomainError, Invalid
from practice.models import AuditEvent, Practice
from practice.services import practice_update
from sessions.models import ProgressNote, Session
from sessions.selectors import is_note_overdue, notes_queryset, overdue_notes
from tests.conftest import as_user, web_as
from tests.factories import HomeworkAssignmentFactory

pytestmark = pytest.mark.django_db

RISKY = "I want to kill myself tonight"


def make_uk(practice: Practice, admin) -> Practice:
    return practice_update(practice=practice, actor=admin, data={"country": "GB"})


def hrefs(resources) -> set[str]:
    return {resource["href"] for resource in resources}


# ---------------------------------------------------------------------------
# The data file


def test_every_default_country_names_its_source_and_check_date():
    countries = country_defaults()
    assert {"US", "GB", "CA", "AU", "IE"} <= set(countries)
    for code, data in countries.items():
        assert data.source.startswith("https://"), code
        dt.date.fromisoformat(data.checked_on)
        assert data.lines and all(line.name and (line.phone or line.text or line.url) for line in data.lines)


@pytest.mark.parametrize(
    ("country", "must_have", "must_not_have"),
    [
        ("US", {"tel:988", "sms:988", "tel:911"}, {"tel:116123"}),
        ("GB", {"tel:116123", "tel:111", "tel:999"}, {"tel:988", "tel:911"}),
        ("CA", {"tel:988", "tel:911"}, {"tel:999"}),
        ("AU", {"tel:131114", "tel:000"}, {"tel:988", "tel:911"}),
        ("IE", {"tel:116123", "tel:112"}, {"tel:988", "tel:911"}),
    ],
)
def test_the_country_chooses_the_default_crisis_lines(practice, admin, country, must_have, must_not_have):
    practice_update(practice=practice, actor=admin, data={"country": country})
    links = hrefs(Practice.objects.get(pk=practice.pk).crisis_resources)
    assert must_have <= links and not (must_not_have & links)


# ---------------------------------------------------------------------------
# Validation and audit (the service shared by the page and the API)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"country": "UK"}, "country"),
        ({"country": "ZZ"}, "country"),
        ({"locale": "xx-YY"}, "locale"),
        ({"urgent_ack_minutes": 0}, "urgent_ack_minutes"),
        ({"concern_ack_business_days": 30}, "concern_ack_business_days"),
        ({"note_overdue_hours": 0}, "note_overdue_hours"),
        ({"not_on_track_session": 1}, "not_on_track_session"),
        ({"pcl5_cutoff": 81}, "pcl5_cutoff"),
        ({"name": "  "}, "name"),
        ({"crisis_lines": [{"name": "No number"}]}, "crisis_lines"),
        ({"crisis_lines": [{"name": "Bad", "url": "javascript:alert(1)"}]}, "crisis_lines"),
        ({"crisis_lines": [{"name": "Bad", "phone": "call me"}]}, "crisis_lines"),
        ({"crisis_lines": [{"name": "Line", "phone": "1", "colour": "red"}]}, "crisis_lines"),
        ({"crisis_lines": [{"name": f"Line {n}", "phone": "1"} for n in range(13)]}, "crisis_lines"),
    ],
)
def test_invalid_settings_are_refused_and_change_nothing(practice, admin, data, field):
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        practice_update(practice=practice, actor=admin, data=data)
    assert field in refused.value.errors
    fresh = Practice.objects.get(pk=practice.pk)
    assert (fresh.country, fresh.time_zone, fresh.crisis_lines, fresh.note_overdue_hours) == (
        "US",
        "America/New_York",
        [],
        72,
    )
    assert AuditEvent.objects.count() == before


def test_backup_clinician_must_be_an_active_therapist_of_the_practice(practice, admin, therapist, outsider, manager):
    with pytest.raises(Invalid):
        practice_update(practice=practice, actor=admin, data={"backup_clinician": outsider.membership})
    with pytest.raises(Invalid):
        practice_update(practice=practice, actor=admin, data={"backup_clinician": manager.membership})
    practice_update(practice=practice, actor=admin, data={"backup_clinician": therapist.membership})
    assert Practice.objects.get(pk=practice.pk).backup_clinician_id == therapist.membership.pk


def test_an_update_is_audited_with_the_changed_field_names_only(practice, admin):
    practice_update(
        practice=practice,
        actor=admin,
        data={"name": practice.name, "time_zone": "Europe/Dublin", "note_overdue_hours": 48},
    )
    event = AuditEvent.objects.filter(action="update", target_type="practice.practice").get()
    assert event.fields == ["note_overdue_hours", "time_zone"] and event.actor == admin
    assert "Europe/Dublin" not in str(event.fields)
    practice_update(practice=practice, actor=admin, data={"time_zone": "Europe/Dublin"})
    assert AuditEvent.objects.filter(action="update", target_type="practice.practice").count() == 1


def test_changing_country_drops_edited_lines_for_the_new_countrys_set(practice, admin):
    practice_update(
        practice=practice, actor=admin, data={"crisis_lines": [{"name": "Our warm line", "phone": "555 0100"}]}
    )
    assert [r["label"] for r in Practice.objects.get(pk=practice.pk).crisis_resources] == ["Our warm line"]
    make_uk(practice, admin)
    fresh = Practice.objects.get(pk=practice.pk)
    assert fresh.follows_country_defaults and fresh.crisis_resources[0]["label"] == "Samaritans"
    event = AuditEvent.objects.filter(action="update").latest("id")
    assert event.fields == ["country", "crisis_lines"]


def test_edited_lines_keep_their_order_and_saving_the_default_set_keeps_following_it(practice, admin):
    lines = [{"name": "Emergency", "phone": "911"}, {"name": "Local line", "phone": "555 0100", "when": "Evenings"}]
    practice_update(practice=practice, actor=admin, data={"crisis_lines": lines})
    assert [r["label"] for r in Practice.objects.get(pk=practice.pk).crisis_resources] == ["Emergency", "Local line"]
    defaults = [line.as_dict() for line in country_defaults()["US"].lines]
    practice_update(practice=practice, actor=admin, data={"crisis_lines": defaults})
    assert Practice.objects.get(pk=practice.pk).crisis_lines == []


def test_requiring_mfa_is_refused_while_the_admin_has_no_device(practice, admin):
    with pytest.raises(DomainError) as refused:
        practice_update(practice=practice, actor=admin, data={"require_mfa": True})
    assert refused.value.field == "require_mfa"
    assert not Practice.objects.get(pk=practice.pk).require_mfa


# ---------------------------------------------------------------------------
# The API


def test_api_returns_every_setting_with_the_crisis_source(admin, practice):
    body = as_user(admin).get(reverse("api-practice")).json()
    assert body["country"] == "US" and body["time_zone"] == "America/New_York" and body["locale"] == "en-US"
    assert body["note_overdue_hours"] == 72 and body["urgent_ack_minutes"] == 60 and body["pcl5_cutoff"] == 33
    assert body["follows_country_defaults"] is True and body["crisis_lines"][0]["phone"] == "988"
    assert body["crisis_defaults_source"]["source"].startswith("https://")
    assert "tel:988" in hrefs(body["crisis_resources"])


def test_api_patch_changes_settings_and_audits_them(admin, practice, therapist):
    response = as_user(admin).patch(
        reverse("api-practice"),
        {
            "country": "gb",
            "time_zone": "Europe/London",
            "locale": "en-GB",
            "note_overdue_hours": 48,
            "backup_clinician": therapist.membership.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["country"] == "GB" and body["backup_clinician"] == therapist.membership.pk
    assert "tel:116123" in hrefs(body["crisis_resources"]) and "tel:988" not in hrefs(body["crisis_resources"])
    event = AuditEvent.objects.filter(action="update", target_type="practice.practice").get()
    assert set(event.fields) == {"country", "time_zone", "locale", "note_overdue_hours", "backup_clinician"}


def test_api_patch_with_crisis_lines_and_a_bad_value_changes_nothing(admin, practice):
    api = as_user(admin)
    before = AuditEvent.objects.filter(action="update").count()
    response = api.patch(
        reverse("api-practice"),
        {"crisis_lines": [{"name": "Line", "phone": "555 0100"}], "time_zone": "Nowhere/Atlantis"},
        format="json",
    )
    assert response.status_code == 400 and "time_zone" in response.json()
    assert Practice.objects.get(pk=practice.pk).crisis_lines == []
    assert AuditEvent.objects.filter(action="update").count() == before
    ok = api.patch(reverse("api-practice"), {"crisis_lines": [{"name": "Line", "phone": "555 0100"}]}, format="json")
    assert ok.status_code == 200 and ok.json()["crisis_resources"][0]["href"] == "tel:5550100"


def test_api_patch_is_admins_only(manager, practice):
    response = as_user(manager).patch(reverse("api-practice"), {"country": "GB"}, format="json")
    assert response.status_code == 404
    assert Practice.objects.get(pk=practice.pk).country == "US"


# ---------------------------------------------------------------------------
# Crisis resources follow the country on every client-facing surface


def test_uk_practice_shows_samaritans_on_every_portal_page_and_never_988(client_user, client_record, practice, admin):
    make_uk(practice, admin)
    assignment = HomeworkAssignmentFactory(client=client_record, kind="thought_record", title="Thought record")
    browser = web_as(client_user)
    crisis = browser.get(reverse("portal-crisis")).content.decode()
    assert "Samaritans" in crisis and 'href="tel:116123"' in crisis and "tel:999" in crisis
    assert "988" not in crisis and "911" not in crisis
    for url in (reverse("portal-home"), reverse("portal-checkin"), reverse("portal-messages")):
        page = browser.get(url).content.decode()
        assert reverse("portal-crisis") in page and "tel:988" not in page, url
    # The crisis panel that opens when risk is detected: check-in, homework, message.
    checkin = browser.post(reverse("portal-checkin"), {"mood": "1", "note": RISKY}).content.decode()
    homework = browser.post(
        reverse("portal-homework", args=[assignment.pk]),
        {
            "situation": "At home",
            "automatic_thought": RISKY,
            "emotion": "sad",
            "emotion_intensity": "90",
            "action": "submit",
        },
    ).content.decode()
    message = browser.post(reverse("portal-messages"), {"body": RISKY}).content.decode()
    for name, body in (("checkin", checkin), ("homework", homework), ("message", message)):
        assert "crisis-panel" in body and 'href="tel:116123"' in body, name
        assert "tel:988" not in body and "tel:911" not in body, name


def test_uk_practice_api_responses_carry_the_uk_lines(client_user, client_record, practice, admin):
    make_uk(practice, admin)
    api = as_user(client_user)
    resources = api.get(reverse("api-me-crisis-resources")).json()["crisis_resources"]
    assert resources[0]["label"] == "Samaritans" and "tel:988" not in hrefs(resources)
    checkin = api.post(reverse("api-me-checkins"), {"mood": 1, "note": RISKY}, format="json").json()
    assert "tel:116123" in hrefs(checkin["crisis_resources"]) and "tel:988" not in hrefs(checkin["crisis_resources"])
    message = api.post(reverse("api-me-messages"), {"body": RISKY}, format="json").json()
    assert "tel:116123" in hrefs(message["crisis_resources"])


def test_crisis_resources_for_keeps_its_shape(client_record):
    from insights.safety import crisis_resources_for

    resources = crisis_resources_for(client_record)
    assert resources and all(set(resource) == {"label", "detail", "href"} for resource in resources)


# ---------------------------------------------------------------------------
# The note-overdue threshold


def test_note_overdue_threshold_follows_the_setting(practice, admin, therapist, client_record):
    started = timezone.now() - dt.timedelta(hours=50)
    session = Session.objects.create(
        client=client_record,
        therapist=therapist.membership,
        starts_at=started,
        status=Session.Status.ATTENDED,
    )
    ProgressNote.objects.create(client=client_record, session=session, author=therapist, format="soap")
    assert not is_note_overdue(notes_queryset().get(session=session))
    assert not overdue_notes(therapist.membership).exists()
    practice_update(practice=practice, actor=admin, data={"note_overdue_hours": 48})
    therapist.membership.practice.refresh_from_db()
    assert is_note_overdue(notes_queryset().get(session=session))
    assert list(overdue_notes(therapist.membership)) == [session]


# ---------------------------------------------------------------------------
# The settings pages


def settings_post(**overrides) -> dict:
    data = {
        "name": "Northside Therapy",
        "country": "US",
        "time_zone": "America/New_York",
        "locale": "en-US",
        "urgent_ack_minutes": "60",
        "concern_ack_business_days": "1",
        "backup_clinician": "",
        "note_overdue_hours": "72",
        "not_on_track_session": "6",
        "pcl5_cutoff": "33",
    }
    data.update(overrides)
    return data


def test_settings_page_shows_every_section_and_the_crisis_source(admin):
    body = web_as(admin).get(reverse("practice-settings")).content.decode()
    for text in ("Practice name", "Time zone", "Backup clinician", "Require two-factor", "overdue after", "PCL-5"):
        assert text in body, text
    assert "checked on 7 Dec 2026" in body and "988 Suicide &amp; Crisis Lifeline" in body
    assert reverse("practice-settings") in body and reverse("audit-log") in body  # in the menu


def test_settings_page_saves_the_country_and_says_what_clients_now_see(admin, practice):
    response = web_as(admin).post(
        reverse("practice-settings"), settings_post(country="GB", time_zone="Europe/London"), follow=True
    )
    assert "Clients now see the crisis lines for United Kingdom" in response.content.decode()
    assert Practice.objects.get(pk=practice.pk).country == "GB"


def test_settings_page_shows_errors_and_saves_nothing(admin, practice):
    response = web_as(admin).post(reverse("practice-settings"), settings_post(note_overdue_hours="0"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please check these settings" in body and "from 1 to 720 hours" in body
    assert Practice.objects.get(pk=practice.pk).note_overdue_hours == 72


def test_require_mfa_on_the_page_without_a_device_explains_why(admin, practice):
    response = web_as(admin).post(reverse("practice-settings"), settings_post(require_mfa="on"))
    assert response.status_code == 400 and "Set up two-factor authentication" in response.content.decode()


def crisis_post(lines: list[dict], *, delete: tuple[int, ...] = ()) -> dict:
    data = {"line-TOTAL_FORMS": str(len(lines)), "line-INITIAL_FORMS": "0"}
    for index, line in enumerate(lines):
        for key in ("name", "phone", "text", "url", "when"):
            data[f"line-{index}-{key}"] = line.get(key, "")
        data[f"line-{index}-ORDER"] = str(line.get("order", index + 1))
        if index in delete:
            data[f"line-{index}-DELETE"] = "on"
    return data


def test_crisis_lines_page_adds_removes_and_reorders(admin, practice, client_user):
    browser = web_as(admin)
    lines = [
        {"name": "Emergency services", "phone": "911", "order": 3},
        {"name": "Removed line", "phone": "555 0199", "order": 1},
        {"name": "Northside after-hours line", "phone": "555 0100", "when": "Evenings and weekends", "order": 2},
    ]
    response = browser.post(reverse("practice-crisis-lines"), crisis_post(lines, delete=(1,)))
    assert response.status_code == 302
    labels = [r["label"] for r in Practice.objects.get(pk=practice.pk).crisis_resources]
    assert labels == ["Northside after-hours line", "Emergency services"]
    portal = web_as(client_user).get(reverse("portal-crisis")).content.decode()
    assert portal.index("Northside after-hours line") < portal.index("Emergency services")
    reset = browser.post(reverse("practice-crisis-lines"), {"action": "reset"})
    assert reset.status_code == 302 and Practice.objects.get(pk=practice.pk).follows_country_defaults


def test_crisis_lines_page_refuses_a_line_without_a_number(admin, practice):
    response = web_as(admin).post(reverse("practice-crisis-lines"), crisis_post([{"name": "Nothing to call"}]))
    assert response.status_code == 400 and "give a phone number" in response.content.decode()
    assert Practice.objects.get(pk=practice.pk).crisis_lines == []


# ---------------------------------------------------------------------------
# The migration that replaced the rendered `crisis_resources` column with lines


def test_migration_carries_edited_links_over_as_lines_and_drops_unsafe_ones():
    import importlib

    migration = importlib.import_module("practice.migrations.0003_practice_settings_country_crisis_lines")
    line = migration._line_from_resource({"label": "Crisis line", "detail": "Any time", "href": "tel:116123"})
    assert line == {"name": "Crisis line", "phone": "116123", "text": "", "url": "", "when": "Any time"}
    assert migration._line_from_resource({"label": "Text us", "href": "sms:741741"})["text"] == "741741"
    assert migration._line_from_resource({"label": "Site", "href": "https://example.org/"})["url"]
    assert migration._line_from_resource({"label": "Bad", "href": "javascript:alert(1)"}) is None
