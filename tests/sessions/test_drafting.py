"""The documentation assistant (issue 18 part 2): drafts from bullets and the record, end to end.

The drafting task runs in-process (eager); on_commit callbacks are executed explicitly. The
OpenAI-compatible backend is exercised against a fake chat-completions server (a local
http.server thread), which answers with an invented fact and a wrong PHQ-9 score that the
faithfulness check must catch.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Assessment, Consent
from insights.models import Alert
from practice.models import AuditEvent
from sessions.drafting.faithfulness import check_draft, check_sentence
from sessions.drafting.run import word_edit_distance
from sessions.models import NoteDraft, ProgressNote, PsychotherapyNote
from tests.conftest import web_as
from tests.factories import CheckInFactory, HomeworkAssignmentFactory, ProgressNoteFactory, SessionFactory

BULLETS = "reports sleeping better, about 6 hours a night\nreviewed thought record from last week\nP: continue behavioural activation, review in 2 weeks"


@pytest.fixture
def consented(client_record):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    return client_record


@pytest.fixture
def record(consented, therapist):
    """A client with a last session two weeks ago, this week's session and history in between."""
    now = timezone.now()
    SessionFactory(client=consented, starts_at=now - dt.timedelta(days=14))
    session = SessionFactory(client=consented, starts_at=now - dt.timedelta(hours=2))
    HomeworkAssignmentFactory(client=consented, due_at=now - dt.timedelta(days=5), status="completed")
    HomeworkAssignmentFactory(client=consented, due_at=now - dt.timedelta(days=3), status="missed")
    for days, mood in ((10, 3), (6, 5), (2, 6)):
        CheckInFactory(client=consented, mood=mood, created_at=now - dt.timedelta(days=days))
    for days, total in ((20, 16), (1, 12)):
        Assessment.objects.create(
            client=consented,
            instrument="phq9",
            version="phq9_v1",
            answers=[1] * 9,
            result={"total": total, "severity": "moderate" if total < 15 else "moderately_severe"},
            total=total,
            administered_at=now - dt.timedelta(days=days),
        )
    note = ProgressNoteFactory(client=consented, author=therapist, session=session, sections={})
    return note


def _request(browser, note, bullets=BULLETS, capture=None):
    with capture(execute=True):
        return browser.post(reverse("note-draft-request", args=[note.pk]), {"bullets": bullets})


