"""A drafter that asks any OpenAI-compatible chat-completions server (llama.cpp server, Ollama,
vLLM, ...) for the draft, as JSON sentences that each cite their sources.

The server is the practice's own (ALLIANCE_DRAFTING_URL, e.g. http://127.0.0.1:8080/v1): the
prompt carries the therapist's bullets and the structured facts, nothing else. The answer is
never trusted: every sentence goes through the faithfulness check like any other draft.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from sessions.drafting.backends import DrafterError, DraftInput, DraftOutput, DraftSentence

VERSION = "openai_chat_v1"
SYSTEM_PROMPT = (
    "You draft psychotherapy progress notes for a clinician, who will check and edit them. "
    "Use ONLY the numbered sources given. Write short clinical sentences in the third person. "
    'Every sentence must cite the keys of the sources it states (e.g. ["b1"] or ["f2"]). '
    "Never add a fact, finding, number, date, name, diagnosis, medication or mental-status "
    "observation that the cited sources do not state; never turn a statement into its negation. "
    "Put each sentence in the section it belongs in. Leave a section without sentences if no "
    "source belongs there. Answer with JSON only, in this shape: "
    '{"sentences": [{"section": "<section key>", "text": "<sentence>", "sources": ["b1"]}]}'
)


def build_messages(request: DraftInput) -> list[dict[str, str]]:
    sections = "\n".join(f"- {section.key}: {section.heading}" for section in request.layout)
    sources = "\n".join(
        f"- {source['key']} ({'therapist bullet' if source['kind'] == 'bullet' else source['kind']}): {source['text']}"
        for source in request.sources
    )
    user = (
        f"Note format: {request.format.upper() if request.format != 'free' else 'practice template'}.\n"
        f"Sections (key: heading):\n{sections}\n\nSources:\n{sources}\n\n"
        "Write the draft as JSON."
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _json_object(content: str) -> dict[str, Any]:
    content = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", content, re.DOTALL)
    if fenced:
        content = fenced.group(1)
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        raise DrafterError("The drafting server did not answer with JSON.")
    try:
        parsed = json.loads(content[start : end + 1])
    except json.JSONDecodeError as error:
        raise DrafterError("The drafting server's JSON could not be read.") from error
    if not isinstance(parsed, dict):
        raise DrafterError("The drafting server's JSON is not an object.")
    return parsed


def parse_sentences(content: str, request: DraftInput) -> list[DraftSentence]:
    parsed = _json_object(content)
    keys = [section.key for section in request.layout]
    raw = parsed.get("sentences")
    if raw is None and isinstance(parsed.get("sections"), dict):
        # Tolerate {"sections": {"plan": [{"text", "sources"}]}}.
        raw = [{**item, "section": key} for key, items in parsed["sections"].items() for item in (items or [])]
    if not isinstance(raw, list):
        raise DrafterError("The drafting server's JSON has no list of sentences.")
    sentences = []
    for item in raw:
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            continue
        section = str(item.get("section") or "").strip().lower()
        cited = item.get("sources") or []
        if isinstance(cited, str):
            cited = [cited]
        sentences.append(
            DraftSentence(
                section=section if section in keys else keys[0],
                text=str(item["text"]).strip()[:1000],
                sources=[str(key).strip().strip("[]") for key in cited if str(key).strip()][:10],
            )
        )
    return sentences


class OpenAICompatibleDrafter:
    name = "openai"
    version = VERSION

    def __init__(self, *, base_url: str, model: str, api_key: str = "", timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.base_url:
            raise DrafterError("No drafting server is configured (ALLIANCE_DRAFTING_URL).")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = f"{self.base_url}/chat/completions"
        if not url.startswith(("http://", "https://")):
            raise DrafterError("The drafting server URL must start with http:// or https://.")
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise DrafterError(f"The drafting server answered HTTP {error.code}.") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise DrafterError("The drafting server could not be reached or timed out.") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DrafterError("The drafting server's answer could not be read.") from error

    def draft(self, request: DraftInput) -> DraftOutput:
        body = {
            "model": self.model,
            "messages": build_messages(request),
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        started = time.monotonic()
        answer = self._post(body)
        try:
            content = answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as error:
            raise DrafterError("The drafting server's answer has no message.") from error
        if not isinstance(content, str):
            raise DrafterError("The drafting server's message is empty.")
        sentences = parse_sentences(content, request)
        self.seconds = time.monotonic() - started
        return DraftOutput(sentences=sentences, model=str(answer.get("model") or self.model), version=self.version)
