"""Text messages: a pluggable backend, chosen by `settings.ALLIANCE_SMS_BACKEND` (a dotted path).

- `sessions.sms.ConsoleBackend` (default): prints each text to the log; nothing leaves the machine.
- `sessions.sms.FileBackend`: one file per text in `ALLIANCE_SMS_FILE_PATH` (default
  data/outbox-sms/): the demo's SMS outbox.
- `sessions.sms.LocmemBackend`: keeps texts in `sessions.sms.outbox` (tests).
- `sessions.sms.TwilioBackend`: a Twilio-compatible REST gateway (`ALLIANCE_SMS_ACCOUNT_SID`,
  `ALLIANCE_SMS_AUTH_TOKEN`, `ALLIANCE_SMS_FROM`, optional `ALLIANCE_SMS_API_BASE`).

A backend's `send(to, body)` returns the gateway's message id (or "") and raises `SmsError` on
failure. Texts carry no clinical content: callers compose them (sessions/reminders.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("alliance.sms")

GATEWAY_TIMEOUT_SECONDS = 10


class SmsError(Exception):
    """A text could not be handed to the gateway. `retryable` only when it surely was not
    sent (no connection, or the gateway said "busy"): a timeout after sending is not retried."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Text:
    to: str
    body: str


# Texts sent by the LocmemBackend, like django.core.mail.outbox.
outbox: list[Text] = []


def normalise_number(raw: str) -> str:
    """Digits with an optional leading +; '' when there are too few digits to be a number."""
    raw = (raw or "").strip()
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7 or len(digits) > 15:
        return ""
    return f"+{digits}" if raw.startswith("+") else digits


class BaseBackend:
    def send(self, to: str, body: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, to: str, body: str) -> str:
        logger.info("SMS to %s: %s", to, body)
        return ""


class LocmemBackend(BaseBackend):
    def send(self, to: str, body: str) -> str:
        outbox.append(Text(to=to, body=body))
        return f"locmem-{len(outbox)}"


class FileBackend(BaseBackend):
    """Writes each text as a small file, newest last by name: the demo's SMS outbox folder."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or getattr(settings, "ALLIANCE_SMS_FILE_PATH", "") or settings.DATA_DIR / "outbox-sms")

    def send(self, to: str, body: str) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        message_id = f"{stamp}-{secrets.token_hex(4)}"
        (self.path / f"{message_id}.txt").write_text(f"To: {to}\nDate: {stamp} UTC\n\n{body}\n", encoding="utf-8")
        return message_id


class TwilioBackend(BaseBackend):
    """POST /2010-04-01/Accounts/{sid}/Messages.json with basic auth (Twilio and the gateways
    that copy its API). Credentials come from the environment, through settings."""

    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        sender: str | None = None,
        api_base: str | None = None,
    ):
        self.account_sid = account_sid or getattr(settings, "ALLIANCE_SMS_ACCOUNT_SID", "")
        self.auth_token = auth_token or getattr(settings, "ALLIANCE_SMS_AUTH_TOKEN", "")
        self.sender = sender or getattr(settings, "ALLIANCE_SMS_FROM", "")
        self.api_base = (api_base or getattr(settings, "ALLIANCE_SMS_API_BASE", "") or "https://api.twilio.com").rstrip(
            "/"
        )
        if not (self.account_sid and self.auth_token and self.sender):
            raise SmsError(
                "The SMS gateway needs ALLIANCE_SMS_ACCOUNT_SID, ALLIANCE_SMS_AUTH_TOKEN and ALLIANCE_SMS_FROM."
            )

    def send(self, to: str, body: str) -> str:
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = requests.post(
                url,
                data={"To": to, "From": self.sender, "Body": body},
                auth=(str(self.account_sid), str(self.auth_token)),
                timeout=GATEWAY_TIMEOUT_SECONDS,
            )
        except requests.ConnectionError as error:  # includes ConnectTimeout: nothing was sent
            raise SmsError(f"gateway unreachable: {type(error).__name__}", retryable=True) from error
        except requests.RequestException as error:  # a read timeout may have sent it: no retry
            raise SmsError(f"gateway error: {type(error).__name__}") from error
        if response.status_code >= 400:
            # The gateway's own message (never the text we sent) helps the operator fix it.
            try:
                detail = str(response.json().get("message", ""))[:120]
            except ValueError:
                detail = ""
            raise SmsError(
                f"gateway refused the text ({response.status_code}) {detail}".strip(),
                retryable=response.status_code in (429, 503),
            )
        try:
            return str(response.json().get("sid", ""))
        except ValueError:
            return ""


def get_backend() -> BaseBackend:
    path = getattr(settings, "ALLIANCE_SMS_BACKEND", "") or "sessions.sms.ConsoleBackend"
    return import_string(path)()


def send_sms(to: str, body: str) -> str:
    """Send one text through the configured backend. Raises SmsError."""
    number = normalise_number(to)
    if not number:
        raise SmsError("no usable phone number")
    return get_backend().send(number, body)
