"""The notifier interface: one adapter per channel, ``send`` reports the outcome instead of raising.

The shape follows apprise's plugins: each adapter declares its channel and limits, and a registry maps
a channel to the factory of its adapter (``notify.registry``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from reportbot.kinds import Channel

OnWire = Callable[[], None]  # runs right before each request leaves the process


class Outcome(StrEnum):
    """What became of one send."""

    OK = "ok"  # the service accepted the message
    RETRY = "retry"  # definitely not delivered; a later attempt may succeed (5xx, 429, no connection)
    IN_DOUBT = "in_doubt"  # the request may have reached the recipient: never resend automatically
    FAILED = "failed"  # not delivered, and the same message would fail again (400, bad address)
    BLOCKED = "blocked"  # the recipient refuses our messages for good (Telegram 403: the user blocked the bot)


@dataclass(frozen=True, kw_only=True)
class DeliveryResult:
    """Outcome of one send; ``retry_after_s`` is set when the service said when to try again (429)."""

    outcome: Outcome
    channel: Channel
    recipient: str
    detail: str = ""
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        """The message was delivered."""
        return self.outcome is Outcome.OK


@dataclass(frozen=True, kw_only=True)
class Message:
    """One message to one recipient: text, or a document with ``text`` as its caption."""

    recipient: str  # a chat id, an e-mail address, or the channel name for a group webhook
    text: str
    subject: str = ""  # e-mail subject
    document: Path | None = None
    on_wire: OnWire | None = None  # e.g. mark the ledger row "sending": from then on it may arrive


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What a channel accepts."""

    max_chars: int  # longer texts are split by the caller (``split_text``)


class Notifier(Protocol):
    """A channel that delivers messages; :meth:`send` never raises for a delivery failure."""

    channel: Channel
    limits: Limits

    async def start(self) -> None:
        """Connect or check credentials once before the first send.

        Raises:
            NotifyError: the service is unreachable or rejects our credentials (nothing was sent).
        """
        ...

    async def send(self, message: Message) -> DeliveryResult:
        """Deliver one message (at most ``limits.max_chars`` characters)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def result(notifier: Notifier, message: Message, outcome: Outcome, detail: str = "") -> DeliveryResult:
    """The result of sending ``message`` through ``notifier``."""
    return DeliveryResult(outcome=outcome, channel=notifier.channel, recipient=message.recipient, detail=detail)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, at line breaks where possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current or not parts:
        parts.append(current)
    return parts
