"""The pluggable drafters. Each takes a `DraftInput` and returns sentences that cite sources.

Choose with ALLIANCE_DRAFTING_BACKEND (settings.DRAFTING["backend"]): `structured` (default,
embedded, faithful by construction) or `openai` (any OpenAI-compatible chat-completions server at
ALLIANCE_DRAFTING_URL, model ALLIANCE_DRAFTING_MODEL). Every output goes through the
faithfulness check (`sessions.drafting.faithfulness`) whatever the backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

from sessions.drafting.layout import Section


@dataclass
class DraftInput:
    format: str
    layout: list[Section]
    sources: list[dict[str, Any]]  # Source.as_dict() rows: key, kind, text, label, record, ...


@dataclass
class DraftSentence:
    section: str
    text: str
    sources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "text": self.text, "sources": list(self.sources)}


@dataclass
class DraftOutput:
    sentences: list[DraftSentence]
    model: str
    version: str


class DrafterError(Exception):
    """The drafter could not produce a draft (server down, timeout, unreadable answer).

    The message is shown to the therapist and stored: it never carries clinical text."""


class Drafter(Protocol):
    name: str
    model: str
    version: str

    def draft(self, request: DraftInput) -> DraftOutput: ...


BACKENDS = ("structured", "openai")


def drafting_settings() -> dict[str, Any]:
    return dict(getattr(settings, "DRAFTING", {}) or {})


def configured_backend() -> str:
    return str(drafting_settings().get("backend") or "structured")


def get_drafter(name: str | None = None) -> Drafter:
    name = name or configured_backend()
    if name == "structured":
        from sessions.drafting.structured import StructuredDrafter

        return StructuredDrafter()
    if name == "openai":
        from sessions.drafting.openai_compat import OpenAICompatibleDrafter

        config = drafting_settings()
        return OpenAICompatibleDrafter(
            base_url=str(config.get("url") or ""),
            model=str(config.get("model") or ""),
            api_key=str(config.get("api_key") or ""),
            timeout=float(config.get("timeout") or 60),
        )
    raise DrafterError(f"Unknown drafting backend {name!r}; choose one of {', '.join(BACKENDS)}.")
