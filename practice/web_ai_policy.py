"""The AI policy page: the practice's AI rules per jurisdiction, and what ran under them.

Practice admins and managers (CONFIGURE_AI_POLICY); anyone else 404. The page shows every
registered AI feature (insights/ai/policy.py) with its class and its state under the current
profile, the notice the clients sign (the practice's AI consent text version), and the run log
(paginated; the read is audited). Saving goes through `insights.ai.policy_services.ai_policy_set`
(audited, and publishes the matching consent text version).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.models import ConsentKind
from clients.services.consents import consent_text_latest
from insights.ai import policy
from insights.ai.policy_services import ai_policy_set
from practice.errors import DomainError
from practice.models import AiPolicyProfile
from practice.roles import Capability
from practice.selectors import ai_policy_runs_for_viewer
from practice.web_guards import capability_required, user_can

RUN_PAGE_SIZE = 50
PROFILE_HELP = {
    AiPolicyProfile.NONE: "Every AI feature runs for clients who gave AI consent.",
    AiPolicyProfile.ILLINOIS: (
        "The Wellness and Oversight for Psychological Resources Act (2025): AI that detects emotions or mental "
        "states is off; supplementary "
        "support runs only for clients who signed the AI consent text carrying this practice's written notice; "
        "administrative support is allowed."
    ),
    AiPolicyProfile.CUSTOM: "You choose each feature below. Clients still need to have given AI consent.",
}


class AiPolicyForm(forms.Form):
    profile = forms.ChoiceField(label="Policy profile", choices=AiPolicyProfile.choices, widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, feature in policy.FEATURES.items():
            if not feature.safety:
                self.fields[f"feature_{key}"] = forms.BooleanField(label=feature.label, required=False)

    def toggles(self) -> dict[str, bool]:
        return {
            name.removeprefix("feature_"): bool(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("feature_")
        }


def _initial(practice) -> dict:
    states = policy.effective_states(practice.ai_policy_profile, practice.ai_policy_features or {})
    return {"profile": practice.ai_policy_profile, **{f"feature_{key}": state for key, state in states.items()}}


def _feature_rows(practice, form: AiPolicyForm) -> list[dict]:
    profile, toggles = practice.ai_policy_profile, practice.ai_policy_features or {}
    rows = []
    for key, feature in policy.FEATURES.items():
        on = policy.switched_on(profile, toggles, key)
        if feature.safety:
            state, tone, detail = "Always on", "ok", "safety, not treatment"
        elif not on:
            state, tone, detail = "Off", "", ""
        elif policy.needs_notice(profile, key):
            state, tone, detail = "On", "ai", "with written notice and consent"
        elif feature.needs_client_consent:
            state, tone, detail = "On", "ai", "with AI consent"
        else:
            state, tone, detail = "On", "ai", ""
        rows.append(
            {
                "feature": feature,
                "class_label": policy.FeatureClass(feature.feature_class).label,
                "state": state,
                "tone": tone,
                "detail": detail,
                "field": None if feature.safety else form[f"feature_{key}"],
            }
        )
    return rows


@capability_required(Capability.CONFIGURE_AI_POLICY)
@require_http_methods(["GET", "POST"])
def ai_policy_page(request) -> HttpResponse:
    practice = request.user.membership.practice
    form = AiPolicyForm(request.POST or None, initial=_initial(practice))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ai_policy_set(
                    practice=practice,
                    actor=request.user,
                    profile=form.cleaned_data["profile"],
                    toggles=form.toggles(),
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                practice.refresh_from_db()
                messages.success(
                    request,
                    f"AI policy saved: {practice.get_ai_policy_profile_display()}. The notice is in version "
                    f"{practice.ai_policy_notice_version} of the AI consent text.",
                )
                return redirect("ai-policy")
        status = 400
    runs = Paginator(ai_policy_runs_for_viewer(actor=request.user, practice=practice), RUN_PAGE_SIZE)
    page = runs.get_page(request.GET.get("page"))
    for run in page.object_list:
        declared = policy.FEATURES.get(run.feature)
        run.feature_label = declared.label if declared else run.feature
    notice = consent_text_latest(practice_id=practice.pk, kind=ConsentKind.AI_PROCESSING)
    context = {
        "form": form,
        "practice": practice,
        "profiles": [(choice, PROFILE_HELP[AiPolicyProfile(choice.data["value"])]) for choice in form["profile"]],
        "features": _feature_rows(practice, form),
        "notice": notice,
        "can_edit_texts": user_can(request.user, Capability.MANAGE_LIBRARY),
        "page": page,
    }
    return render(request, "practice/ai_policy.html", context, status=status)
