"""Staff pages (MANAGE_MEMBERS: admins and managers): the staff list, invites, one member's
role, supervisor and activation; and the public page where an invitee accepts."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from practice import staff
from practice.authentication import mfa_required
from practice.errors import DomainError, Forbidden, NotFound
from practice.roles import Capability, Role, grantable_roles
from practice.web_accounts import NewPasswordForm
from practice.web_guards import capability_required

ROLE_LABELS = {Role.THERAPIST: "Therapist", Role.MANAGER: "Practice manager", Role.ADMIN: "Admin"}
ROLE_ORDER = (Role.THERAPIST, Role.MANAGER, Role.ADMIN)


def _role_choices(user) -> list[tuple[str, str]]:
    allowed = grantable_roles(user.role)
    return [(role.value, ROLE_LABELS[role]) for role in ROLE_ORDER if role in allowed]


class InviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(user)
        self.fields["email"].widget.attrs["autocomplete"] = "off"


def _invite_days() -> int:
    return max(int(settings.STAFF_INVITE_TTL.total_seconds() // 86400), 1)


def _invite_link(request):
    return lambda raw: request.build_absolute_uri(reverse("staff-accept-invite") + f"?token={raw}")


@capability_required(Capability.MANAGE_MEMBERS)
def staff_list(request):
    rows = staff.staff_list(user=request.user)
    invites = staff.staff_invites(user=request.user)
    return render(
        request,
        "staff/list.html",
        {
            "rows": rows,
            "invites": invites,
            "active_count": sum(1 for row in rows if row.membership.is_active),
            "can_invite": bool(grantable_roles(request.user.role)),
            "manageable_roles": grantable_roles(request.user.role),
        },
    )


@capability_required(Capability.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def staff_invite(request):
    form = InviteForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invite = staff.staff_invite_create(
                    actor=request.user, link_for=_invite_link(request), **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Invite sent to {invite.email}. The link works for {_invite_days()} days.")
                return redirect("staff")
        status = 400
    return render(request, "staff/invite.html", {"form": form, "invite_days": _invite_days()}, status=status)


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def staff_invite_resend(request, pk: int):
    invite = staff.staff_invite_resend(actor=request.user, invite_id=pk, link_for=_invite_link(request))
    messages.success(request, f"A new invite link was sent to {invite.email}; the earlier one no longer works.")
    return redirect("staff")


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def staff_invite_revoke(request, pk: int):
    invite = staff.staff_invite_revoke(actor=request.user, invite_id=pk)
    messages.success(request, f"The invite to {invite.email} was withdrawn.")
    return redirect("staff")


def _member_context(request, membership, **extra) -> dict:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    manageable = staff.can_manage(actor=request.user, membership=membership)
    clients = staff.member_clients(membership)
    return {
        "member": membership,
        "mfa_enabled": TOTPDevice.objects.filter(user=membership.user, confirmed=True).exists(),
        "can_manage": manageable,
        "role_choices": _role_choices(request.user),
        "supervisor_choices": staff.supervisor_choices(membership),
        "supervisees": list(membership.supervisees.filter(is_active=True).select_related("user")),
        "clients": clients,
        "primary_count": sum(1 for client in clients if client.primary_therapist_id == membership.pk),
        "role_label": ROLE_LABELS.get(membership.role, membership.role),
        **extra,
    }


@capability_required(Capability.MANAGE_MEMBERS)
def staff_member(request, pk: int):
    membership = staff.staff_for_manage(user=request.user, member_id=pk)
    return render(request, "staff/member.html", _member_context(request, membership))


def _member_action(request, pk: int, action) -> object:
    """Run one change on a member; a refused input re-shows the page with the reason (400)."""
    membership = staff.staff_for_manage(user=request.user, member_id=pk)
    try:
        message = action(membership)
    except DomainError as error:
        if isinstance(error, Forbidden | NotFound):
            raise
        return render(
            request, "staff/member.html", _member_context(request, membership, error=error.message), status=400
        )
    messages.success(request, message)
    return redirect("staff-member", pk=membership.pk)


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def staff_member_role(request, pk: int):
    def change(membership):
        updated = staff.member_role_change(membership=membership, role=request.POST.get("role", ""), actor=request.user)
        return f"{updated.display_name} is now {ROLE_LABELS.get(updated.role, updated.role).lower()}."

    return _member_action(request, pk, change)


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def staff_member_supervisor(request, pk: int):
    raw = request.POST.get("supervisor", "")
    if raw and not raw.isdigit():
        raw = "-1"

    def change(membership):
        updated = staff.member_supervisor_set(
            membership=membership, supervisor_id=int(raw) if raw else None, actor=request.user
        )
        if updated.supervisor_id:
            return f"{updated.supervisor.display_name} now supervises {updated.display_name}."
        return f"{updated.display_name} has no supervisor recorded."

    return _member_action(request, pk, change)


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def staff_member_deactivate(request, pk: int):
    def change(membership):
        updated = staff.member_deactivate(membership=membership, actor=request.user)
        return f"{updated.display_name} was deactivated: signed out everywhere, API tokens revoked."

    return _member_action(request, pk, change)


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def staff_member_reactivate(request, pk: int):
    def change(membership):
        updated = staff.member_reactivate(membership=membership, actor=request.user)
        return f"{updated.display_name} can sign in again."

    return _member_action(request, pk, change)


# ---------------------------------------------------------------------------
# Accepting an invite (before signing in)


class AcceptStaffInviteForm(NewPasswordForm):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    field_order = ["first_name", "last_name", "new_password1", "new_password2"]


@require_http_methods(["GET", "POST"])
def staff_accept_invite(request):
    raw = request.POST.get("token") or request.GET.get("token") or ""
    invite = staff.staff_invite_lookup(raw)
    if invite is None:
        return render(request, "staff/accept_invite.html", {"invalid": True}, status=400 if raw else 200)
    initial = {"first_name": invite.first_name, "last_name": invite.last_name}
    form = AcceptStaffInviteForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = staff.staff_invite_accept(
                    raw_token=raw,
                    password=form.cleaned_data["new_password1"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except DomainError as error:
                if error.field == "token":
                    return render(
                        request, "staff/accept_invite.html", {"invalid": True, "reason": error.message}, status=400
                    )
                form.add_error("new_password1" if error.field == "password" else None, error.message)
            else:
                login(request, user, backend="practice.backends.MemberModelBackend")
                if mfa_required(user):
                    messages.info(
                        request, "Welcome. Your practice asks every staff member to set up two-factor sign-in first."
                    )
                    return redirect("mfa_setup")
                messages.success(request, "Welcome to Alliance. Your account is ready.")
                return redirect("home")
        status = 400
    return render(
        request,
        "staff/accept_invite.html",
        {"form": form, "token": raw, "invite": invite, "role_label": ROLE_LABELS.get(invite.role, invite.role)},
        status=status,
    )
