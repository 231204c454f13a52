"""The audit log viewer (issue 13, item 7): filters, pagination, CSV export, its own audit
trail, query counts, and the selector it shares with GET /api/v1/audit/."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import AuditEvent
from practice.roles import Role
from tests.conftest import PHI_CANARY, as_user, web_as

pytestmark = pytest.mark.django_db


def add_events(practice, actor, *, count: int, client=None, action="read", when=None, fields=("sections",)):
    when = when or timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                practice=practice,
                actor=actor,
                actor_role=actor.role or "",
                action=action,
                target_type="sessions.progressnote",
                target_id=str(index),
                client_id=client.pk if client else None,
                fields=list(fields),
                created_at=when - dt.timedelta(seconds=index),
            )
            for index in range(count)
        ]
    )


def events_shown(response) -> list:
    """The events listed, less the viewer's own reads of the log (each view records one, and
    it is listed too: an admin's look at a client's trail is itself in that client's trail)."""
    return [event for event in response.context["page"].object_list if event.target_type != "practice.auditevent"]


def test_viewer_lists_who_read_what_with_the_client_name_never_the_content(admin, therapist, client_record):
    add_events(client_record.practice, therapist, count=1, client=client_record)
    body = web_as(admin).get(reverse("audit-log")).content.decode()
    assert "therapist@northside.example" in body and "sessions.progressnote" in body and "sections" in body
    assert "Avery Quinn" in body  # the client's name (administrative) is shown
    assert PHI_CANARY not in body  # the chart's clinical text never is


def test_viewer_filters_by_client_actor_action_and_dates(
    admin, therapist, colleague, client_record, other_client_record
):
    practice = client_record.practice
    now = timezone.now()
    add_events(practice, therapist, count=2, client=client_record, when=now)
    add_events(practice, colleague, count=3, client=None, action="login", when=now - dt.timedelta(days=10))
    add_events(practice, therapist, count=4, client=client_record, action="sign", when=now - dt.timedelta(days=40))
    browser = web_as(admin)
    url = reverse("audit-log")

    by_client = events_shown(browser.get(url, {"client": client_record.pk}))
    assert len(by_client) == 6 and {event.client_id for event in by_client} == {client_record.pk}
    by_actor = events_shown(browser.get(url, {"actor": colleague.email.upper()}))
    assert len(by_actor) == 3 and {event.actor_id for event in by_actor} == {colleague.pk}
    by_action = events_shown(browser.get(url, {"action": "sign"}))
    assert len(by_action) == 4
    since = (now - dt.timedelta(days=15)).date().isoformat()
    until = (now - dt.timedelta(days=5)).date().isoformat()
    in_range = events_shown(browser.get(url, {"since": since, "until": until}))
    assert len(in_range) == 3 and {event.action for event in in_range} == {"login"}
    combined = events_shown(browser.get(url, {"client": client_record.pk, "action": "read", "actor": therapist.email}))
    assert len(combined) == 2


def test_viewer_refuses_bad_filters_with_a_message(admin):
    response = web_as(admin).get(reverse("audit-log"), {"since": "2026-05-10", "until": "2026-05-01"})
    assert response.status_code == 400 and "The end date is before the start date." in response.content.decode()


def test_viewer_paginates_newest_first(admin, therapist, client_record):
    add_events(client_record.practice, therapist, count=120, client=client_record)
    browser = web_as(admin)
    first = browser.get(reverse("audit-log"), {"client": client_record.pk})
    page = first.context["page"]
    # 120 events: the READ this view records is written as the view ends (one bulk insert of
    # a GET's read audits, practice.audit.audit_reads_batched), so the next view shows it.
    assert page.paginator.count == 120 and len(page.object_list) == 50 and page.has_next()
    assert "page=2" in first.content.decode() and f"client={client_record.pk}" in first.content.decode()
    third = browser.get(reverse("audit-log"), {"client": client_record.pk, "page": 3}).context["page"]
    assert len(third.object_list) == 21  # and the first view's READ
    first_page, last_page = list(page.object_list), list(third.object_list)
    times = [event.created_at for event in first_page]
    assert times == sorted(times, reverse=True) and times[-1] >= last_page[-1].created_at


