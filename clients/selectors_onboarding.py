"""Reads for onboarding a client: the duplicate check, portal invites and consent state.

Nothing here is clinical content (names, dates, invite and consent states), so these reads
record no audit event. Records come scoped: the caller passes a client it already got from a
`clients.selectors` accessor, or the practice the user belongs to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from clients.consent_texts import DEFAULT_CONSENT_TEXTS
from clients.models import Client, Consent, ConsentKind, ConsentText, PortalInvite

INVITES_SHOWN = 5


@dataclass(frozen=True)
class PossibleDuplicate:
    """A client of the practice who may be the person being added. `client` is None when the
    user may not see that record (another therapist's client): the page then only says so."""

    client: Client | None
    reason: str


def possible_duplicates(
    *, user, first_name: str, last_name: str, date_of_birth: dt.date | None, email: str = ""
) -> list[PossibleDuplicate]:
    """Clients of the user's practice with the same name and date of birth, or the same e-mail."""
    membership = getattr(user, "membership_or_none", None)
    if membership is None:
        return []
    same_person = Q(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip())
    if date_of_birth is not None:
        same_person &= Q(date_of_birth=date_of_birth)
    else:
        same_person = Q(pk__in=[])
    wanted = same_person
    email = (email or "").strip()
    if email:
        wanted |= Q(email__iexact=email)
    matches = list(Client.objects.filter(practice_id=membership.practice_id).filter(wanted).order_by("pk")[:5])
    if not matches:
        return []
    visible = set(Client.objects.visible_to(user).filter(pk__in=[c.pk for c in matches]).values_list("pk", flat=True))
    found = []
    for match in matches:
        name_match = (
            date_of_birth is not None
            and match.first_name.casefold() == first_name.strip().casefold()
            and match.last_name.casefold() == last_name.strip().casefold()
            and match.date_of_birth == date_of_birth
        )
        reason = "same name and date of birth" if name_match else "same e-mail address"
        found.append(PossibleDuplicate(client=match if match.pk in visible else None, reason=reason))
    return found


@dataclass
class InviteRow:
    invite: PortalInvite
    state: str
    state_label: str


@dataclass
class PortalAccess:
    has_account: bool
    invites: list[InviteRow] = field(default_factory=list)

    @property
    def latest(self) -> InviteRow | None:
        return self.invites[0] if self.invites else None


def portal_access(*, client: Client, now: dt.datetime | None = None, invites_if_signed_in: bool = True) -> PortalAccess:
    """Whether the client signs in, and their latest invites with their state (not read for
    a client who signs in when `invites_if_signed_in` is False: the chart header shows
    "Signs in" and nothing else then)."""
    now = now or timezone.now()
    user = client.user if client.user_id else None
    has_account = user is not None and user.has_usable_password()
    if has_account and not invites_if_signed_in:
        return PortalAccess(has_account=True, invites=[])
    invites = list(PortalInvite.objects.filter(client=client).order_by("-created_at", "-id")[:INVITES_SHOWN])
    rows = []
    for invite in invites:
        state = invite.state(now)
        rows.append(InviteRow(invite=invite, state=state, state_label=PortalInvite.State(state).label))
    return PortalAccess(has_account=has_account, invites=rows)


@dataclass
class ConsentState:
    kind: str
    label: str
    current: Consent | None
    history: list[Consent]
    text: ConsentText | None  # the practice's current wording (None: the built-in default, not yet used)
    default_title: str
    default_body: str

    @property
    def given(self) -> bool:
        return self.current is not None

    @property
    def title(self) -> str:
        return self.text.title if self.text else self.default_title

    @property
    def body(self) -> str:
        return self.text.body if self.text else self.default_body

    @property
    def version(self) -> int:
        return self.text.version if self.text else 1

    @property
    def outdated(self) -> bool:
        """The consent in force accepted an older wording than the current one."""
        current_text = self.current.text if self.current else None
        return bool(current_text and self.text and current_text.version < self.text.version)


def current_consent_texts(*, practice_id: int) -> dict[str, ConsentText]:
    latest: dict[str, ConsentText] = {}
    for text in (
        ConsentText.objects.filter(practice_id=practice_id).select_related("created_by").order_by("kind", "-version")
    ):
        latest.setdefault(text.kind, text)
    return latest


def consent_states(*, client: Client) -> list[ConsentState]:
    """Each kind of consent: the one in force, its history (newest first) and the current text."""
    consents = list(
        Consent.objects.filter(client=client)
        .select_related("text", "recorded_by", "revoked_by")
        .order_by("-granted_at", "-id")
    )
    texts = current_consent_texts(practice_id=client.practice_id)
    states = []
    for kind, label in ConsentKind.choices:
        history = [consent for consent in consents if consent.kind == kind]
        current = next((consent for consent in history if consent.revoked_at is None), None)
        default = DEFAULT_CONSENT_TEXTS[kind]
        states.append(
            ConsentState(
                kind=kind,
                label=label,
                current=current,
                history=history,
                text=texts.get(kind),
                default_title=default.title,
                default_body=default.body,
            )
        )
    return states


def consent_text_versions(*, practice_id: int, kind: str) -> list[ConsentText]:
    return list(
        ConsentText.objects.filter(practice_id=practice_id, kind=kind).select_related("created_by").order_by("-version")
    )
