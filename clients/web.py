"""The practice roster page (managers and admins): names, status, therapist, dates; reassign."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clients.models import Client
from clients.services import records
from practice.api_support import DomainError
from practice.models import Membership
from practice.roles import Capability, Role, has_capability

ROSTER_PAGE_SIZE = 50


def _reassign(request, therapists: list[Membership]) -> None:
    """Move a client to another therapist through the records service (which audits it)."""
    client_id = request.POST.get("client", "")
    client = get_object_or_404(
        Client.objects.administrable_by(request.user), pk=client_id if client_id.isdigit() else 0
    )
    therapist = next((member for member in therapists if str(member.pk) == request.POST.get("therapist")), None)
    if therapist is None:
        messages.error(request, "Choose an active therapist of this practice.")
        return
    version = request.POST.get("version", "")
    try:
        records.client_update(
            client=client,
            actor=request.user,
            data={"primary_therapist": therapist},
            clinical_allowed=False,
            version=int(version) if version.isdigit() else None,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{client.full_name} is now assigned to {therapist.display_name}.")


@login_required
@require_http_methods(["GET", "POST"])
def roster(request):
    """The practice roster (no clinical fields) with reassignment; anyone else gets 404."""
    if not has_capability(request.user.role, Capability.VIEW_ROSTER):
        raise Http404
    practice_id = request.user.membership.practice_id
    therapists = list(
        Membership.objects.filter(practice_id=practice_id, role=Role.THERAPIST, is_active=True).select_related("user")
    )
    therapists.sort(key=lambda member: member.display_name.lower())

    if request.method == "POST":
        _reassign(request, therapists)
        query = request.GET.urlencode()
        return redirect(reverse("roster") + (f"?{query}" if query else ""))

    clients = Client.objects.visible_to(request.user).select_related("primary_therapist__user")
    status = request.GET.get("status", "")
    if status in Client.Status.values:
        clients = clients.filter(status=status)
    therapist_filter = request.GET.get("therapist", "")
    if therapist_filter == "none":
        clients = clients.filter(primary_therapist__isnull=True)
    elif therapist_filter.isdigit():
        clients = clients.filter(primary_therapist_id=int(therapist_filter))
    search = request.GET.get("q", "").strip()
    for word in search.split()[:5]:
        clients = clients.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(preferred_name__icontains=word)
        )
    page = Paginator(clients.order_by("last_name", "first_name", "id"), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "therapists": therapists,
        "statuses": Client.Status.choices,
        "status": status,
        "therapist_filter": therapist_filter,
        "search": search,
        "query": query.urlencode(),
    }
    return render(request, "clients/roster.html", context)
