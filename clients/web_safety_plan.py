"""The therapist's side of the client's plan between sessions (issue 15).

Chart tabs "Safety plan" and "Toolkit" (built here, registered in clients/web_chart.py) and
their writes, each a POST to its own route that redirects back to the tab:
- `chart-safety-plan` saves a new plan version (written with the client, on this screen) or
  marks a version reviewed with the client;
- `chart-toolkit` picks a library strategy for the client, takes one out, or adds the
  client's own;
- `chart-shared-wording` sets how a goal or objective reads in the client's portal;
- `chart-safety-plan-pdf` prints the plan.
Access is the chart's: the care team reads (supervisor and break-glass readers read only),
only the primary or co-therapist writes (`client_for_write`: 403), anyone else 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clients.models import PLAN_SECTIONS, Client
from clients.safety_plan_pdf import safety_plan_pdf
from clients.selectors import client_for_read, client_for_write, client_is_editable
from clients.selectors_between import (
    agenda_by_ids,
    agenda_since,
    chart_goal_or_objective,
    chart_plan_version,
    library_for,
    safety_plan_for_care_team,
    toolkit_items,
    toolkit_summary,
    toolkit_usage_counts,
)
from clients.services import safety_plan as plan_services
from clients.services import toolkit as toolkit_services
from practice.errors import DomainError, NotFound
from practice.roles import Capability
from practice.web_guards import capability_required
from sessions.services.homework import InvalidInput

# As the chart: care-team roles read and write; a break-glass admin reads (GET) only.
chart_reader = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,), break_glass_read=True)
CONTACT_ROWS_EXTRA = 2
MAX_CONTACT_ROWS = 12


# ---------------------------------------------------------------------------
# The plan form (shared with the portal): a textarea per list, name + phone rows for contacts


def plan_content_from_post(post) -> dict[str, list]:
    content: dict[str, list] = {}
    for section in PLAN_SECTIONS:
        key = section["key"]
        if section["kind"] == "lines":
            content[key] = [line for line in (post.get(f"plan-{key}") or "").splitlines() if line.strip()]
        else:
            rows = []
            for index in range(MAX_CONTACT_ROWS):
                name = post.get(f"plan-{key}-name-{index}")
                phone = post.get(f"plan-{key}-phone-{index}")
                if name is None and phone is None:
                    continue
                rows.append({"name": name or "", "phone": phone or ""})
            content[key] = rows
    return content


def plan_form_sections(content: dict | None, errors: dict | None = None, *, for_client: bool) -> list[dict]:
    """What the plan form shows: each section with its prompt, current text and errors."""
    content = content or {}
    errors = errors or {}
    shown = []
    for section in PLAN_SECTIONS:
        key = section["key"]
        values = content.get(key) or []
        item = {
            "key": key,
            "kind": section["kind"],
            "heading": section["client_heading" if for_client else "heading"],
            "prompt": section["prompt"],
            "errors": errors.get(key, []),
        }
        if section["kind"] == "lines":
            item["text"] = "\n".join(value for value in values if isinstance(value, str))
        else:
            contacts = [value for value in values if isinstance(value, dict)]
            count = min(MAX_CONTACT_ROWS, len(contacts) + CONTACT_ROWS_EXTRA)
            item["rows"] = [
                {
                    "index": index,
                    "name": contacts[index].get("name", "") if index < len(contacts) else "",
                    "phone": contacts[index].get("phone", "") if index < len(contacts) else "",
                }
                for index in range(count)
            ]
        shown.append(item)
    return shown


# ---------------------------------------------------------------------------
# Chart tabs (called by clients/web_chart.py's TAB_BUILDERS)


def safety_plan_tab(client: Client, user, forms_: dict) -> dict:
    number = forms_.get("version_number")
    plan = safety_plan_for_care_team(client=client, user=user, version_number=number)
    draft = forms_.get("safety_plan")
    current = plan.current.version
    return {
        "plan": plan.current,
        "plan_history": plan.history,
        "plan_latest": plan.history[0] if plan.history else None,
        "plan_form": draft
        or {"sections": plan_form_sections(current.content if current else None, for_client=False), "errors": []},
        "plan_form_open": draft is not None,
    }


def toolkit_tab(client: Client, user, _forms: dict) -> dict:
    items = toolkit_items(client=client, user=user)
    agenda = agenda_since(client=client, user=user, since=None, limit=30)
    agenda.reverse()
    chosen = {item.strategy_id for item in items}
    library = library_for(client)
    summary = toolkit_summary(client=client, user=user, toolkit=items, known=library)
    return {
        "toolkit": items,
        "library": [strategy for strategy in library if strategy.pk not in chosen],
        "toolkit_summary": summary,
        "own_errors": _forms.get("own_errors") or {},
        "agenda": agenda,
    }


def brief_agenda(client: Client, user, references: list[dict]) -> list[dict]:
    """The stored brief's agenda references with the client's text, verbatim."""
    entries = agenda_by_ids(client=client, user=user, ids=[ref.get("id") for ref in references])
    shown = []
    for ref in references:
        entry = entries.get(ref.get("id"))
        if entry is not None:
            shown.append(
                {"id": entry.pk, "written_at": entry.created_at, "talk_about": entry.talk_about, "helped": entry.helped}
            )
    return shown


def toolkit_uses_30d(client: Client) -> int:
    """The engagement tab's toolkit count (counted here, beside the insights metrics)."""
    return toolkit_usage_counts([client.pk]).get(client.pk, 0)


