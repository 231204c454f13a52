"""Web shell: sign-in, MFA, and the home page for each role."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.accounts import recovery_codes_issue
from practice.audit import AuditAction, audit_record
from practice.lockout import audit_sign_in_failure
from practice.models import ApiToken
from practice.roles import Capability
from practice.web_guards import user_can


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context

    def form_invalid(self, form):
        # Axes flags the request when this attempt hit (or met) a lockout; its middleware then
        # answers with the lockout page instead of this form.
        if self.request.POST.get("username") and self.request.POST.get("password"):
            audit_sign_in_failure(
                username=self.request.POST.get("username"),
                locked_out=bool(getattr(self.request, "axes_locked_out", False)),
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        with transaction.atomic():
            audit_record(actor=user, action=AuditAction.LOGIN, target=user)
        if user_has_device(user):
            return redirect(f"{reverse('mfa_verify')}?next={self.get_success_url()}")
        return response


class OtpForm(forms.Form):
    otp = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp"].strip())
        if device is not None:
            otp_login(request, device)
            next_url = request.GET.get("next") or reverse("home")
            if not next_url.startswith("/") or next_url.startswith("//"):
                next_url = reverse("home")
            return redirect(next_url)
        audit_sign_in_failure(username=request.user.email, locked_out=False, fields=("otp",))
        form.add_error("otp", "That code is not valid. Use the current code from your app or a recovery code.")
    return render(request, "registration/mfa_verify.html", {"form": form})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request):
    """Enrol a TOTP device; on confirmation show ten single-use recovery codes once."""
    enrolled = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if enrolled and not request.user.is_verified():
        # Replacing a device (a re-enrolment started from the account page) takes a session that
        # passed the current one: the password alone must never swap in an attacker's phone.
        return redirect(f"{reverse('mfa_verify')}?next={reverse('mfa_setup')}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        if enrolled:
            # A new phone is enrolled from the account page, after the password
            # (practice.accounts.mfa_reenrol_start creates the unconfirmed device).
            messages.info(request, "Two-factor authentication is already on for your account.")
            return redirect("account")
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                # Re-enrolment: the previous authenticator stops working once the new one is confirmed.
                TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
                codes = recovery_codes_issue(user=request.user)
                audit_record(actor=request.user, action=AuditAction.MFA_ENROL, target=request.user)
                # Tokens issued on the password alone predate the second factor: end them, so
                # every live token of an MFA account was issued with a code.
                revoked = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).update(
                    revoked_at=timezone.now()
                )
                if revoked:
                    audit_record(
                        actor=request.user,
                        action=AuditAction.TOKEN_REVOKE,
                        target_type="practice.apitoken",
                        fields=["revoked_at"],
                    )
            otp_login(request, device)
            return render(request, "registration/mfa_recovery_codes.html", {"codes": codes})
        form.add_error("otp", "That code did not match. Check the time on your phone and try again.")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode(),
            "replacing": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        },
    )


# Where each role starts, by what it may do (the first capability held wins).
HOME_PAGES = (
    (Capability.VIEW_CLINICAL, "dashboard"),
    (Capability.USE_PORTAL, "portal-home"),
    (Capability.VIEW_REPORTS, "reports"),
)


@login_required
def home(request):
    for capability, page in HOME_PAGES:
        if user_can(request.user, capability):
            return redirect(page)
    return render(request, "practice/no_practice.html", status=403)
