"""The consent wording a practice starts with, one text per kind of consent.

A practice edits these on the consent texts page (clients/web_consent.py); every edit is a new
`ConsentText` version and a consent always points at the version the client agreed to. These
defaults become version 1 the first time a practice records a consent of that kind (or edits
its text), so a new practice can record consent on day one. They are a plain-language starting
point, not legal advice: a practice should have its own wording reviewed for its jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultText:
    title: str
    body: str


DEFAULT_CONSENT_TEXTS: dict[str, DefaultText] = {
    "treatment": DefaultText(
        title="Consent to treatment",
        body=(
            "I agree to take part in psychotherapy with this practice.\n\n"
            "I understand that:\n"
            "- therapy involves talking about personal matters, and can sometimes feel difficult "
            "before it helps;\n"
            "- my therapist keeps records of our sessions; they are confidential and kept securely;\n"
            "- confidentiality has limits: my therapist may need to share information, with as "
            "little detail as possible, if there is a serious risk to my safety or someone "
            "else's, if a child or vulnerable adult may be at risk, or if the law requires it;\n"
            "- my therapist may discuss my care with a clinical supervisor, who is bound by the "
            "same confidentiality;\n"
            "- I can ask questions about my treatment at any time, and I can stop therapy at any "
            "time.\n\n"
            "This practice is not an emergency service. In an emergency I will call the emergency "
            "number shown in the portal under \u201cNeed help now?\u201d."
        ),
    ),
    "portal": DefaultText(
        title="Consent to use the client portal",
        body=(
            "I agree to use the practice's online client portal to check in, do homework, answer "
            "questionnaires and send messages to my therapist.\n\n"
            "I understand that:\n"
            "- what I write in the portal becomes part of my record and my therapist reads it, "
            "usually within a few working days, not straight away;\n"
            "- messages are not for emergencies: the portal shows who to call if I need help now;\n"
            "- the practice may e-mail me reminders; they never say what the homework or "
            "questionnaire is about;\n"
            "- I keep my password to myself; nobody at the practice can see or choose it;\n"
            "- I can withdraw this consent at any time in the portal's settings. My portal access "
            "then stops, and my therapist can re-enable it if I ask."
        ),
    ),
    "ai_processing": DefaultText(
        title="Consent to optional AI features",
        body=(
            "I agree that the practice may use automated (AI) tools on what I write in the portal "
            "and on my questionnaire answers, to help my therapist prepare for sessions: for "
            "example a short summary of my week, or suggested homework.\n\n"
            "I understand that:\n"
            "- the tools only make suggestions; my therapist reads them and decides what to do, "
            "and they never make decisions about my care on their own;\n"
            "- my information stays within the practice's systems and is not used to train "
            "anyone's AI models;\n"
            "- saying no does not change my care in any way;\n"
            "- the safety check of what I write always runs, whether or not I agree to this;\n"
            "- I can withdraw this consent at any time, in the portal's settings or by telling my "
            "therapist; the tools then stop at once."
        ),
    ),
}
