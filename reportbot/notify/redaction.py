"""Keep secrets (the bot token, webhook keys) out of every log record and error message."""

from __future__ import annotations

import logging

REDACTED = "<redacted>"
_secrets: set[str] = set()
_installed: list[bool] = []  # one factory per process, however many secrets


def install(secret: str) -> None:
    """Make every log record created from now on replace ``secret`` with ``<redacted>``.

    httpx logs each request URL, and Bot API URLs contain the token. The record factory is wrapped
    (not a handler filter) so records of every logger and every handler are covered.
    """
    if secret:
        _secrets.add(secret)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed.append(True)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def _redact(record: logging.LogRecord) -> None:
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
