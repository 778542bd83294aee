"""Dry-run adapter: keeps messages instead of sending them."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportbot.kinds import Channel
from reportbot.notify.base import DeliveryResult, Limits, Message, Outcome, result


@dataclass
class ConsoleNotifier:
    """Keeps every message in ``messages`` (recipient, text); the CLI prints them."""

    channel: Channel = Channel.CONSOLE
    limits: Limits = field(default_factory=lambda: Limits(max_chars=1_000_000))
    messages: list[tuple[str, str]] = field(default_factory=list)

    async def start(self) -> None:
        """Nothing to connect."""

    async def send(self, message: Message) -> DeliveryResult:
        """Record one message."""
        self.messages.append((message.recipient, message.text))
        return result(self, message, Outcome.OK)

    async def close(self) -> None:
        """Nothing to release."""
