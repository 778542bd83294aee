"""Notifier protocol: one adapter per channel; ``send`` reports the outcome instead of raising."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one send."""

    ok: bool
    channel: str
    recipient: str
    detail: str = ""
    retry_after_s: float | None = None
    permanent: bool = False  # e.g. the user blocked the bot
    in_doubt: bool = False  # the request may have reached the recipient: never resend automatically
    retryable: bool = False  # definitely not delivered, and a later attempt may succeed (5xx, 429, no connection)


class Notifier(Protocol):
    """A channel that can deliver text (and, optionally, documents)."""

    channel: str

    def send_text(self, recipient: str, text: str) -> DeliveryResult:
        """Deliver one text message."""
        ...
