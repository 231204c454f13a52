from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def roster(request):
    return render(request, "web/placeholder.html", {"heading": "Roster", "text": "The practice roster."})
