"""The account pages: password reset by e-mail, password change, sign-out everywhere, and the
staff member's second factor (status, new device, recovery codes).

The reset pages live under /accounts/ (reached before signing in); the pages of a signed-in
account live under /account/, outside the MFA middleware's exemptions, so a session that has
not passed its second factor cannot change the password or read recovery codes.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from practice import accounts
from practice.errors import DomainError
from practice.middleware import client_ip
from practice.models import ApiToken
from practice.roles import is_staff_role

RESET_SESSION_TOKEN = "_alliance_password_reset_token"  # noqa: S105 - a session key, not a secret
RESET_URL_TOKEN = "set-password"  # noqa: S105 - the placeholder Django uses too


def _password_widget(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete})


class ResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class NewPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters. A short sentence you will remember works well.",
        widget=_password_widget("new-password"),
    )
    new_password2 = forms.CharField(label="New password again", strip=False, widget=_password_widget("new-password"))

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords are not the same.")
        return cleaned


class PasswordChangeForm(NewPasswordForm):
    current_password = forms.CharField(
        label="Current password", strip=False, widget=_password_widget("current-password")
    )
    field_order = ["current_password", "new_password1", "new_password2"]


class PasswordStepUpForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False, widget=_password_widget("current-password"))


# ---------------------------------------------------------------------------
# Password reset (before signing in)


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a reset link. The answer is the same page, after the same minimum time, whether
    or not the address has an account."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST":
        started = time.monotonic()
        if accounts.reset_address_over_limit(client_ip(request)):
            return render(request, "accounts/password_reset.html", {"form": form, "throttled": True}, status=429)
        if form.is_valid():
            accounts.password_reset_request(
                email=form.cleaned_data["email"],
                link_for=lambda uidb64, token: request.build_absolute_uri(
                    reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
                ),
            )
            remaining = settings.PASSWORD_RESET_MIN_RESPONSE_SECONDS - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)
            return redirect("password_reset_sent")
        return render(request, "accounts/password_reset.html", {"form": form}, status=400)
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request):
    minutes = max(settings.PASSWORD_RESET_TIMEOUT // 60, 1)
    return render(request, "accounts/password_reset_sent.html", {"minutes": minutes})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64: str, token: str):
    """The e-mailed link. The token moves into the session and out of the address bar (so it
    never leaks through a Referer header), as Django's own reset view does."""
    if token != RESET_URL_TOKEN:
        request.session[RESET_SESSION_TOKEN] = token
        return HttpResponseRedirect(
            reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": RESET_URL_TOKEN})
        )
    user = accounts.password_reset_user(uidb64, request.session.get(RESET_SESSION_TOKEN, ""))
    if user is None:
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                accounts.password_reset_complete(user=user, raw_password=form.cleaned_data["new_password1"])
            except DomainError as error:
                form.add_error("new_password1", error.message)
            else:
                request.session.pop(RESET_SESSION_TOKEN, None)
                if request.user.is_authenticated:
                    logout(request)
                return redirect("password_reset_done")
        status = 400
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "email": user.email}, status=status)


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


# ---------------------------------------------------------------------------
# The signed-in account


def _account_context(request, **extra) -> dict:
    user = request.user
    membership = user.membership_or_none
    staff = membership is not None and is_staff_role(membership.role)
    return {
        "membership": membership,
        "is_staff_member": staff,
        "mfa": accounts.mfa_status(user) if staff else None,
        "live_tokens": ApiToken.objects.filter(user=user).live().count(),
        "step_up_form": PasswordStepUpForm(auto_id="codes-%s"),
        "reenrol_form": PasswordStepUpForm(auto_id="device-%s"),
        **extra,
    }


@login_required
def account(request):
    return render(request, "accounts/account.html", _account_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                accounts.password_change(
                    user=request.user,
                    current_password=form.cleaned_data["current_password"],
                    new_password=form.cleaned_data["new_password1"],
                    request=request,
                )
            except DomainError as error:
                form.add_error(
                    "current_password" if error.field == "current_password" else "new_password1", error.message
                )
            else:
                messages.success(request, "Password changed. Your other sessions and API tokens were signed out.")
                return redirect("account")
        status = 400
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@login_required
@require_POST
def sign_out_everywhere(request):
    accounts.sign_out_everywhere(user=request.user, actor=request.user)
    logout(request)
    messages.success(request, "You were signed out everywhere, here too. API tokens were revoked.")
    return redirect("login")


def _staff_only(request) -> bool:
    membership = request.user.membership_or_none
    return membership is not None and is_staff_role(membership.role)


@login_required
@require_POST
def recovery_codes(request):
    """Show the unused recovery codes, or replace them, after the password."""
    if not _staff_only(request):
        raise Http404
    form = PasswordStepUpForm(request.POST, auto_id="codes-%s")
    action = request.POST.get("action")
    if form.is_valid() and action in {"show", "regenerate"}:
        try:
            if action == "show":
                codes = accounts.recovery_codes_show(user=request.user, password=form.cleaned_data["password"])
            else:
                codes = accounts.recovery_codes_regenerate(user=request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_error("password", error.message)
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "replaced": action == "regenerate"})
    return render(
        request, "accounts/account.html", _account_context(request, step_up_form=form, step_up_for="codes"), status=400
    )


@login_required
@require_POST
def mfa_reenrol(request):
    """Enrol a new authenticator app (a new phone), after the password."""
    if not _staff_only(request):
        raise Http404
    form = PasswordStepUpForm(request.POST, auto_id="device-%s")
    if form.is_valid():
        try:
            accounts.mfa_reenrol_start(user=request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_error("password", error.message)
        else:
            return redirect("mfa_setup")
    return render(
        request, "accounts/account.html", _account_context(request, reenrol_form=form, step_up_for="device"), status=400
    )
