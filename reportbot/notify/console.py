"""Dry-run notifier: collects messages instead of sending them."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportbot.notify.base import DeliveryResult


@dataclass
class ConsoleNotifier:
    """Keeps every message in ``messages`` (recipient, text); the CLI prints them."""

    channel: str = "console"
    messages: list[tuple[str, str]] = field(default_factory=list)

    def send_text(self, recipient: str, text: str) -> DeliveryResult:
        """Record one message."""
        self.messages.append((recipient, text))
        return DeliveryResult(True, self.channel, recipient)
