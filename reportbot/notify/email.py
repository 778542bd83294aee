"""The e-mail adapter: SMTP with STARTTLS for management; the password comes from env or a secret file."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage

from reportbot.config import Config, read_secret
from reportbot.errors import ConfigError
from reportbot.kinds import Channel
from reportbot.notify.base import DeliveryResult, Limits, Message, Outcome, result

log = logging.getLogger(__name__)


def build_message(sender: str, message: Message) -> EmailMessage:
    """A UTF-8 e-mail with the document attached (a PDF as application/pdf)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail.set_content(message.text)
    path = message.document
    if path is not None:
        subtype = "pdf" if path.suffix.lower() == ".pdf" else "octet-stream"
        mail.add_attachment(path.read_bytes(), maintype="application", subtype=subtype, filename=path.name)
    return mail


class EmailNotifier:
    """One SMTP session per message; a refused login or recipient is a failure, not an exception."""

    channel = Channel.EMAIL
    limits = Limits(max_chars=1_000_000)

    def __init__(self, config: Config) -> None:
        """Check ``[smtp]`` and read the password.

        Raises:
            ConfigError: ``[smtp].host`` or ``sender`` is empty, or the password is required but unset.
        """
        self.smtp = config.smtp
        if not self.smtp.host or not self.smtp.sender:
            raise ConfigError("smtp.host and smtp.sender must be set to send e-mail")
        needed = bool(self.smtp.username)
        self._password = read_secret(self.smtp.password_env, self.smtp.password_file, "SMTP password") if needed else ""
        self.where = f"smtp {self.smtp.host}:{self.smtp.port}"

    async def start(self) -> None:
        """Nothing to do before the first message: each has its own session."""

    async def send(self, message: Message) -> DeliveryResult:
        """Deliver one message in a worker thread (smtplib blocks)."""
        return await asyncio.to_thread(self._send, message)

    async def close(self) -> None:
        """Nothing to release."""

    def _send(self, message: Message) -> DeliveryResult:
        smtp = self.smtp
        context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as client:
                client.ehlo()
                if smtp.starttls:
                    client.starttls(context=context)
                    client.ehlo()
                if smtp.username:
                    client.login(smtp.username, self._password)
                return self._deliver(client, message)
        except (OSError, smtplib.SMTPException) as exc:  # before the message went out: a later try may work
            detail = f"{self.where}: {type(exc).__name__}: {exc}"
            log.warning("%s", detail)
            refused = isinstance(exc, smtplib.SMTPAuthenticationError)
            return result(self, message, Outcome.FAILED if refused else Outcome.RETRY, detail)

    def _deliver(self, client: smtplib.SMTP, message: Message) -> DeliveryResult:
        if message.on_wire is not None:
            message.on_wire()
        try:
            client.send_message(build_message(self.smtp.sender, message))
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:  # answered: not taken
            return result(self, message, Outcome.FAILED, f"{self.where}: refused: {type(exc).__name__}: {exc}")
        except (OSError, smtplib.SMTPException) as exc:  # no answer to the message: it may have been taken
            return result(self, message, Outcome.IN_DOUBT, f"in doubt: {self.where}: {type(exc).__name__}: {exc}")
        return result(self, message, Outcome.OK)