def _back(client: Client, tab: str, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse('client-chart', args=[client.pk])}?tab={tab}{anchor}")


def _rerender(request, client: Client, tab: str, forms_: dict, error: str) -> HttpResponse:
    from clients.web_chart import _render

    return _render(request, client, tab, forms_, status=400, error=error)


@chart_reader
@require_POST
def chart_safety_plan(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    action = request.POST.get("action")
    if action == "review":
        version = chart_plan_version(client=client, version_id=request.POST.get("version"))
        plan_services.safety_plan_mark_reviewed(version=version, actor=request.user)
        messages.success(
            request, f"Version {version.number} marked as reviewed with {client.preferred_name or client.first_name}."
        )
        return _back(client, "safety")
    if action != "save":
        return _rerender(request, client, "safety", {}, "Unknown action.")
    content = plan_content_from_post(request.POST)
    try:
        version, _outcome = plan_services.safety_plan_save(client=client, actor=request.user, content=content)
    except InvalidInput as invalid:
        form = {
            "sections": plan_form_sections(content, invalid.errors, for_client=False),
            "errors": invalid.errors.get("non_field_errors", []),
        }
        return _rerender(request, client, "safety", {"safety_plan": form}, "Please correct the errors below.")
    except DomainError as error:
        if error.conflict:
            raise
        form = {"sections": plan_form_sections(content, for_client=False), "errors": [error.message]}
        return _rerender(request, client, "safety", {"safety_plan": form}, error.message)
    if request.POST.get("reviewed") == "yes":
        plan_services.safety_plan_mark_reviewed(version=version, actor=request.user)
        messages.success(request, f"Version {version.number} saved and marked as reviewed with the client.")
    else:
        messages.success(request, f"Version {version.number} saved.")
    return _back(client, "safety")


@chart_reader
@require_POST
def chart_toolkit(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    action = request.POST.get("action")
    if action == "add":
        toolkit_services.toolkit_add(client=client, actor=request.user, strategy_id=request.POST.get("strategy"))
        messages.success(request, "Added to the client's toolkit.")
    elif action == "remove":
        toolkit_services.toolkit_remove(client=client, actor=request.user, strategy_id=request.POST.get("strategy"))
        messages.success(request, "Taken out of the client's toolkit.")
    elif action == "own":
        try:
            toolkit_services.own_strategy_add(
                client=client,
                actor=request.user,
                title=request.POST.get("title"),
                instructions=request.POST.get("instructions"),
            )
        except InvalidInput as invalid:
            return _rerender(
                request, client, "toolkit", {"own_errors": invalid.errors}, "Please correct the errors below."
            )
        messages.success(request, "The client's own strategy is in their toolkit.")
    else:
        return _rerender(request, client, "toolkit", {}, "Unknown action.")
    return _back(client, "toolkit")


@chart_reader
@require_POST
def chart_shared_wording(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    kind = request.POST.get("kind")
    target = chart_goal_or_objective(client=client, kind=kind or "goal", target_id=request.POST.get("target"))
    try:
        toolkit_services.shared_wording_update(
            target=target,
            actor=request.user,
            client_wording=request.POST.get("client_wording", ""),
            share_progress=request.POST.get("share_progress") == "on",
        )
    except InvalidInput as invalid:
        return _rerender(request, client, "plan", {}, " ".join(invalid.errors.get("client_wording", [])))
    messages.success(request, "What the client sees is updated.")
    return _back(client, "plan", f"#goal-{target.pk if kind != 'objective' else target.goal_id}")


@chart_reader
@require_GET
def chart_safety_plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_read(user=request.user, client_id=pk)
    number = request.GET.get("version")
    plan = safety_plan_for_care_team(
        client=client, user=request.user, version_number=int(number) if (number or "").isdigit() else None
    )
    if not plan.current.exists:
        raise NotFound()
    body = safety_plan_pdf(
        plan=plan.current, client_name=client.preferred_name or client.first_name, practice_name=client.practice.name
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="safety-plan-v{plan.current.version.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


__all__ = [
    "chart_safety_plan",
    "chart_safety_plan_pdf",
    "chart_shared_wording",
    "chart_toolkit",
    "client_is_editable",
    "plan_content_from_post",
    "plan_form_sections",
    "safety_plan_tab",
    "toolkit_tab",
]
