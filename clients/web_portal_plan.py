"""The client's plan between sessions in the portal (issue 15), and the installable web app.

Pages (every one through `clients.web_portal.portal_page`: client users only, their own
record, portal consent required):
- "My safety plan" (`portal-safety-plan`), which the service worker keeps for offline use
  together with the "Help now" page; the client may draft changes (`portal-safety-plan-edit`,
  risk-screened like every client text) and print it (`portal-safety-plan-pdf`);
- "My toolkit" (`portal-toolkit`): the coping strategies the therapist picked; "I'm doing
  this now" records one use per tap (POST with a one-off request key);
- "My goals" (`portal-goals`): goals and objectives as the therapist worded them for the
  client, with the progress the therapist chose to share;
- "For next session" (`portal-agenda`): what the client wants to talk about and what helped.

`pwa-manifest` and `pwa-service-worker` are public: the web app manifest and the service
worker script, served from the site root so the worker's scope covers /portal/.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from clients.models import Client, Goal
from clients.safety_plan_pdf import safety_plan_pdf
from clients.selectors_between import (
    agenda_for_portal,
    safety_plan_for_portal,
    shared_goals,
    toolkit_items,
)
from clients.services import safety_plan as plan_services
from clients.services import toolkit as toolkit_services
from clients.web_portal import _closed, _render, _risk_context, portal_page
from clients.web_safety_plan import plan_content_from_post, plan_form_sections
from practice.errors import DomainError, NotFound
from sessions.services.homework import InvalidInput

SW_SOURCE = Path(settings.BASE_DIR) / "static" / "js" / "sw.js"
TOOLKIT_SOURCES = {"toolkit", "crisis", "checkin", "home"}
# What the client sees of a goal's status when the therapist shares progress.
PROGRESS_WORDS = {
    Goal.Status.ACTIVE: "Working on it",
    Goal.Status.MET: "Reached",
    Goal.Status.PARTIALLY_MET: "Part of the way there",
    Goal.Status.NOT_MET: "Not reached yet",
    Goal.Status.DISCONTINUED: "Put aside",
}


# ---------------------------------------------------------------------------
# Safety plan


@portal_page
def portal_safety_plan(request, client: Client):
    plan = safety_plan_for_portal(client=client, user=request.user)
    return _render(
        request, "safety_plan.html", client, {"plan": plan, "has_toolkit": bool(toolkit_items(client=client))}
    )


@portal_page
@require_http_methods(["GET", "POST"])
def portal_safety_plan_edit(request, client: Client):
    if request.method == "GET":
        plan = safety_plan_for_portal(client=client, user=request.user)
        content = plan.version.content if plan.version else None
        return _render(
            request, "safety_plan_edit.html", client, {"sections": plan_form_sections(content, for_client=True)}
        )
    if client.is_discharged:
        return _closed(request, client)
    content = plan_content_from_post(request.POST)
    try:
        _version, outcome = plan_services.safety_plan_save(client=client, actor=request.user, content=content)
    except InvalidInput as invalid:
        context = {
            "sections": plan_form_sections(content, invalid.errors, for_client=True),
            "form_errors": invalid.errors.get("non_field_errors", []),
            "error_fields": [
                {"anchor": f"plan-{key}", "label": key.replace("_", " ").capitalize(), "errors": problems}
                for key, problems in invalid.errors.items()
                if key != "non_field_errors"
            ],
            **_risk_context(invalid.screening),
        }
        return _render(request, "safety_plan_edit.html", client, context, status=400)
    except DomainError as error:
        if error.conflict:
            return _closed(request, client)
        context = {"sections": plan_form_sections(content, for_client=True), "form_errors": [error.message]}
        return _render(request, "safety_plan_edit.html", client, context, status=400)
    if outcome.crisis_resources:
        plan = safety_plan_for_portal(client=client, user=request.user)
        return _render(request, "safety_plan.html", client, {"plan": plan, "saved": True, **_risk_context(outcome)})
    messages.success(request, "Your plan is saved. Your therapist will go through it with you.")
    return redirect("portal-safety-plan")


@portal_page
@require_GET
def portal_safety_plan_pdf(request, client: Client):
    plan = safety_plan_for_portal(client=client, user=request.user)
    if not plan.exists:
        raise NotFound()
    body = safety_plan_pdf(
        plan=plan, client_name=client.preferred_name or client.first_name, practice_name=client.practice.name
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="my-safety-plan.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------
# Toolkit


@portal_page
@require_http_methods(["GET", "POST"])
def portal_toolkit(request, client: Client):
    source = request.POST.get("from") or request.GET.get("from") or "toolkit"
    source = source if source in TOOLKIT_SOURCES else "toolkit"
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        strategy_id = request.POST.get("strategy")
        try:
            toolkit_services.toolkit_use_record(
                client=client,
                actor=request.user,
                strategy_id=strategy_id,
                request_key=request.POST.get("request_key"),
                source=source,
            )
        except DomainError as error:
            if isinstance(error, NotFound):
                raise
            messages.error(request, error.message)
        else:
            messages.success(request, "Noted. Take your time with it: the steps are below.")
        return redirect(
            f"{reverse('portal-toolkit')}?open={int(strategy_id or 0)}&from={source}#strategy-{int(strategy_id or 0)}"
        )
    items = toolkit_items(client=client)
    opened = request.GET.get("open", "")
    for item in items:
        # A fresh key per button: a resent form records nothing more.
        item.request_key = uuid.uuid4().hex
        item.opened = opened == str(item.strategy_id)
    return _render(request, "toolkit.html", client, {"items": items, "source": source})


# ---------------------------------------------------------------------------
# Goals and agenda


@portal_page
def portal_goals(request, client: Client):
    goals = shared_goals(client=client)
    for goal in goals:
        goal.progress_words = PROGRESS_WORDS.get(goal.status, "") if goal.share_progress else ""
        for objective in goal.shared_objectives:
            objective.progress_words = PROGRESS_WORDS.get(objective.status, "") if objective.share_progress else ""
    return _render(request, "goals.html", client, {"goals": goals})


@portal_page
@require_http_methods(["GET", "POST"])
def portal_agenda(request, client: Client):
    context: dict = {"talk_about": "", "helped": ""}
    status = 200
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        talk_about = request.POST.get("talk_about", "")
        helped = request.POST.get("helped", "")
        context.update(talk_about=talk_about, helped=helped)
        try:
            _entry, outcome = toolkit_services.agenda_add(
                client=client, actor=request.user, talk_about=talk_about, helped=helped
            )
        except InvalidInput as invalid:
            context.update(errors=invalid.errors, **_risk_context(invalid.screening))
            status = 400
        except DomainError:
            return _closed(request, client)
        else:
            if not outcome.crisis_resources:
                messages.success(request, "Saved for your next session. Your therapist will see it before you meet.")
                return redirect("portal-agenda")
            context.update(talk_about="", helped="", **_risk_context(outcome))
    context["entries"] = agenda_for_portal(client=client)
    return _render(request, "agenda.html", client, context, status=status)


# ---------------------------------------------------------------------------
# The installable web app (public: no clinical content)


@require_safe
def web_manifest(request):
    manifest = {
        "name": "Alliance",
        "short_name": "Alliance",
        "description": "Your therapy between sessions, and help when you need it.",
        "start_url": reverse("portal-home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#14324f",
        "icons": [
            {"src": static("img/alliance-icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": static("img/alliance-icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/alliance-icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(manifest), content_type="application/manifest+json")


@never_cache
@require_safe
def service_worker(request):
    """The worker script from the site root (scope "/"); it caches only the crisis page, the
    safety plan page and the stylesheet (static/js/sw.js)."""
    source = SW_SOURCE.read_text(encoding="utf-8")
    source = source.replace("__STYLESHEET__", static("css/alliance.css"))
    response = HttpResponse(source, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response
