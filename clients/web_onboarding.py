"""Onboarding a client in the browser: add a client (with a duplicate check) and the client's
details page (demographics, contact, emergency contact, care team, status, portal invites).

Who: "Add client" is for every role with CREATE_CLIENT (a therapist's new client is their own;
a manager or admin chooses the therapist). The details page is for whoever administers the
record (`clients.selectors.client_for_admin(write=True)`: the client's therapists, the
practice's managers and admins); a supervisor can read the chart but gets 403 here, anyone
else 404. Nothing clinical is shown or changed on these pages. Every write is one service
call in `clients.services.records` (which audits it and, for a care-team change by a manager
or admin, announces it).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clients.api import invite_link
from clients.models import Client
from clients.selectors import client_for_admin, therapists_for_assignment
from clients.selectors_onboarding import portal_access, possible_duplicates
from clients.services import records
from practice.bounds import BoundedFormDateField
from practice.errors import DomainError, Forbidden, NotFound
from practice.roles import Capability
from practice.web_guards import capability_required, user_can

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactForm(forms.Form):
    """Demographics and how to reach the client (no clinical fields)."""

    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    preferred_name = forms.CharField(label="Preferred name (optional)", max_length=100, required=False)
    pronouns = forms.CharField(
        label="Pronouns (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. she/her, they/them"}),
    )
    date_of_birth = BoundedFormDateField(label="Date of birth", widget=DATE_INPUT)
    email = forms.EmailField(
        label="E-mail (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="Portal invitations are sent here.",
    )
    phone = forms.CharField(
        label="Phone (optional)", max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    address = forms.CharField(
        label="Postal address (optional)", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    emergency_contact_name = forms.CharField(label="Name (optional)", max_length=200, required=False)
    emergency_contact_relationship = forms.CharField(
        label="Relationship (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. partner, parent, friend"}),
    )
    emergency_contact_phone = forms.CharField(
        label="Phone (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )

    def clean(self):
        data = super().clean()
        for name in ("first_name", "last_name"):
            if name in data and not data[name].strip():
                self.add_error(name, "This field is required.")
        if data.get("emergency_contact_name") and not data.get("emergency_contact_phone"):
            self.add_error("emergency_contact_phone", "Add a phone number for the emergency contact.")
        return data


class NewClientForm(ContactForm):
    therapist = forms.ModelChoiceField(
        label="Primary therapist", queryset=None, required=False, empty_label="None yet (waitlist)"
    )
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, therapists=None, **kwargs):
        super().__init__(*args, **kwargs)
        if therapists is None:
            del self.fields["therapist"]
        else:
            from practice.models import Membership

            self.fields["therapist"].queryset = Membership.objects.filter(pk__in=[m.pk for m in therapists])
            self.fields["therapist"].label_from_instance = lambda member: member.display_name


class CareTeamForm(forms.Form):
    primary_therapist = forms.ModelChoiceField(
        label="Primary therapist", queryset=None, required=False, empty_label="Unassigned"
    )
    co_therapist = forms.ModelChoiceField(label="Co-therapist", queryset=None, required=False, empty_label="None")
    supervisor = forms.ModelChoiceField(label="Clinical supervisor", queryset=None, required=False, empty_label="None")

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, prefix="team", **kwargs)
        from practice.models import Membership

        queryset = Membership.objects.filter(pk__in=[m.pk for m in therapists]).select_related("user")
        for field in self.fields.values():
            field.queryset = queryset
            field.label_from_instance = lambda member: member.display_name


class DischargeForm(forms.Form):
    discharge_reason = forms.CharField(
        label="Reason for discharge",
        max_length=200,
        help_text="Short and non-clinical, e.g. \u201cgoals met\u201d, \u201cmoved away\u201d, \u201creferred on\u201d.",
    )


CONTACT_FIELDS = tuple(ContactForm.base_fields)


def _values(form: forms.Form, fields) -> dict:
    return {
        name: form.cleaned_data[name].strip() if isinstance(form.cleaned_data[name], str) else form.cleaned_data[name]
        for name in fields
    }


# ---------------------------------------------------------------------------
# Add a client


@capability_required(Capability.CREATE_CLIENT)
@require_http_methods(["GET", "POST"])
def client_new(request) -> HttpResponse:
    """The add-client form; a likely duplicate is shown before anything is saved."""
    administers = user_can(request.user, Capability.EDIT_CLIENT_ADMIN)
    therapists = therapists_for_assignment(user=request.user) if administers else None
    form = NewClientForm(request.POST or None, therapists=therapists)
    duplicates = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            duplicates = possible_duplicates(
                user=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                email=data["email"],
            )
            if duplicates and not data["confirm_duplicate"]:
                # Ask first: the user opens the existing record, or confirms this is someone else.
                form.data = form.data.copy()
                form.data["confirm_duplicate"] = "True"
                return render(
                    request,
                    "clients/client_new.html",
                    {"form": form, "duplicates": duplicates, "administers": administers},
                    status=409,
                )
            values = _values(form, CONTACT_FIELDS)
            if administers:
                values["primary_therapist"] = data.get("therapist")
            try:
                client = records.client_create(actor=request.user, data=values)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    f"{client.full_name} was added. Next: invite them to the portal and record their consent.",
                )
                if user_can(request.user, Capability.VIEW_CLINICAL):
                    return redirect("client-chart", pk=client.pk)
                return redirect("client-details", pk=client.pk)
        status = 400
    return render(
        request,
        "clients/client_new.html",
        {"form": form, "duplicates": duplicates, "administers": administers},
        status=status,
    )


# ---------------------------------------------------------------------------
# The client's details page


def _version(request) -> int | None:
    version = request.POST.get("version", "")
    return int(version) if version.isdigit() else None


def _update(request, client: Client, data: dict) -> None:
    records.client_update(
        client=client,
        actor=request.user,
        data=data,
        clinical_allowed=False,
        version=_version(request),
    )


def _save_details(request, client: Client, forms_: dict) -> str | None:
    form = ContactForm(request.POST, prefix="details")
    if not form.is_valid():
        forms_["details"] = form
        return None
    _update(request, client, _values(form, CONTACT_FIELDS))
    return "Details saved."


def _save_care_team(request, client: Client, forms_: dict) -> str | None:
    form = CareTeamForm(request.POST, therapists=forms_["therapists"])
    if not form.is_valid():
        forms_["team"] = form
        return None
    _update(request, client, dict(form.cleaned_data))
    if not user_can(request.user, Capability.EDIT_CLINICAL):
        return "Care team saved. The client's therapists and the practice's managers have been told by e-mail."
    return "Care team saved."


def _hold(request, client: Client, forms_: dict) -> str | None:
    _update(request, client, {"status": Client.Status.ON_HOLD})
    return f"{client.full_name} is on hold."


def _discharge(request, client: Client, forms_: dict) -> str | None:
    form = DischargeForm(request.POST, prefix="discharge")
    if not form.is_valid():
        forms_["discharge"] = form
        return None
    _update(
        request, client, {"status": Client.Status.DISCHARGED, "discharge_reason": form.cleaned_data["discharge_reason"]}
    )
    return f"{client.full_name} was discharged. Their portal is now read-only."


def _reopen(request, client: Client, forms_: dict) -> str | None:
    _update(request, client, {"status": Client.Status.ACTIVE})
    return f"{client.full_name}'s record is open again."


def _invite(request, client: Client, forms_: dict) -> str | None:
    if not client.email:
        raise DomainError("Add the client's e-mail address first: the invitation is sent there.", field="email")
    offer = records.portal_access_offer(
        client=client,
        actor=request.user,
        sign_in_url=request.build_absolute_uri(reverse("login")),
        invite_url=lambda raw: invite_link(request, raw),
    )
    if offer.reminder_sent:
        return "This client already has a portal account: we e-mailed them a sign-in reminder instead."
    return f"Invitation e-mailed to {client.email}. The link works once and expires in a week."


DETAIL_ACTIONS = {
    "details": _save_details,
    "care_team": _save_care_team,
    "hold": _hold,
    "discharge": _discharge,
    "reopen": _reopen,
    "invite": _invite,
}


def _contact_initial(client: Client) -> dict:
    return {name: getattr(client, name) for name in CONTACT_FIELDS}


@capability_required(Capability.EDIT_CLINICAL, Capability.EDIT_CLIENT_ADMIN)
@require_http_methods(["GET", "POST"])
def client_details(request, pk: int) -> HttpResponse:
    """Edit a client's details, care team and status, and invite them to the portal."""
    client = client_for_admin(
        user=request.user,
        client_id=pk,
        write=True,
        related=("practice", "primary_therapist__user", "co_therapist__user", "supervisor__user", "user"),
    )
    therapists = therapists_for_assignment(user=request.user)
    forms_: dict = {"therapists": therapists}
    error, status = None, 200
    if request.method == "POST":
        action = DETAIL_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            error, status = "Unknown action.", 400
        else:
            try:
                done = action(request, client, forms_)
            except (NotFound, Forbidden):
                raise
            except DomainError as failure:
                error, status = failure.message, 409 if failure.conflict else 400
            else:
                if done is not None:
                    messages.success(request, done)
                    return redirect("client-details", pk=client.pk)
                error, status = "Please correct the errors below.", 400
        client.refresh_from_db()
    context = {
        "client": client,
        "details_form": forms_.get("details") or ContactForm(prefix="details", initial=_contact_initial(client)),
        "team_form": forms_.get("team")
        or CareTeamForm(
            therapists=therapists,
            initial={
                "primary_therapist": client.primary_therapist_id,
                "co_therapist": client.co_therapist_id,
                "supervisor": client.supervisor_id,
            },
        ),
        "discharge_form": forms_.get("discharge") or DischargeForm(prefix="discharge"),
        "portal": portal_access(client=client),
        "clinician": user_can(request.user, Capability.VIEW_CLINICAL),
        "error": error,
    }
    return render(request, "clients/client_details.html", context, status=status)
