"""Crisis lines: the default set per country (practice/data/crisis_resources.json) and a
practice's own edited lines, turned into the tap-to-call resources every portal page shows.

A practice stores its own lines in `Practice.crisis_lines`; an empty list means "follow my
country's default set", so changing the country changes the numbers clients see. Pure
Python: no model imports, so `practice.models` can use it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TypedDict

DATA_FILE = Path(__file__).resolve().parent / "data" / "crisis_resources.json"
LINE_FIELDS = ("name", "phone", "text", "url", "when")
MAX_LINES = 12
# Digits, spaces, dashes, dots, parentheses and a leading +: what a person can dial.
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 .()\-]{0,24}")


class CrisisResource(TypedDict):
    """What the portal shows and the API returns: one tap-to-call (or text, or open) link."""

    label: str
    detail: str
    href: str


@dataclass(frozen=True)
class CrisisLine:
    name: str
    phone: str = ""
    text: str = ""
    url: str = ""
    when: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class CountryDefaults:
    code: str
    name: str
    source: str
    checked_on: str
    lines: tuple[CrisisLine, ...]


@cache
def country_defaults() -> dict[str, CountryDefaults]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        code: CountryDefaults(
            code=code,
            name=entry["name"],
            source=entry["source"],
            checked_on=entry["checked_on"],
            lines=tuple(CrisisLine(**{key: line.get(key, "") for key in LINE_FIELDS}) for line in entry["lines"]),
        )
        for code, entry in raw["countries"].items()
    }


def country_choices() -> list[tuple[str, str]]:
    return sorted(((code, data.name) for code, data in country_defaults().items()), key=lambda pair: pair[1])


def defaults_for(country: str) -> CountryDefaults | None:
    return country_defaults().get((country or "").upper())


def lines_from_json(raw: list | None) -> list[CrisisLine]:
    return [CrisisLine(**{key: str(item.get(key, "") or "") for key in LINE_FIELDS}) for item in raw or []]


def effective_lines(*, country: str, custom: list | None) -> list[CrisisLine]:
    """The practice's own lines when it has any, else its country's default set."""
    if custom:
        return lines_from_json(custom)
    defaults = defaults_for(country)
    return list(defaults.lines) if defaults else []


def _dial(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


def resources_from_lines(lines: list[CrisisLine]) -> list[CrisisResource]:
    """One link per way of reaching a line: call, text, or (for a line with neither) its site."""
    resources: list[CrisisResource] = []
    for line in lines:
        if line.phone:
            detail = f"Call {line.phone}" + (f". {line.when}" if line.when else "")
            resources.append({"label": line.name, "detail": detail, "href": f"tel:{_dial(line.phone)}"})
        if line.text:
            resources.append(
                {"label": f"Text {line.text}", "detail": f"Text {line.name}", "href": f"sms:{_dial(line.text)}"}
            )
        if not line.phone and not line.text:
            resources.append({"label": line.name, "detail": line.when, "href": line.url})
    return resources


class CrisisLineError(ValueError):
    pass


def clean_lines(raw: object) -> list[dict[str, str]]:
    """Validate a list of lines as sent by the settings page or the API; raises CrisisLineError."""
    if not isinstance(raw, list):
        raise CrisisLineError("Send the crisis lines as a list.")
    if len(raw) > MAX_LINES:
        raise CrisisLineError(f"Keep to at most {MAX_LINES} crisis lines.")
    cleaned: list[dict[str, str]] = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise CrisisLineError(f"Line {position}: each line is an object with a name and a number or link.")
        unknown = set(item) - set(LINE_FIELDS)
        if unknown:
            raise CrisisLineError(f"Line {position}: unknown field(s) {', '.join(sorted(unknown))}.")
        line = {key: str(item.get(key) or "").strip() for key in LINE_FIELDS}
        if not line["name"]:
            raise CrisisLineError(f"Line {position}: give the line a name.")
        if len(line["name"]) > 100 or len(line["when"]) > 300 or len(line["url"]) > 300:
            raise CrisisLineError(f"Line {position}: the name, link or 'when to use' text is too long.")
        for key in ("phone", "text"):
            if line[key] and not PHONE_PATTERN.fullmatch(line[key]):
                raise CrisisLineError(f"Line {position}: the {key} number may hold only digits, spaces and dashes.")
        if line["url"] and not line["url"].startswith("https://"):
            raise CrisisLineError(f"Line {position}: a link must start with https://.")
        if not (line["phone"] or line["text"] or line["url"]):
            raise CrisisLineError(f"Line {position}: give a phone number, a text number or a link.")
        cleaned.append(line)
    return cleaned
