"""AI rules per jurisdiction (issue 18 part 3): the feature registry, the practice's policy
profile (none, illinois, custom), the gate every AI feature passes, the run log, the notice in
the AI consent text, and the admin page."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from clients.models import Consent, ConsentText
from clients.services.consents import consent_sign
from insights.ai import policy
from insights.ai.policy import FEATURES, FeatureClass, Profile, Reason, decide
from insights.ai.policy_notice import NOTICE_HEADING, SAFETY_SENTENCE
from insights.ai.policy_services import ai_policy_set
from insights.ai.refresh import ai_refresh_client
from insights.ai.services import (
    AiConsentMissing,
    AiPolicyBlocked,
    affect_refresh,
    brief_refresh,
    recommendations_refresh,
    suggestion_decide,
)
from insights.models import AiSuggestion, Alert
from practice.audit import AuditAction
from practice.models import AiPolicyRun, AuditEvent
from tests.conftest import as_user, web_as
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
TOGGLE_SETS = [{}, dict.fromkeys(FEATURES, False), dict.fromkeys(FEATURES, True)]


# ---------------------------------------------------------------------------
# The registry and the rule (pure)


def test_the_drafting_assistant_registering_itself_in_one_line_keeps_its_rules():
    line = policy.AiFeature("note_drafting", "Draft a progress note", FeatureClass.SUPPLEMENTARY)
    before = FEATURES["note_drafting"]
    try:
        policy.register(line)
        assert FEATURES["note_drafting"].feature_class == FeatureClass.SUPPLEMENTARY
        with pytest.raises(ValueError):
            policy.register(policy.AiFeature("note_drafting", "Draft", FeatureClass.ADMINISTRATIVE))
    finally:
        FEATURES["note_drafting"] = before


def test_every_existing_ai_feature_and_the_drafting_assistant_declare_a_class():
    expected = {"session_brief", "homework_recommendations", "nudge_timing", "affect", "risk_screening"}
    assert expected | {"note_drafting"} <= set(FEATURES)
    for feature in FEATURES.values():
        assert isinstance(feature.feature_class, FeatureClass)
    assert FEATURES["affect"].feature_class == FeatureClass.CLINICAL_INFERENCE
    assert FEATURES["affect"].detects_mental_state
    assert FEATURES["note_drafting"].feature_class == FeatureClass.SUPPLEMENTARY
    assert FEATURES["note_drafting"].needs_client_consent
    assert not FEATURES["risk_screening"].needs_client_consent


def test_a_new_feature_registers_in_one_line_and_cannot_be_redeclared_differently():
    declared = policy.register(policy.AiFeature("test_feature", "Test", FeatureClass.ADMINISTRATIVE))
    try:
        assert policy.register(declared) is declared  # the same declaration again: fine
        relabelled = policy.AiFeature("test_feature", "Renamed", FeatureClass.ADMINISTRATIVE, description="New")
        assert policy.register(relabelled).label == "Renamed"  # wording may change, the rules may not
        with pytest.raises(ValueError):
            policy.register(policy.AiFeature("test_feature", "Test", FeatureClass.CLINICAL_INFERENCE))
        assert decide(
            profile=Profile.ILLINOIS, toggles={}, key="test_feature", consent_given=True, notice_accepted=None
        ).allowed
    finally:
        del FEATURES["test_feature"]


def test_unknown_feature_is_an_error_not_a_silent_yes():
    with pytest.raises(ValueError):
        decide(profile=Profile.NONE, toggles={}, key="mind_reading", consent_given=True, notice_accepted=True)


@pytest.mark.parametrize(
    ("profile", "toggles", "consent"), list(itertools.product(Profile.values, TOGGLE_SETS, [True, False, None]))
)
def test_risk_screening_is_on_under_every_profile_switch_and_consent(profile, toggles, consent):
    decision = decide(
        profile=profile, toggles=toggles, key="risk_screening", consent_given=consent, notice_accepted=False
    )
    assert decision.allowed and decision.reason == Reason.SAFETY
    assert {"risk_screening"} == policy.ALWAYS_ON


def test_affect_is_off_under_illinois_whatever_the_consent():
    for consent, notice in itertools.product([True, False], [True, False]):
        decision = decide(
            profile=Profile.ILLINOIS, toggles={}, key="affect", consent_given=consent, notice_accepted=notice
        )
        assert decision.reason == Reason.OFF_BY_POLICY
        assert decision.message == "Off under this practice's AI policy."


def test_illinois_turns_off_every_clinical_inference_feature_but_safety():
    states = policy.effective_states(Profile.ILLINOIS, {})
    for key, feature in FEATURES.items():
        if feature.safety:
            assert states[key]
        else:
            assert states[key] == (feature.feature_class != FeatureClass.CLINICAL_INFERENCE)


def test_supplementary_needs_consent_and_under_illinois_the_signed_notice():
    def brief(profile, consent, notice):
        return decide(profile=profile, toggles={}, key="session_brief", consent_given=consent, notice_accepted=notice)

    assert brief(Profile.NONE, False, None).reason == Reason.NO_CONSENT
    assert brief(Profile.NONE, True, None).allowed
    assert brief(Profile.ILLINOIS, False, None).reason == Reason.NO_CONSENT
    assert brief(Profile.ILLINOIS, True, False).reason == Reason.NOTICE_NOT_ACCEPTED
    assert brief(Profile.ILLINOIS, True, True).allowed
    # Administrative support is allowed under Illinois without the notice (still with the consent it declares).
    nudge = decide(profile=Profile.ILLINOIS, toggles={}, key="nudge_timing", consent_given=True, notice_accepted=False)
    assert nudge.allowed


def test_custom_follows_the_switches():
    toggles = {"affect": True, "session_brief": False}
    assert decide(
        profile=Profile.CUSTOM, toggles=toggles, key="affect", consent_given=True, notice_accepted=None
    ).allowed
    off = decide(profile=Profile.CUSTOM, toggles=toggles, key="session_brief", consent_given=True, notice_accepted=None)
    assert off.reason == Reason.OFF_BY_POLICY


# ---------------------------------------------------------------------------
# The practice's profile, its notice in the AI consent text, the audit


def ai_text(practice):
    return ConsentText.objects.filter(practice=practice, kind="ai_processing").order_by("-version").first()


def test_switching_to_illinois_publishes_the_notice_in_a_new_ai_consent_version(practice, admin):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    practice.refresh_from_db()
    text = ai_text(practice)
    assert practice.ai_policy_profile == Profile.ILLINOIS
    assert practice.ai_policy_notice_version == text.version
    assert NOTICE_HEADING in text.body and "Public Act 104-0054" in text.body
    assert "never used to detect your emotions or mental states" in text.body
    assert SAFETY_SENTENCE in text.body
    assert "Mood and written sentiment" in text.body.split("switched these AI features off:")[1]
    # The practice's own wording stays above the notice.
    assert text.body.startswith("I agree that the practice may use automated (AI) tools")


def test_switching_profiles_replaces_the_notice_and_saving_again_adds_no_version(practice, admin):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    illinois_version = ai_text(practice).version
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    assert ai_text(practice).version == illinois_version  # unchanged: points at the same version
    ai_policy_set(practice=practice, actor=admin, profile=Profile.NONE)
    text = ai_text(practice)
    assert text.version == illinois_version + 1
    assert text.body.count(NOTICE_HEADING) == 1 and "104-0054" not in text.body
    practice.refresh_from_db()
    assert practice.ai_policy_notice_version == text.version
    # Earlier versions keep the wording clients agreed to.
    assert "104-0054" in ConsentText.objects.get(practice=practice, kind="ai_processing", version=illinois_version).body


def test_profile_change_is_audited_with_the_consent_text(practice, admin):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.CUSTOM, toggles={"affect": False})
    update = AuditEvent.objects.get(action=AuditAction.UPDATE, target_type="practice.practice")
    assert {"ai_policy_profile", "ai_policy_features", "ai_policy_notice_version"} <= set(update.fields)
    assert update.actor == admin
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clients.consenttext").exists()
    practice.refresh_from_db()
    assert practice.ai_policy_features["affect"] is False
    assert "risk_screening" not in practice.ai_policy_features  # no switch exists for it


def test_custom_cannot_switch_risk_screening_off(practice, admin):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.CUSTOM, toggles={"risk_screening": False})
    practice.refresh_from_db()
    assert policy.feature_allowed(practice, "risk_screening")


# ---------------------------------------------------------------------------
# The gate in the domain functions, the run log


@pytest.fixture
def ai_client(therapist):
    client = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
    Consent.objects.create(client=client, kind=Consent.Kind.AI_PROCESSING)
    return client


def test_affect_is_blocked_under_illinois_and_the_block_is_logged(practice, admin, ai_client, therapist):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    ai_client.practice.refresh_from_db()
    with pytest.raises(AiPolicyBlocked) as blocked:
        affect_refresh(client=ai_client, actor=therapist)
    assert blocked.value.conflict and blocked.value.decision.reason == Reason.OFF_BY_POLICY
    assert not AiSuggestion.objects.filter(client=ai_client, kind="affect").exists()
    run = AiPolicyRun.objects.get()
    assert (run.feature, run.profile, run.outcome, run.client_id, run.actor) == (
        "affect",
        "illinois",
        "off_by_policy",
        ai_client.pk,
        therapist,
    )


def test_affect_runs_and_is_logged_without_a_jurisdiction_profile(ai_client, therapist):
    affect_refresh(client=ai_client, actor=therapist)
    assert AiSuggestion.objects.filter(client=ai_client, kind="affect").exists()
    assert AiPolicyRun.objects.get().outcome == "allowed"


def test_without_ai_consent_nothing_runs_whatever_the_profile(practice, admin, therapist):
    client = ClientFactory(primary_therapist=therapist.membership, practice=practice)
    with pytest.raises(AiConsentMissing):
        brief_refresh(client=client, actor=therapist, encoder=None)
    assert not AiSuggestion.objects.exists()


def test_under_illinois_the_brief_needs_consent_to_the_notice_version(
    practice, admin, ai_client, therapist, client_user
):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    ai_client.practice.refresh_from_db()
    # The consent on record predates the notice (no text version): supplementary support stays off.
    with pytest.raises(AiPolicyBlocked) as blocked:
        brief_refresh(client=ai_client, actor=therapist, encoder=None)
    assert blocked.value.decision.reason == Reason.NOTICE_NOT_ACCEPTED
    assert AiPolicyRun.objects.get().outcome == "notice_not_accepted"
    # The client reads and signs the text carrying the notice: the brief runs.
    Consent.objects.filter(client=ai_client).update(revoked_at="2026-01-01T00:00:00Z")
    consent_sign(
        client=ai_client,
        kind="ai_processing",
        actor=client_user,
        signature_name=f"{ai_client.first_name} {ai_client.last_name}",
        text_id=ai_text(practice).pk,
    )
    suggestion, _ = brief_refresh(client=ai_client, actor=therapist, encoder=None)
    assert suggestion.kind == "session_brief"
    assert list(AiPolicyRun.objects.order_by("id").values_list("outcome", flat=True)) == [
        "notice_not_accepted",
        "allowed",
    ]


def sign_ai_consent(client, client_user, text):
    Consent.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at="2026-01-01T00:00:00Z")
    consent_sign(
        client=client,
        kind="ai_processing",
        actor=client_user,
        signature_name=f"{client.first_name} {client.last_name}",
        text_id=text.pk,
    )


def test_switching_away_and_back_keeps_signed_illinois_notices_valid_but_not_other_texts(
    practice, admin, client_record, client_user, other_client_record, other_client_user
):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    sign_ai_consent(client_record, client_user, ai_text(practice))  # signs the Illinois notice
    ai_policy_set(practice=practice, actor=admin, profile=Profile.NONE)
    sign_ai_consent(other_client_record, other_client_user, ai_text(practice))  # a text without it
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    practice.refresh_from_db()
    assert practice.ai_policy_notice_version == ai_text(practice).version == 4
    assert policy.feature_allowed(practice, "session_brief", client=client_record)
    decision = policy.feature_decision(practice, "session_brief", client=other_client_record)
    assert decision.reason == Reason.NOTICE_NOT_ACCEPTED


def test_nightly_refresh_skips_what_the_policy_switches_off(practice, admin, ai_client):
    ai_policy_set(
        practice=practice,
        actor=admin,
        profile=Profile.CUSTOM,
        toggles={"homework_recommendations": True, "nudge_timing": True, "session_brief": True},
    )
    ai_client.practice.refresh_from_db()
    assert ai_refresh_client(client=ai_client)
    assert not AiSuggestion.objects.filter(client=ai_client, kind="affect").exists()
    runs = dict(AiPolicyRun.objects.values_list("feature", "outcome"))
    assert runs["affect"] == "off_by_policy" and runs["homework_recommendations"] == "allowed"
    assert set(AiPolicyRun.objects.values_list("trigger", flat=True)) == {"task"}


def test_accepting_a_suggestion_of_a_feature_switched_off_is_refused_dismissing_is_not(
    practice, admin, ai_client, therapist
):
    affect_refresh(client=ai_client, actor=therapist)
    suggestion = AiSuggestion.objects.get(client=ai_client, kind="affect")
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    with pytest.raises(AiPolicyBlocked):
        suggestion_decide(suggestion=suggestion, actor=therapist, decision="accepted")
    suggestion_decide(suggestion=suggestion, actor=therapist, decision="dismissed")
    suggestion.refresh_from_db()
    assert suggestion.decision == "dismissed"


def test_custom_switch_off_blocks_recommendations(practice, admin, ai_client):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.CUSTOM, toggles={"affect": True})
    ai_client.practice.refresh_from_db()
    with pytest.raises(AiPolicyBlocked):
        recommendations_refresh(client=ai_client, encoder=None)


def test_risk_screening_still_raises_an_alert_with_every_ai_feature_off_and_no_consent(
    practice, admin, client_record, client_user
):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.CUSTOM, toggles={})
    assert not Consent.objects.filter(client=client_record, kind="ai_processing").exists()
    note = "I have saved up my pills and I'm going to take them all tonight."
    response = as_user(client_user).post(reverse("api-me-checkins"), {"mood": 1, "note": note}, format="json")
    assert response.status_code == 201
    assert Alert.objects.filter(client=client_record, severity="urgent").exists()


# ---------------------------------------------------------------------------
# What therapists and clients see


def test_affect_api_says_off_under_illinois(practice, admin, ai_client, therapist):
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    body = as_user(therapist).get(reverse("api-client-affect", kwargs={"pk": ai_client.pk})).json()
    assert body["consent"] is True
    assert body["policy"] == {"allowed": False, "feature": "affect", "profile": "illinois", "reason": "off_by_policy"}
    assert body["detail"] == "Off under this practice's AI policy."
    assert body["series"] == []


def test_chart_ai_tab_shows_the_off_state_not_an_error(practice, admin, ai_client, therapist):
    affect_refresh(client=ai_client, actor=therapist)  # stored before the switch: no longer shown
    ai_policy_set(practice=practice, actor=admin, profile=Profile.ILLINOIS)
    response = web_as(therapist).get(reverse("client-chart", kwargs={"pk": ai_client.pk}) + "?tab=ai")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Off under this practice&#x27;s AI policy." in page
    assert "AI-estimated sentiment of written text" not in page
    assert 'data-testid="ai-notice-missing"' in page  # the brief and recommendations wait for the notice


def test_portal_consent_pages_say_safety_screening_stays_on(client_user):
    browser = web_as(client_user)
    for url in (reverse("portal-consents"), reverse("portal-consent-sign", kwargs={"kind": "ai_processing"})):
        page = browser.get(url).content.decode()
        assert 'data-testid="safety-stays-on"' in page
        assert "Whatever you choose about AI" in page


# ---------------------------------------------------------------------------
# The admin page


def test_admin_page_saves_the_profile_and_shows_the_run_log_paginated(practice, admin, ai_client, therapist):
    browser = web_as(admin)
    response = browser.post(reverse("ai-policy"), {"profile": "illinois"})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.ai_policy_profile == "illinois"
    practice_runs = [
        AiPolicyRun(
            practice=practice, feature="affect", profile="illinois", outcome="off_by_policy", client_id=ai_client.pk
        )
        for _ in range(55)
    ]
    AiPolicyRun.objects.bulk_create(practice_runs)
    reads_before = AuditEvent.objects.filter(action=AuditAction.READ, target_type="practice.aipolicyrun").count()
    first = browser.get(reverse("ai-policy")).content.decode()
    assert "Page 1 of 2" in first and "Blocked: off under the AI policy" in first
    assert "Public Act 104-0054" in first  # the notice clients sign
    second = browser.get(reverse("ai-policy") + "?page=2").content.decode()
    assert "Page 2 of 2" in second
    reads = AuditEvent.objects.filter(action=AuditAction.READ, target_type="practice.aipolicyrun")
    assert reads.count() == reads_before + 2 and reads.last().actor == admin


def test_admin_page_custom_switches(practice, manager):
    response = web_as(manager).post(
        reverse("ai-policy"), {"profile": "custom", "feature_session_brief": "on", "feature_note_drafting": "on"}
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.ai_policy_features == {
        "session_brief": True,
        "homework_recommendations": False,
        "nudge_timing": False,
        "affect": False,
        "note_drafting": True,
    }
    assert policy.feature_allowed(practice, "session_brief")
    assert not policy.feature_allowed(practice, "affect")
    assert policy.feature_allowed(practice, "risk_screening")
