"""An aiosmtpd handler that keeps every message it accepts (the SMTP server of the e-mail tests)."""

from __future__ import annotations

from aiosmtpd.smtp import Envelope


class Inbox:
    """aiosmtpd handler: ``envelopes`` holds what the server accepted, in order."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"
