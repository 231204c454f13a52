from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def _placeholder(request, heading, text):
    return render(request, "web/placeholder.html", {"heading": heading, "text": text})


@login_required
def portal_home(request):
    return _placeholder(request, "Today", "Your homework and check-ins.")


@login_required
def portal_checkin(request):
    return _placeholder(request, "Check in", "How are you feeling?")


@login_required
def portal_history(request):
    return _placeholder(request, "My entries", "Your past entries.")


@login_required
def portal_crisis(request):
    return _placeholder(request, "Help now", "Crisis resources.")


def portal_accept_invite(request):
    return _placeholder(request, "Welcome", "Set your password.")
