"""Management e-mail over SMTP with STARTTLS; the password comes from env or a secret file."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from reportbot.config import Config, read_secret
from reportbot.errors import ConfigError
from reportbot.notify.base import DeliveryResult

log = logging.getLogger(__name__)
CHANNEL = "email"


def build_message(sender: str, recipient: str, subject: str, body: str, attachments: list[Path]) -> EmailMessage:
    """A UTF-8 message with the files attached (PDFs as application/pdf)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    for path in attachments:
        subtype = "pdf" if path.suffix.lower() == ".pdf" else "octet-stream"
        message.add_attachment(path.read_bytes(), maintype="application", subtype=subtype, filename=path.name)
    return message


def send_email(
    config: Config, recipients: list[str], subject: str, body: str, attachments: list[Path]
) -> list[DeliveryResult]:
    """Send one message per recipient over one SMTP session; failures are reported, not raised.

    Raises:
        ConfigError: ``[smtp].host`` or ``sender`` is empty, or the password is required but unset.
    """
    smtp = config.smtp
    if not smtp.host or not smtp.sender:
        raise ConfigError("smtp.host and smtp.sender must be set to send e-mail")
    password = read_secret(smtp.password_env, smtp.password_file, "SMTP password") if smtp.username else ""
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    results = []
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as client:
            client.ehlo()
            if smtp.starttls:
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, password)
            for recipient in recipients:
                try:
                    client.send_message(build_message(smtp.sender, recipient, subject, body, attachments))
                    results.append(DeliveryResult(True, CHANNEL, recipient))
                except smtplib.SMTPException as exc:
                    results.append(DeliveryResult(False, CHANNEL, recipient, f"smtp: {type(exc).__name__}: {exc}"))
    except (OSError, smtplib.SMTPException) as exc:
        detail = f"smtp {smtp.host}:{smtp.port}: {type(exc).__name__}: {exc}"
        log.exception("%s", detail)
        done = {r.recipient for r in results}
        results += [DeliveryResult(False, CHANNEL, r, detail) for r in recipients if r not in done]
    return results
