from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def dashboard(request):
    return render(request, "web/placeholder.html", {"heading": "Caseload", "text": "Your clients."})


@login_required
def schedule(request):
    return render(request, "web/placeholder.html", {"heading": "Schedule", "text": "This week."})
