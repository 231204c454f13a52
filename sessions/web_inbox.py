"""The therapist's inbox: every client thread of the caseload in one place.

`GET /inbox/` lists the threads (unread first, then by latest message; `sessions.selectors.
inbox_threads`, one query); `?client=<id>` opens one thread beside the list (`inbox_conversation`
records the read of the bodies; client messages that raised a risk alert are marked). Replies
go through the one message service (`sessions.services.checkins.message_send`: audited, the
client sees it in their portal as from the chart). Marking read is an explicit POST: opening
a thread never writes. The caseload here is the care team's (the clients the therapist may edit, through sessions.selectors): a
supervisor reads a client's messages on the chart, not in an inbox.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from clients.selectors import client_for_write
from practice.errors import DomainError
from practice.roles import Capability
from practice.web_guards import capability_required
from sessions import selectors
from sessions.services import checkins as checkin_services
from sessions.services.homework import InvalidInput

inbox_page = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,))


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=checkin_services.MESSAGE_MAX_LENGTH,
        help_text="The client sees this in their portal.",
    )


def _thread_url(client_id: int) -> str:
    return f"{reverse('inbox')}?client={client_id}#thread"


def _page(request, *, client_id=None, form: ReplyForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    conversation = None
    if client_id is not None:
        client = client_for_write(user=user, client_id=client_id)
        conversation = selectors.inbox_conversation(client=client, actor=user)
    threads = selectors.inbox_threads(user=user)
    context = {
        "threads": threads,
        "conversation": conversation,
        "form": form or ReplyForm(),
        "new_message_clients": selectors.inbox_new_message_clients(user=user),
        "unread_total": sum(thread.unread for thread in threads),
    }
    return render(request, "therapist/inbox.html", context, status=status)


@inbox_page
@require_GET
def inbox(request) -> HttpResponse:
    raw = request.GET.get("client", "")
    return _page(request, client_id=raw if raw else None)


@inbox_page
@require_POST
def inbox_reply(request, pk: int) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            checkin_services.message_send(client=client, actor=request.user, body=form.cleaned_data["body"])
        except InvalidInput as error:
            for problem in error.errors.get("body", []):
                form.add_error(
                    "body", str(problem.get("message", problem)) if isinstance(problem, dict) else str(problem)
                )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Message sent to {client.first_name}.")
            return redirect(_thread_url(client.pk))
    return _page(request, client_id=client.pk, form=form, status=400)


@inbox_page
@require_POST
def inbox_mark_read(request, pk: int) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    marked = checkin_services.messages_mark_read(client=client, actor=request.user)
    messages.success(
        request, f"Marked {marked} message{'s' if marked != 1 else ''} as read." if marked else "Nothing unread."
    )
    return redirect(_thread_url(client.pk))