def test_viewer_records_a_read_of_the_audit_log_and_never_shows_other_practices(
    admin, outsider, therapist, client_record
):
    add_events(outsider.membership.practice, outsider, count=3)
    web_as(admin).get(reverse("audit-log"), {"client": client_record.pk})
    read = AuditEvent.objects.filter(actor=admin, target_type="practice.auditevent").get()
    assert read.action == "read" and read.client_id == client_record.pk and read.fields == ["filter:client"]
    shown = events_shown(web_as(admin).get(reverse("audit-log")))
    assert all(event.practice_id == client_record.practice_id for event in shown)


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_viewer_query_count_is_flat(admin, therapist, client_record, django_assert_num_queries, rows):
    add_events(client_record.practice, therapist, count=rows, client=client_record)
    browser = web_as(admin)
    browser.get(reverse("audit-log"))  # warm the session
    # session, user (with membership, practice and MFA-device flag), count, the filter's
    # clients and actors, page (with the actor and the client's name in the same query), and
    # the view's read audit (savepoint, bulk insert, release); the session is not saved again
    # within SESSION_TOUCH_SECONDS of the warm-up
    with django_assert_num_queries(9):
        response = browser.get(reverse("audit-log"))
    # the events and the warm-up's READ (this view's READ is written as the view ends)
    assert response.status_code == 200 and len(response.context["page"].object_list) == min(rows + 1, 50)


def test_csv_export_streams_the_filtered_log_with_iso_timestamps_and_is_audited(admin, therapist, client_record):
    add_events(client_record.practice, therapist, count=3, client=client_record)
    add_events(client_record.practice, therapist, count=2, action="login")
    response = web_as(admin).post(reverse("audit-log-export"), {"client": client_record.pk})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    # The three reads and the export itself (it names the client whose trail was exported).
    assert len(rows) == 4 and {row["client_name"] for row in rows} == {"Avery Quinn"}
    assert rows[0]["action"] == "export" and rows[0]["actor"] == admin.email
    rows = rows[1:]
    assert all(dt.datetime.fromisoformat(row["timestamp"]).tzinfo is not None for row in rows)
    assert rows[0]["fields"] == "sections" and rows[0]["actor"] == therapist.email
    export = AuditEvent.objects.filter(actor=admin, action="export").get()
    assert export.target_type == "practice.auditevent" and export.client_id == client_record.pk


def test_csv_export_writes_formula_like_cells_as_text(admin, client_record):
    client_record.first_name = "=HYPERLINK(1)"
    client_record.save(update_fields=["first_name"])
    add_events(client_record.practice, admin, count=1, client=client_record)
    response = web_as(admin).post(reverse("audit-log-export"), {"client": client_record.pk})
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1) Quinn" in text


def test_export_is_admins_only_and_a_get_is_refused(manager, admin):
    assert web_as(manager).post(reverse("audit-log-export")).status_code == 404
    assert web_as(admin).get(reverse("audit-log-export")).status_code == 405
    assert not AuditEvent.objects.filter(action="export").exists()


def test_api_and_viewer_share_the_selector_including_date_filters(admin, therapist, client_record):
    now = timezone.now()
    add_events(client_record.practice, therapist, count=2, client=client_record, when=now)
    add_events(client_record.practice, therapist, count=5, client=client_record, when=now - dt.timedelta(days=30))
    since = (now - dt.timedelta(days=2)).date().isoformat()
    api = as_user(admin)
    body = api.get(reverse("api-audit"), {"client": client_record.pk, "since": since}).json()
    assert body["count"] == 2
    shown = events_shown(web_as(admin).get(reverse("audit-log"), {"client": client_record.pk, "since": since}))
    assert len(shown) == 2
    assert api.get(reverse("api-audit"), {"since": "not-a-date"}).status_code == 400


def test_manager_has_no_audit_viewer(manager):
    assert web_as(manager).get(reverse("audit-log")).status_code == 404
    assert manager.role == Role.MANAGER
