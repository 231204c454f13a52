"""The practice roster page (managers and admins): names, status, therapist, dates; reassign.
And the break-glass pages: an admin opens emergency access; admins and managers review it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.models import Client
from clients.selectors import (
    break_glass_grant_for_review,
    break_glass_grants,
    client_for_admin,
    therapists_for_assignment,
)
from clients.selectors import roster as roster_of
from clients.services import break_glass, records
from practice.errors import DomainError, LockedOutError
from practice.models import Membership
from practice.roles import Capability
from practice.search import current_search, remember_search
from practice.web_guards import capability_required, user_can

ROSTER_PAGE_SIZE = 50
ROSTER_FILTERS = ("status", "therapist")


def _reassign(request, therapists: list[Membership]) -> None:
    """Move a client to another therapist through the records service, which audits the change
    and announces it to the therapists before and after and the other managers."""
    client_id = request.POST.get("client", "")
    client = client_for_admin(user=request.user, client_id=client_id if client_id.isdigit() else 0, write=True)
    therapist = next((member for member in therapists if str(member.pk) == request.POST.get("therapist")), None)
    if therapist is None:
        messages.error(request, "Choose an active therapist of this practice.")
        return
    if client.primary_therapist_id == therapist.pk:
        messages.info(request, f"{client.full_name} is already assigned to {therapist.display_name}.")
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
        messages.success(
            request,
            f"{client.full_name} is now assigned to {therapist.display_name}. "
            "The client's therapists and the practice's managers have been told by email.",
        )


@capability_required(Capability.VIEW_ROSTER, write=(Capability.EDIT_CLIENT_ADMIN,))
@require_http_methods(["GET", "POST"])
def roster(request):
    """The practice roster (no clinical fields) with reassignment; anyone else gets 404."""
    therapists = therapists_for_assignment(user=request.user)

    # The name search is posted and kept in the session: a client's name never goes in a URL.
    if request.method == "POST" and "search" in request.POST:
        return remember_search(request, page="roster", keep=ROSTER_FILTERS)
    if request.method == "POST":
        _reassign(request, therapists)
        query = request.GET.urlencode()
        return redirect(reverse("roster") + (f"?{query}" if query else ""))
    search, redirect_without_name = current_search(request, page="roster", keep=ROSTER_FILTERS)
    if redirect_without_name is not None:
        return redirect_without_name

    clients = roster_of(user=request.user)
    status = request.GET.get("status", "")
    if status in Client.Status.values:
        clients = clients.filter(status=status)
    therapist_filter = request.GET.get("therapist", "")
    if therapist_filter == "none":
        clients = clients.filter(primary_therapist__isnull=True)
    elif therapist_filter.isdigit():
        clients = clients.filter(primary_therapist_id=int(therapist_filter))
    for word in search.split()[:5]:
        clients = clients.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(preferred_name__icontains=word)
        )
    page = Paginator(clients.order_by("last_name", "first_name", "id"), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("q", None)
    context = {
        "page": page,
        "therapists": therapists,
        "statuses": Client.Status.choices,
        "status": status,
        "therapist_filter": therapist_filter,
        "search": search,
        "query": query.urlencode(),
        "can_break_glass": user_can(request.user, Capability.BREAK_GLASS),
    }
    return render(request, "clients/roster.html", context)


# ---------------------------------------------------------------------------
# Break-glass: an admin opens emergency read-only access; admins and managers review grants.


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why you need this record now, without clinical detail: managers review it.",
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    duration_minutes = forms.IntegerField(
        label="For how long (minutes)",
        initial=break_glass.DEFAULT_MINUTES,
        min_value=break_glass.MIN_MINUTES,
        max_value=break_glass.MAX_MINUTES,
    )


@capability_required(Capability.BREAK_GLASS)
@require_http_methods(["GET", "POST"])
def break_glass_open(request, pk: int):
    """Admins only (anyone else 404): the form, then the read-only chart."""
    client = client_for_admin(user=request.user, client_id=pk)
    form = BreakGlassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                break_glass.break_glass_open(
                    client=client,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    password=form.cleaned_data["password"],
                    minutes=form.cleaned_data["duration_minutes"],
                )
            except DomainError as error:
                if error.conflict:
                    messages.info(request, error.message)
                    return redirect("client-chart", pk=client.pk)
                form.add_error(error.field if error.field in form.fields else None, error.message)
                if isinstance(error, LockedOutError):
                    status = 429
            else:
                return redirect("client-chart", pk=client.pk)
        status = status if status != 200 else 400
    return render(request, "clients/break_glass_open.html", {"client": client, "form": form}, status=status)


@capability_required(Capability.REVIEW_BREAK_GLASS)
@require_http_methods(["GET", "POST"])
def break_glass_list(request):
    """The practice's emergency grants, newest first; admins and managers end them here."""
    grants = break_glass_grants(user=request.user)
    if request.method == "POST":
        grant = break_glass_grant_for_review(user=request.user, grant_id=request.POST.get("grant", ""))
        try:
            break_glass.break_glass_revoke(grant=grant, actor=request.user)
            messages.success(request, "Emergency access ended.")
        except DomainError as error:
            messages.info(request, error.message)
        return redirect("break-glass")
    page = Paginator(
        grants.select_related("client", "granted_to__user", "revoked_by__user"), ROSTER_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    for grant in page.object_list:
        grant.running = grant.is_active(now)
    return render(request, "clients/break_glass_list.html", {"page": page})
