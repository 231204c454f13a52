"""Consent in the browser: the practice's consent texts (versioned), and the client's consent
page in the portal (read the text, sign with a typed name, or withdraw).

The therapist's side (record consent given in session, withdraw it, see the history) is the
chart's Consent tab (clients/web_chart.py, actions in clients/web_chart_actions.py).

Consent texts: MANAGE_LIBRARY roles (therapists and admins) read and publish new versions;
anyone else 404. Publishing never changes a version already agreed to.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.consent_texts import DEFAULT_CONSENT_TEXTS
from clients.models import Client, ConsentKind
from clients.selectors_onboarding import consent_states, consent_text_versions, current_consent_texts
from clients.services.consents import BODY_MAX_LENGTH, consent_sign, consent_text_publish
from clients.services.records import consent_revoke
from clients.web_portal import _closed, _render, portal_page
from practice.errors import DomainError
from practice.roles import Capability
from practice.web_guards import capability_required

# What the client may do with each consent in the portal, in plain words.
PORTAL_WITHDRAW_WARNINGS = {
    ConsentKind.TREATMENT: "Withdrawing consent to treatment tells your therapist you no longer agree to therapy. "
    "Talk to them about what happens next.",
    ConsentKind.PORTAL: "Withdrawing consent to the portal ends your portal access straight away: you will be "
    "signed out. Your therapist can turn it back on if you ask.",
    ConsentKind.AI_PROCESSING: "The optional AI features stop at once. Your care does not change.",
}


def _kind_or_404(kind: str) -> str:
    if kind not in ConsentKind.values:
        raise Http404
    return kind


# ---------------------------------------------------------------------------
# The practice's consent texts


class ConsentTextForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    body = forms.CharField(
        label="Text the client reads and agrees to",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Plain language. Saving publishes a new version; consents already given keep the version "
        "the client agreed to.",
    )


@capability_required(Capability.MANAGE_LIBRARY)
@require_http_methods(["GET"])
def consent_texts(request) -> HttpResponse:
    practice_id = request.user.membership.practice_id
    current = current_consent_texts(practice_id=practice_id)
    rows = []
    for kind, label in ConsentKind.choices:
        text = current.get(kind)
        default = DEFAULT_CONSENT_TEXTS[kind]
        rows.append(
            {
                "kind": kind,
                "label": label,
                "title": text.title if text else default.title,
                "version": text.version if text else 1,
                "updated": text.created_at if text and text.created_by_id else None,
                "updated_by": text.created_by if text else None,
                "is_default": text is None or text.created_by_id is None,
            }
        )
    return render(request, "clients/consent_texts.html", {"rows": rows})


@capability_required(Capability.MANAGE_LIBRARY)
@require_http_methods(["GET", "POST"])
def consent_text_edit(request, kind: str) -> HttpResponse:
    kind = _kind_or_404(kind)
    practice_id = request.user.membership.practice_id
    versions = consent_text_versions(practice_id=practice_id, kind=kind)
    default = DEFAULT_CONSENT_TEXTS[kind]
    current_title, current_body = (versions[0].title, versions[0].body) if versions else (default.title, default.body)
    form = ConsentTextForm(request.POST or None, initial={"title": current_title, "body": current_body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                text = consent_text_publish(
                    practice_id=practice_id,
                    kind=kind,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Version {text.version} published. New consents use it from now on.")
                return redirect("consent-texts")
        status = 400
    context = {
        "kind": kind,
        "label": ConsentKind(kind).label,
        "form": form,
        "versions": versions,
        "next_version": versions[0].version + 1 if versions else 2,
    }
    return render(request, "clients/consent_text_edit.html", context, status=status)


# ---------------------------------------------------------------------------
# The portal: the client's consents


class SignForm(forms.Form):
    signature_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    text = forms.IntegerField(widget=forms.HiddenInput)


@portal_page
@require_http_methods(["GET", "POST"])
def portal_consents(request, client: Client) -> HttpResponse:
    """The client's consents: what is in force, with the text and how it was given; withdraw."""
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        kind = request.POST.get("kind", "")
        if kind not in ConsentKind.values:
            raise Http404
        revoked = consent_revoke(client=client, kind=kind, actor=request.user)
        if revoked:
            messages.success(request, f"You withdrew your consent: {ConsentKind(kind).label.lower()}.")
        else:
            messages.info(request, "That consent was not in force.")
        return redirect("portal-consents")
    states = consent_states(client=client)
    for state in states:
        state.warning = PORTAL_WITHDRAW_WARNINGS[state.kind]
    return _render(request, "consents.html", client, {"states": states})


@portal_page
@require_http_methods(["GET", "POST"])
def portal_consent_sign(request, client: Client, kind: str) -> HttpResponse:
    """Read the practice's current text for one consent and sign it with a typed name."""
    kind = _kind_or_404(kind)
    state = next(state for state in consent_states(client=client) if state.kind == kind)
    form = SignForm(request.POST or None, initial={"text": state.text.pk if state.text else 0})
    status = 200
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        if form.is_valid():
            try:
                consent_sign(
                    client=client,
                    kind=kind,
                    actor=request.user,
                    signature_name=form.cleaned_data["signature_name"],
                    text_id=form.cleaned_data["text"],
                )
            except DomainError as error:
                if error.conflict:
                    messages.info(request, error.message)
                    return redirect("portal-consent-sign", kind=kind)
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Thank you. You signed: {state.title}.")
                return redirect("portal-consents")
        status = 400
    return _render(request, "consent_sign.html", client, {"state": state, "form": form}, status=status)
