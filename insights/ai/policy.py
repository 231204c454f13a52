"""AI rules per jurisdiction: the registry of AI features and the practice's policy profile.

Every AI feature is declared here once, with its class:

    administrative       scheduling and reminders: nothing about the client's care is inferred
    supplementary        helps the clinician with records and preparation (summaries, suggested
                         homework, note drafts); the clinician reviews and decides
    clinical_inference   the tool itself infers something about the client's state (sentiment
                         of what they write, risk)

and whether it needs the client's AI consent. A practice picks a profile
(``practice.AiPolicyProfile``):

    none       every feature runs, with the client's AI consent where the feature needs it
    illinois   Illinois Public Act 104-0054 (Wellness and Oversight for Psychological Resources
               Act, 2025): a licensed professional may not let AI detect emotions or mental
               states, so clinical-inference features are off; supplementary features need
               written notice and consent, so they run only for a client whose AI consent is
               to the text version that carries the practice's notice; administrative allowed
    custom     the practice switches each feature on or off (consent as under ``none``)

Risk screening is safety, not treatment: it is always on, under every profile, whatever the
consent, and no switch turns it off (``ALWAYS_ON``).

Every feature asks ``feature_allowed(practice, feature, client=...)`` (or, in the domain
function that runs it, ``require_feature``, which also records the run in
``practice.AiPolicyRun`` and raises when blocked). A new feature registers itself with one
line: ``register(AiFeature(key=..., label=..., feature_class=FeatureClass.SUPPLEMENTARY))``.
The registry and the rules (``decide``) are pure Python; the consent lookups and the run log
are the only database access here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from practice.errors import DomainError
from practice.models import AiPolicyProfile

if TYPE_CHECKING:
    from clients.models import Client
    from practice.models import Practice, User

logger = logging.getLogger(__name__)

Profile = AiPolicyProfile
OFF_MESSAGE = "Off under this practice's AI policy."
AI_CONSENT_MESSAGE = "The client has not consented to AI processing."
NOTICE_MESSAGE = (
    "The client's AI consent predates this practice's AI notice: ask them to read and sign the current AI consent text."
)


class FeatureClass(StrEnum):
    ADMINISTRATIVE = "administrative"
    SUPPLEMENTARY = "supplementary"
    CLINICAL_INFERENCE = "clinical_inference"

    @property
    def label(self) -> str:
        return {
            FeatureClass.ADMINISTRATIVE: "Administrative",
            FeatureClass.SUPPLEMENTARY: "Supplementary support",
            FeatureClass.CLINICAL_INFERENCE: "Clinical inference",
        }[self]


@dataclass(frozen=True)
class AiFeature:
    key: str
    label: str
    feature_class: FeatureClass
    needs_client_consent: bool = True
    # Detects emotions or mental states (what Illinois forbids a licensed professional to let AI do).
    detects_mental_state: bool = False
    # Safety screening: part of care, always on, never needs consent, no profile can switch it off.
    safety: bool = False
    description: str = ""


FEATURES: dict[str, AiFeature] = {}


def _rules(feature: AiFeature) -> tuple:
    return (feature.feature_class, feature.needs_client_consent, feature.detects_mental_state, feature.safety)


def register(feature: AiFeature) -> AiFeature:
    """Add a feature to the registry (one line in the feature's own module).

    Registering a key again may change its label and description, never what the policy acts
    on (class, consent, mental-state detection, safety): a module that declares itself less
    strictly than the registry says fails at import instead of weakening the rules.
    """
    existing = FEATURES.get(feature.key)
    if existing is not None and _rules(existing) != _rules(feature):
        raise ValueError(f"AI feature {feature.key!r} is already registered with other rules: {existing}")
    FEATURES[feature.key] = feature
    return feature


SESSION_BRIEF = register(
    AiFeature(
        key="session_brief",
        label="Session brief",
        feature_class=FeatureClass.SUPPLEMENTARY,
        description="Summarises the client's week (check-ins, homework, measures, alerts, quotes) for session prep.",
    )
)
HOMEWORK_RECOMMENDATIONS = register(
    AiFeature(
        key="homework_recommendations",
        label="Homework recommendations",
        feature_class=FeatureClass.SUPPLEMENTARY,
        description="Suggests homework from the library; nothing is assigned until the therapist accepts.",
    )
)
NUDGE_TIMING = register(
    AiFeature(
        key="nudge_timing",
        label="Reminder timing",
        feature_class=FeatureClass.ADMINISTRATIVE,
        description="Suggests the hour to send homework reminders, learned from when the client completes them.",
    )
)
AFFECT = register(
    AiFeature(
        key="affect",
        label="Mood and written sentiment",
        feature_class=FeatureClass.CLINICAL_INFERENCE,
        detects_mental_state=True,
        description="Estimates the sentiment of what the client writes and compares it with their mood rating.",
    )
)
RISK_SCREENING = register(
    AiFeature(
        key="risk_screening",
        label="Risk screening",
        feature_class=FeatureClass.CLINICAL_INFERENCE,
        needs_client_consent=False,
        detects_mental_state=True,
        safety=True,
        description="Screens what clients write for signs of risk so the therapist is alerted and the client "
        "sees crisis numbers. Safety, not treatment: always on.",
    )
)
NOTE_DRAFTING = register(
    AiFeature(
        key="note_drafting",
        label="Progress note drafting",
        feature_class=FeatureClass.SUPPLEMENTARY,
        description="Drafts a progress note from the therapist's own bullet points and recorded facts; the "
        "therapist edits and signs.",
    )
)

# Nothing switches these off (asserted by tests/insights/test_ai_policy.py).
ALWAYS_ON = frozenset(key for key, feature in FEATURES.items() if feature.safety)


class Reason(StrEnum):
    """Why a feature may or may not run; the values are `practice.AiPolicyRun.Outcome`'s."""

    ALLOWED = "allowed"
    SAFETY = "safety"
    OFF_BY_POLICY = "off_by_policy"
    NO_CONSENT = "no_consent"
    NOTICE_NOT_ACCEPTED = "notice_not_accepted"


@dataclass(frozen=True)
class PolicyDecision:
    feature: str
    profile: str
    reason: Reason

    @property
    def allowed(self) -> bool:
        return self.reason in (Reason.ALLOWED, Reason.SAFETY)

    @property
    def message(self) -> str:
        return {
            Reason.ALLOWED: "Allowed.",
            Reason.SAFETY: "Always on: safety screening is part of care.",
            Reason.OFF_BY_POLICY: OFF_MESSAGE,
            Reason.NO_CONSENT: AI_CONSENT_MESSAGE,
            Reason.NOTICE_NOT_ACCEPTED: NOTICE_MESSAGE,
        }[self.reason]


def feature(key: str) -> AiFeature:
    try:
        return FEATURES[key]
    except KeyError:
        raise ValueError(f"Unknown AI feature {key!r}; register it in insights/ai/policy.py") from None


def switched_on(profile: str, toggles: Mapping[str, Any], key: str) -> bool:
    """Whether the profile lets the feature run at all (before any consent). Pure."""
    declared = feature(key)
    if declared.safety:
        return True
    if profile == Profile.ILLINOIS:
        return declared.feature_class != FeatureClass.CLINICAL_INFERENCE and not declared.detects_mental_state
    if profile == Profile.CUSTOM:
        return bool(toggles.get(key, True))
    return True


def needs_notice(profile: str, key: str) -> bool:
    """Illinois: supplementary support needs written notice and consent (to the notice's version)."""
    return profile == Profile.ILLINOIS and feature(key).feature_class == FeatureClass.SUPPLEMENTARY


def decide(
    *, profile: str, toggles: Mapping[str, Any], key: str, consent_given: bool | None, notice_accepted: bool | None
) -> PolicyDecision:
    """The rule, pure: ``consent_given``/``notice_accepted`` are None when there is no client."""
    declared = feature(key)
    if declared.safety:
        return PolicyDecision(key, profile, Reason.SAFETY)
    if not switched_on(profile, toggles, key):
        return PolicyDecision(key, profile, Reason.OFF_BY_POLICY)
    if declared.needs_client_consent and consent_given is False:
        return PolicyDecision(key, profile, Reason.NO_CONSENT)
    if declared.needs_client_consent and needs_notice(profile, key) and notice_accepted is False:
        return PolicyDecision(key, profile, Reason.NOTICE_NOT_ACCEPTED)
    return PolicyDecision(key, profile, Reason.ALLOWED)


def effective_states(profile: str, toggles: Mapping[str, Any]) -> dict[str, bool]:
    """Every feature's on/off under a profile (before consent), in registry order."""
    return {key: switched_on(profile, toggles, key) for key in FEATURES}


# ---------------------------------------------------------------------------
# With the database: the client's consent, the run log


def _consents(client: Client):
    from clients.models import Consent

    return Consent.objects.active().filter(client=client, kind=Consent.Kind.AI_PROCESSING)


def ai_consent_given(client: Client) -> bool:
    return _consents(client).exists()


def notice_accepted(practice: Practice, client: Client) -> bool:
    """The client's AI consent in force is to a text carrying the practice's current notice: the
    version the policy published (or a later one), or an earlier version with the same notice
    (a practice that switched away and back does not make everyone sign the same words again)."""
    from django.db.models import Q

    version = practice.ai_policy_notice_version
    if version is None:
        return False  # no notice published: nothing written the client could have agreed to
    notice = notice_text(practice.ai_policy_profile, practice.ai_policy_features or {})
    return (
        _consents(client)
        .filter(text__practice_id=practice.pk)
        .filter(Q(text__version__gte=version) | Q(text__body__contains=notice))
        .exists()
    )


def feature_decision(
    practice: Practice, key: str, *, client: Client | None = None, consent_given: bool | None = None
) -> PolicyDecision:
    """Whether `key` may run for `client` (or at all, without a client) under the practice's policy.

    Reads the client's consent only when the answer depends on it and the caller did not pass
    what it already read (``consent_given``). Records nothing.
    """
    profile, toggles = practice.ai_policy_profile, practice.ai_policy_features or {}
    decision = decide(profile=profile, toggles=toggles, key=key, consent_given=None, notice_accepted=None)
    if client is None or not decision.allowed or not feature(key).needs_client_consent:
        return decision
    given = ai_consent_given(client) if consent_given is None else consent_given
    accepted = notice_accepted(practice, client) if given and needs_notice(profile, key) else None
    return decide(profile=profile, toggles=toggles, key=key, consent_given=given, notice_accepted=accepted)


def feature_allowed(practice: Practice, key: str, *, client: Client | None = None) -> bool:
    return feature_decision(practice, key, client=client).allowed


class AiConsentMissing(DomainError):
    def __init__(self) -> None:
        super().__init__(AI_CONSENT_MESSAGE, conflict=True)


class AiPolicyBlocked(DomainError):
    """The practice's AI policy does not let this feature run (a 409, shown as an "off" state)."""

    def __init__(self, decision: PolicyDecision) -> None:
        super().__init__(decision.message, conflict=True)
        self.decision = decision


def run_record(
    *,
    practice: Practice,
    decision: PolicyDecision,
    client: Client | None = None,
    actor: User | None = None,
    trigger: str = "request",
) -> None:
    """Append one row to the practice's AI run log. Call inside the run's transaction, if any."""
    from practice.models import AiPolicyRun

    AiPolicyRun.objects.create(
        practice=practice,
        feature=decision.feature,
        profile=decision.profile,
        outcome=str(decision.reason),
        trigger=trigger,
        client_id=client.pk if client is not None else None,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def require_feature(*, client: Client, key: str, actor: User | None = None, trigger: str = "request") -> PolicyDecision:
    """The gate every AI domain function passes first: decide, log the run, raise when blocked.

    Raises ``AiConsentMissing`` without AI consent (nothing logged: there is nothing to run
    for a client who said no, and the nightly task skips them), ``AiPolicyBlocked`` when the
    policy switches the feature off or the consent predates the notice (logged as blocked).
    """
    practice = client.practice
    decision = feature_decision(practice, key, client=client)
    if decision.reason == Reason.NO_CONSENT:
        raise AiConsentMissing()
    run_record(practice=practice, decision=decision, client=client, actor=actor, trigger=trigger)
    if not decision.allowed:
        raise AiPolicyBlocked(decision)
    return decision


# --- The written notice (kept inside the AI consent text) ---------------------------------------
# Illinois (Public Act 104-0054) asks for written notice of AI used for supplementary support and
# the client's consent to it, so the notice is part of the text the client signs (see
# insights/ai/policy_notice.py, which re-exports these for the services).

NOTICE_HEADING = "How this practice uses AI (notice)"
SAFETY_SENTENCE = (
    "The safety check of what you write always runs, whatever you choose about AI: it looks for signs that "
    "you may be at risk so that your therapist is told and you see help numbers straight away. It is part of "
    "your care, not an optional AI feature, and no setting turns it off."
)
ILLINOIS_LAW = "the Illinois Wellness and Oversight for Psychological Resources Act (Public Act 104-0054)"


def _listed(keys: list[str]) -> str:
    return "\n".join(f"- {FEATURES[key].label}: {FEATURES[key].description}" for key in keys)


def notice_text(profile: str, toggles: Mapping[str, Any]) -> str:
    """The notice section for a profile: which AI features run, which are off, and safety."""
    states = effective_states(profile, toggles)
    on = [key for key, state in states.items() if state and not FEATURES[key].safety]
    off = [key for key, state in states.items() if not state]
    lines = [NOTICE_HEADING, ""]
    if profile == Profile.ILLINOIS:
        lines += [
            f"This practice follows {ILLINOIS_LAW}. AI is never used to detect your emotions or mental "
            "states, to make decisions about your therapy, or to talk with you in place of your therapist.",
            "",
            "With your written consent, AI tools may help your therapist with administrative and "
            "supplementary support only:",
            _listed(on),
        ]
    else:
        lines += ["With your consent, AI tools may help your therapist with:", _listed(on) if on else "- nothing"]
    if off:
        lines += ["", "This practice has switched these AI features off:", _listed(off)]
    lines += [
        "",
        "Your therapist reviews everything these tools produce and decides what to do with it. "
        + (
            "Supplementary tools run only after you have read this notice and signed this consent."
            if profile == Profile.ILLINOIS
            else "The tools run only while you consent."
        ),
        "",
        SAFETY_SENTENCE,
    ]
    return "\n".join(lines).strip()


def without_notice(body: str) -> str:
    """The practice's own wording: the body with any earlier notice section removed."""
    index = body.find(NOTICE_HEADING)
    return (body[:index] if index >= 0 else body).rstrip()


def with_notice(body: str, profile: str, toggles: Mapping[str, Any]) -> str:
    return f"{without_notice(body)}\n\n{notice_text(profile, toggles)}"


def supplementary_keys() -> list[str]:
    return [key for key, feature in FEATURES.items() if feature.feature_class == FeatureClass.SUPPLEMENTARY]
