"""Telegram delivery with python-telegram-bot: pacing, retries, 403 handling, token redaction in logs.

Pacing: at most ``max_messages_per_second`` over all chats and one message per ``per_chat_interval_s``
per chat. A 429 pauses every send for its ``retry_after``; 5xx answers and timeouts retry with
exponential backoff; 403 (the user blocked the bot) is permanent.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from reportbot.config import Config, read_secret
from reportbot.errors import NotifyError
from reportbot.notify import wire
from reportbot.notify.base import DeliveryResult

log = logging.getLogger(__name__)
Hook = Callable[[], None]
RetryHook = Callable[[str], None]
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.send_message'", category=PTBUserWarning)
CHANNEL = "telegram"
MAX_MESSAGE_CHARS = 4096
REDACTED = "<redacted>"
_secrets: set[str] = set()
_factory_installed = False


def read_token(config: Config) -> str:
    """The bot token from ``[telegram].token_env`` or ``token_file``; registered for log redaction.

    Raises:
        ConfigError: neither is set.
    """
    tg = config.telegram
    token = read_secret(tg.token_env, tg.token_file, "telegram bot token")
    install_token_redaction(token)
    return token


def install_token_redaction(secret: str) -> None:
    """Make every log record created from now on replace ``secret`` with ``<redacted>``.

    httpx logs each request URL, and Bot API URLs contain the token. The record factory is wrapped
    (not a handler filter) so records of every logger and every handler are covered.
    """
    global _factory_installed
    if secret:
        _secrets.add(secret)
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def _redact(record: logging.LogRecord) -> None:
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    exc_text = None
    if record.exc_info:
        exc_text = logging.Formatter().formatException(record.exc_info)
    for secret in _secrets:
        message = message.replace(secret, REDACTED)
        if exc_text:
            exc_text = exc_text.replace(secret, REDACTED)
    record.msg, record.args = message, None
    if exc_text is not None:
        record.exc_info, record.exc_text = None, exc_text


def make_bot(config: Config, token: str, *, pool_size: int | None = None) -> Bot:
    """A PTB Bot for ``token`` against ``[telegram].base_url`` (the real API or a local fake)."""
    install_token_redaction(token)
    tg = config.telegram
    request = HTTPXRequest(
        connection_pool_size=pool_size or max(8, tg.send_concurrency + 4),
        read_timeout=tg.timeout_s,
        write_timeout=tg.timeout_s,
        connect_timeout=tg.timeout_s,
        pool_timeout=tg.timeout_s,
        httpx_kwargs={
            "event_hooks": {"request": [wire.arm_on_body]},
            "transport": wire.WireTransport(pool_size or max(8, tg.send_concurrency + 4)),
        },
    )
    return Bot(token, base_url=tg.base_url, base_file_url=tg.base_file_url, request=request)


class Pacer:
    """Global messages-per-second pacing, a per-chat minimum interval, and a global pause on 429."""

    def __init__(
        self,
        rate: float,
        per_chat_interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``rate`` <= 0 means no global limit."""
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.per_chat = per_chat_interval_s
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[str, float] = {}

    async def wait(self, chat: str) -> None:
        """Wait for this chat's turn, then for a global slot (slots are reserved, so waits are fair)."""
        while True:
            now = self._clock()
            ready = max(self._chat_next.get(chat, 0.0), self._paused_until)
            if ready <= now:
                break
            await self._sleep(ready - now)
        slot = max(now, self._next)
        self._next = slot + self.interval
        self._chat_next[chat] = slot + self.per_chat
        if slot > now:
            await self._sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (Telegram asked us to slow down)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class TelegramSender:
    """Send texts and documents through one Bot with pacing and retries; never raises for one chat."""

    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        pacer: Pacer,
        *,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        max_rate_limited: int = 20,
    ) -> None:
        """``max_attempts`` bounds 5xx/timeout retries; ``max_rate_limited`` bounds 429 retries."""
        self.bot = bot
        self.pacer = pacer
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_rate_limited = max_rate_limited

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        before_send: Hook | None = None,
        on_retry: RetryHook | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> DeliveryResult:
        """Deliver one message (at most 4096 characters).

        ``before_send`` runs as the request's body is handed to the kernel (each attempt, see ``wire``);
        ``on_retry`` runs with the reason when an attempt definitely failed and will be retried.
        """
        if len(text) > MAX_MESSAGE_CHARS:
            raise NotifyError(f"telegram: message to chat {chat_id} has {len(text)} characters (max 4096)")

        async def call() -> object:
            if reply_markup is not None:
                return await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=reply_markup)
            # Same request as send_message, without parsing the answer into a Message object: a fan-out
            # only needs to know it was accepted, and the parsing is half of the client's CPU per message.
            return await self.bot.do_api_request("send_message", api_kwargs={"chat_id": chat_id, "text": text})

        return await self._deliver(chat_id, call, before_send, on_retry)

    async def send_document(
        self, chat_id: int, path: Path, *, caption: str = "", before_send: Hook | None = None
    ) -> DeliveryResult:
        """Deliver one file (e.g. the monthly PDF)."""

        async def call() -> object:
            with path.open("rb") as handle:
                return await self.bot.send_document(
                    chat_id=chat_id, document=handle, filename=path.name, caption=caption or None
                )

        return await self._deliver(chat_id, call, before_send, None)

    async def _deliver(
        self,
        chat_id: int,
        call: Callable[[], Awaitable[object]],
        before_send: Hook | None,
        on_retry: RetryHook | None,
    ) -> DeliveryResult:
        failures = limited = 0
        recipient = str(chat_id)
        while True:
            await self.pacer.wait(recipient)
            written = wire.current.set(wire.WireState(before_send) if before_send is not None else None)
            try:
                await call()
            except RetryAfter as exc:
                limited += 1
                seconds = _retry_after_s(exc)
                self.pacer.pause(seconds)
                reason = f"429 flood control: retry after {seconds:g} s"
                if limited > self.max_rate_limited:
                    return DeliveryResult(False, CHANNEL, recipient, reason, retry_after_s=seconds)
            except Forbidden as exc:
                return DeliveryResult(False, CHANNEL, recipient, f"403 forbidden: {exc.message}", permanent=True)
            except InvalidToken as exc:
                raise NotifyError(f"telegram: the bot token was rejected ({exc.message})") from exc
            except BadRequest as exc:
                return DeliveryResult(False, CHANNEL, recipient, f"400 bad request: {exc.message}")
            except (TimedOut, NetworkError) as exc:
                failures += 1
                kind = "timeout" if isinstance(exc, TimedOut) else "network/5xx"
                reason = f"{kind}: {exc.message} (attempt {failures}/{self.max_attempts})"
                if failures >= self.max_attempts:
                    return DeliveryResult(False, CHANNEL, recipient, reason)
                log.warning("telegram: chat %s: %s; retrying", recipient, reason)
                seconds = self.backoff_s * 2 ** (failures - 1)
            except TelegramError as exc:
                return DeliveryResult(False, CHANNEL, recipient, f"telegram error: {exc.message}")
            else:
                return DeliveryResult(True, CHANNEL, recipient)
            finally:
                wire.current.reset(written)
            if on_retry is not None:
                on_retry(reason)
            await asyncio.sleep(seconds)


def _retry_after_s(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the attribute will become a timedelta: both are handled
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
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