@pytest.mark.django_db
def test_structured_draft_end_to_end(record, therapist, django_capture_on_commit_callbacks):
    browser = web_as(therapist)
    response = _request(browser, record, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    draft = NoteDraft.objects.get(note=record)
    assert draft.status == NoteDraft.Status.READY
    assert (draft.backend, draft.version) == ("structured", "structured_v1")
    assert draft.faithfulness["passed"] is True
    assert draft.faithfulness["bullets_covered"] == 3
    kinds = {source["kind"] for source in draft.sources}
    assert {"bullet", "attendance", "homework_done", "homework_missed", "checkins", "measure"} <= kinds
    texts = " ".join(sentence["text"] for sentence in draft.sentences)
    assert "PHQ-9 total 12 (moderate)" in texts and "down 4 from 16" in texts
    assert "mood ratings of 3, 5 and 6" in texts
    # Every sentence cites a source; DAP: the plan bullet lands in Plan, the rest in Data.
    assert all(sentence["sources"] for sentence in draft.sentences)
    plan = [sentence for sentence in draft.sentences if sentence["section"] == "plan"]
    assert [sentence["text"] for sentence in plan] == ["Continue behavioural activation, review in 2 weeks."]
    assert not [sentence for sentence in draft.sentences if sentence["section"] == "assessment"]

    page = browser.get(reverse("note-edit", args=[record.pk]))
    body = page.content.decode()
    assert "Continue behavioural activation" in body and "Your bullet 3" in body and "PHQ-9" in body
    assert 'data-testid="draft-insert"' in body

    # Insert, edit one word, sign: the decision and the edit distance are stored.
    record.refresh_from_db()
    assert browser.post(reverse("note-draft-insert", args=[draft.pk]), {"version": record.version}).status_code == 302
    record.refresh_from_db()
    assert "Continue behavioural activation" in record.sections["plan"]
    edited = record.sections["plan"].replace("2 weeks", "3 weeks")
    response = browser.post(
        reverse("note-sign", args=[record.pk]), {"attest": "yes", "plan": edited, "version": record.version}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.decision == NoteDraft.Decision.EDITED
    assert draft.edit_distance == 1 and draft.draft_words > 20
    assert AuditEvent.objects.filter(target_type="clinical_sessions.notedraft", action="decide").exists()


@pytest.mark.django_db
def test_signing_an_inserted_draft_unchanged_is_accepted(record, therapist, django_capture_on_commit_callbacks):
    browser = web_as(therapist)
    _request(browser, record, capture=django_capture_on_commit_callbacks)
    draft = NoteDraft.objects.get(note=record)
    browser.post(reverse("note-draft-insert", args=[draft.pk]))
    browser.post(reverse("note-sign", args=[record.pk]), {"attest": "yes"})
    draft.refresh_from_db()
    assert (draft.decision, draft.edit_distance) == (NoteDraft.Decision.ACCEPTED, 0)


@pytest.mark.django_db
def test_a_draft_never_inserted_is_discarded_at_signing(record, therapist, django_capture_on_commit_callbacks):
    browser = web_as(therapist)
    _request(browser, record, capture=django_capture_on_commit_callbacks)
    browser.post(reverse("note-sign", args=[record.pk]), {"attest": "yes", "data": "Written by hand."})
    assert NoteDraft.objects.get(note=record).decision == NoteDraft.Decision.DISCARDED


class _FakeChatServer:
    """An OpenAI-compatible /chat/completions that answers with fixed sentences."""

    def __init__(self, sentences):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                outer.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                content = json.dumps({"sentences": sentences})
                answer = {"model": "fake-7b", "choices": [{"message": {"role": "assistant", "content": content}}]}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db
def test_openai_compatible_draft_marks_invented_facts(record, therapist, settings, django_capture_on_commit_callbacks):
    sentences = [
        {"section": "data", "text": "Client reports sleeping better, about 6 hours a night.", "sources": ["b1"]},
        {"section": "data", "text": "Client is taking no medications.", "sources": ["b1"]},
        {"section": "data", "text": "Therapist reviewed thought record from last week.", "sources": ["b2"]},
        {"section": "plan", "text": "Continue behavioural activation, review in 2 weeks.", "sources": ["b3"]},
        {"section": "data", "text": "PHQ-9 total 14 on the latest administration.", "sources": ["f6"]},
    ]
    with _FakeChatServer(sentences) as server:
        settings.DRAFTING = {"backend": "openai", "url": server.url, "model": "fake-7b", "api_key": "k", "timeout": 5}
        browser = web_as(therapist)
        assert _request(browser, record, capture=django_capture_on_commit_callbacks).status_code == 302
    assert server.requests and server.requests[0]["path"] == "/v1/chat/completions"
    prompt = server.requests[0]["body"]["messages"][1]["content"]
    assert "sleeping better" in prompt and "PHQ-9 total 12" in prompt
    draft = NoteDraft.objects.get(note=record)
    assert (draft.backend, draft.model, draft.version) == ("openai", "fake-7b", "openai_chat_v1")
    assert draft.status == NoteDraft.Status.READY
    verdicts = {sentence["text"]: sentence["supported"] for sentence in draft.sentences}
    assert verdicts["Client is taking no medications."] is False
    assert verdicts["PHQ-9 total 14 on the latest administration."] is False
    assert verdicts["Continue behavioural activation, review in 2 weeks."] is True
    assert draft.faithfulness == {**draft.faithfulness, "sentences": 5, "supported": 3, "passed": False}
    body = browser.get(reverse("note-edit", args=[record.pk])).content.decode()
    assert "Not supported, not inserted" in body
    # Inserting keeps the unsupported sentences out of the note.
    browser.post(reverse("note-draft-insert", args=[draft.pk]))
    record.refresh_from_db()
    assert "medications" not in record.sections["data"] and "14" not in record.sections["data"]


def test_faithfulness_catches_an_invented_negation_and_a_wrong_score():
    sources = {
        "b1": "discussed medications with the GP",
        "f1": "PHQ-9 total 12 on 1 Dec 2026 (moderate); previous 16 on 17 Nov 2026; down 4.",
    }
    assert not check_sentence("Client is taking no medications.", ["b1"], sources).supported
    assert not check_sentence("PHQ-9 total 14 on 1 Dec 2026.", ["f1"], sources).supported
    assert not check_sentence("GAD-7 total 12 on 1 Dec 2026.", ["f1"], sources).supported
    assert not check_sentence("Client appeared euthymic and oriented.", ["b1"], sources).supported
    assert not check_sentence("Client discussed medications with Dr Patel.", ["b1"], sources).supported
    assert not check_sentence("PHQ-9 total 12 on 1 Dec 2026.", [], sources).supported
    assert check_sentence("PHQ-9 total 12 (moderate) on 1 Dec 2026, down 4 from 16.", ["f1"], sources).supported
    assert check_sentence("Client discussed medications with the GP.", ["b1"], sources).supported


def test_a_draft_mostly_unsupported_is_withheld():
    sources = [{"key": "b1", "kind": "bullet", "text": "slept badly"}]
    sentences = [
        {"section": "data", "text": "Client appeared euthymic.", "sources": ["b1"]},
        {"section": "data", "text": "Client denies suicidal ideation.", "sources": ["b1"]},
        {"section": "data", "text": "Client slept badly.", "sources": ["b1"]},
    ]
    checked = check_draft(sentences, sources)
    assert checked.withheld and checked.summary["supported"] == 1


def test_word_edit_distance():
    assert word_edit_distance("a b c", "a b c") == 0
    assert word_edit_distance("a b c", "a x c d") == 2
    assert word_edit_distance("", "one two") == 2


@pytest.mark.django_db
def test_no_ai_consent_is_refused_and_the_editor_stays_usable(client_record, therapist):
    note = ProgressNoteFactory(client=client_record, author=therapist)
    browser = web_as(therapist)
    response = browser.post(
        reverse("note-draft-request", args=[note.pk]), {"bullets": "slept badly", "data": "Typed but not saved."}
    )
    assert response.status_code == 403
    assert "not consented to AI processing" in response.content.decode()
    assert 'id="note-form"' in response.content.decode()
    assert not NoteDraft.objects.exists()
    note.refresh_from_db()
    assert note.sections["data"] != "Typed but not saved."
    page = browser.get(reverse("note-edit", args=[note.pk]))
    assert page.status_code == 200 and 'data-testid="drafting-off"' in page.content.decode()


@pytest.mark.django_db
def test_a_signed_note_gets_no_draft(consented, therapist):
    note = ProgressNoteFactory(
        client=consented,
        author=therapist,
        status=ProgressNote.Status.SIGNED,
        signed_at=timezone.now(),
        signed_by=therapist,
    )
    response = web_as(therapist).post(reverse("note-draft-request", args=[note.pk]), {"bullets": "slept badly"})
    assert response.status_code == 409
    assert not NoteDraft.objects.exists()


@pytest.mark.django_db
def test_psychotherapy_notes_are_never_drafted_nor_a_source(consented, therapist, django_capture_on_commit_callbacks):
    process = PsychotherapyNote.objects.create(client=consented, author=therapist, text="PROCESS-NOTE-SECRET")
    while ProgressNote.objects.filter(pk=process.pk).exists():
        process = PsychotherapyNote.objects.create(client=consented, author=therapist, text="PROCESS-NOTE-SECRET")
    browser = web_as(therapist)
    assert browser.post(reverse("note-draft-request", args=[process.pk]), {"bullets": "x"}).status_code == 404
    note = ProgressNoteFactory(client=consented, author=therapist)
    _request(browser, note, bullets="slept badly", capture=django_capture_on_commit_callbacks)
    draft = NoteDraft.objects.get()
    assert "PROCESS-NOTE-SECRET" not in json.dumps(draft.sources) + json.dumps(draft.sentences)


@pytest.mark.django_db
def test_a_drafter_failure_leaves_the_editor_usable(consented, therapist, settings, django_capture_on_commit_callbacks):
    settings.DRAFTING = {"backend": "openai", "url": "http://127.0.0.1:9/v1", "model": "m", "timeout": 1}
    note = ProgressNoteFactory(client=consented, author=therapist, sections={"data": "My own words."})
    browser = web_as(therapist)
    _request(browser, note, bullets="slept badly", capture=django_capture_on_commit_callbacks)
    draft = NoteDraft.objects.get()
    assert draft.status == NoteDraft.Status.FAILED and "could not be reached" in draft.error
    page = browser.get(reverse("note-edit", args=[note.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="draft-failed"' in body and "My own words." in body
    # Writing and signing by hand still works.
    assert browser.post(reverse("note-sign", args=[note.pk]), {"attest": "yes"}).status_code == 302
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.SIGNED


@pytest.mark.django_db
def test_a_broker_failure_marks_the_draft_failed(record, therapist, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("sessions.services.drafting.safe_delay", lambda task, *args: False)
    browser = web_as(therapist)
    assert _request(browser, record, capture=django_capture_on_commit_callbacks).status_code == 302
    draft = NoteDraft.objects.get()
    assert draft.status == NoteDraft.Status.FAILED and "queue is unavailable" in draft.error
    assert browser.get(reverse("note-edit", args=[record.pk])).status_code == 200


@pytest.mark.django_db
def test_a_queued_draft_is_polled_through_the_status_fragment(record, therapist):
    browser = web_as(therapist)
    browser.post(reverse("note-draft-request", args=[record.pk]), {"bullets": BULLETS})  # on_commit not run
    draft = NoteDraft.objects.get()
    assert draft.status == NoteDraft.Status.QUEUED
    fragment = browser.get(reverse("note-draft-status", args=[draft.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<script" not in fragment and "style=" not in fragment
    from sessions.tasks import note_draft_generate

    assert note_draft_generate(draft.pk) == NoteDraft.Status.READY
    assert note_draft_generate(draft.pk) is None  # a redelivery does nothing
    fragment = browser.get(reverse("note-draft-status", args=[draft.pk])).content.decode()
    assert "hx-trigger" not in fragment and "draft-sentence" in fragment


@pytest.mark.django_db
def test_alerts_are_sources_without_their_reason(record, therapist, django_capture_on_commit_callbacks):
    Alert.objects.create(
        client=record.client,
        kind=Alert.Kind.RISK_LANGUAGE,
        severity=Alert.Severity.URGENT,
        reason="CLIENT-WORDS-SECRET",
        acknowledge_by=timezone.now() + dt.timedelta(hours=1),
    )
    _request(web_as(therapist), record, capture=django_capture_on_commit_callbacks)
    draft = NoteDraft.objects.get()
    alert = [sentence for sentence in draft.sentences if "alert" in sentence["text"]]
    assert alert and alert[0]["section"] == "assessment" and alert[0]["supported"]
    assert "CLIENT-WORDS-SECRET" not in json.dumps(draft.sources)


def test_the_structured_drafter_is_faithful_and_complete_on_the_evaluation_set():
    from sessions.drafting.evaluation import check_detection, evaluate, load_cases
    from sessions.drafting.structured import StructuredDrafter

    cases = load_cases()
    assert len(cases) >= 15
    figures = evaluate(StructuredDrafter(), cases).as_dict()
    assert figures["failed"] == 0
    assert figures["faithfulness"] == 1.0 and figures["drafts_passed"] == len(cases)
    assert figures["bullet_coverage"] == 1.0 and figures["fact_coverage"] == 1.0
    assert figures["placement"] >= 0.9
    assert check_detection(cases)["share"] == 1.0


def test_evaluate_drafter_reports_each_backend(settings):
    import io

    from django.core.management import call_command

    sentences = [{"section": "data", "text": "Client is taking no medications.", "sources": ["b1"]}]
    with _FakeChatServer(sentences) as server:
        out = io.StringIO()
        call_command(
            "evaluate_drafter", "--backend", "all", "--url", server.url, "--model", "fake-7b", "--json", stdout=out
        )
    result = json.loads(out.getvalue())
    by_backend = {row["backend"]: row for row in result["backends"]}
    assert by_backend["structured"]["faithfulness"] == 1.0
    assert by_backend["openai"]["model"] == "fake-7b" and by_backend["openai"]["faithfulness"] == 0.0
    assert by_backend["openai"]["bullet_coverage"] == 0.0
    assert result["check"]["share"] == 1.0


@pytest.mark.django_db
def test_drafting_follows_the_practice_ai_policy_and_is_logged(record, therapist, django_capture_on_commit_callbacks):
    from insights.ai.policy import Profile
    from insights.ai.policy_services import ai_policy_set
    from practice.models import AiPolicyRun
    from tests.factories import MembershipFactory

    practice = record.client.practice
    admin = MembershipFactory(practice=practice, role="admin").user
    browser = web_as(therapist)
    assert _request(browser, record, capture=django_capture_on_commit_callbacks).status_code == 302
    assert AiPolicyRun.objects.filter(feature="note_drafting", client_id=record.client_id).count() == 1

    ai_policy_set(practice=practice, actor=admin, profile=Profile.CUSTOM, toggles={"session_brief": True})
    drafts_before = NoteDraft.objects.count()
    response = _request(browser, record, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 409
    assert NoteDraft.objects.count() == drafts_before
    page = browser.get(reverse("note-edit", args=[record.pk])).content.decode()
    assert 'data-testid="drafting-off"' in page and "policy" in page.lower()
