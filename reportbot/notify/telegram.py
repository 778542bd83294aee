"""Telegram delivery with python-telegram-bot: pacing, retries, 403 handling, token redaction in logs.

Pacing: at most ``max_messages_per_second`` less ``pacing_margin`` over all chats and one message per
``per_chat_interval_s`` per chat. A 429 pauses every send for its ``retry_after``. An attempt that
definitely did not arrive (a 5xx answer, no connection) is retryable; one that may have arrived (a read
timeout or a reset after the body was sent) is in doubt and never repeated; 403 (the user blocked the
bot) is permanent.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import math
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
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.send_message'", category=PTBUserWarning)
CHANNEL = "telegram"
MAX_MESSAGE_CHARS = 4096
MAX_BACKOFF_S = 30.0
IDLE_RESET_S = 10.0  # a pacer further behind than this starts afresh instead of making up
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
    """Global pacing on an absolute schedule, a cap per sliding second, a per-chat interval, a pause on 429.

    Slots are ``1 / rate`` apart on an absolute schedule (a late wake-up is made up, so the long-run rate
    holds), but never more than ``ceil(rate)`` sends in any sliding second of actual send times: after a
    stall of the event loop the backlog is spread out instead of bursting into Telegram's limit.
    """

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
        self.cap = math.ceil(rate) if rate > 0 else 0
        self.per_chat = per_chat_interval_s
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[str, float] = {}
        self._recent: collections.deque[float] = collections.deque()

    async def wait(self, chat: str) -> None:
        """Wait for this chat's turn, then for a global slot (slots are reserved, so waits are fair)."""
        while True:
            now = self._clock()
            ready = max(self._chat_next.get(chat, 0.0), self._paused_until)
            if ready <= now:
                break
            await self._sleep(ready - now)
        if self._next < now - IDLE_RESET_S:  # idle for a while: start a new schedule
            self._next = now
        slot = self._next
        self._next = slot + self.interval
        self._chat_next[chat] = max(slot, now) + self.per_chat
        if slot > now:
            await self._sleep(slot - now)
        await self._admit()

    async def _admit(self) -> None:
        while self.cap:
            now = self._clock()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            wait = max(self._paused_until - now, 0.0)
            if not wait and len(self._recent) < self.cap:
                self._recent.append(now)  # no await between this check and the send's start
                return
            await self._sleep(max(wait or self._recent[0] + 1.0 - now, 0.001))

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (Telegram asked us to slow down)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class TelegramSender:
    """Send texts and documents through one Bot with pacing; never raises for one chat.

    :meth:`attempt_text` makes one paced attempt and classifies its outcome (delivered; retryable: it
    definitely did not arrive; in doubt: it may have arrived; permanent). :meth:`send_text` retries the
    retryable outcomes with exponential backoff, for the few messages (admin notices) outside a fan-out.
    """

    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        pacer: Pacer,
        *,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        max_rate_limited: int = 20,
        paid_broadcast: bool = False,
    ) -> None:
        """``max_attempts`` bounds 5xx/connection retries; ``max_rate_limited`` bounds 429 retries."""
        self.bot = bot
        self.pacer = pacer
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_rate_limited = max_rate_limited
        self.paid_broadcast = paid_broadcast

    def backoff(self, failures: int) -> float:
        """Seconds to wait before retry number ``failures`` (doubling, at most 30 s)."""
        delay: float = min(self.backoff_s * 2 ** (failures - 1), MAX_BACKOFF_S)
        return delay

    async def attempt_text(
        self,
        chat_id: int,
        text: str,
        *,
        before_send: Hook | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> DeliveryResult:
        """One paced attempt to deliver one message (at most 4096 characters).

        ``before_send`` runs as the request's body is handed to the kernel (see ``wire``).
        """
        if len(text) > MAX_MESSAGE_CHARS:
            raise NotifyError(f"telegram: message to chat {chat_id} has {len(text)} characters (max 4096)")
        extra = {"allow_paid_broadcast": True} if self.paid_broadcast else {}

        async def call() -> object:
            if reply_markup is not None:
                return await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=reply_markup)
            # Same request as send_message, without parsing the answer into a Message object: a fan-out
            # only needs to know it was accepted, and the parsing is half of the client's CPU per message.
            return await self.bot.do_api_request("send_message", api_kwargs={"chat_id": chat_id, "text": text, **extra})

        return await self._attempt(chat_id, call, before_send)

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        before_send: Hook | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> DeliveryResult:
        """Deliver one message, retrying what definitely did not arrive; an in-doubt attempt is not repeated."""

        async def once() -> DeliveryResult:
            return await self.attempt_text(chat_id, text, before_send=before_send, reply_markup=reply_markup)

        return await self._with_retries(once)

    async def send_document(
        self, chat_id: int, path: Path, *, caption: str = "", before_send: Hook | None = None
    ) -> DeliveryResult:
        """Deliver one file (e.g. the monthly PDF), with the retries of :meth:`send_text`."""

        async def call() -> object:
            with path.open("rb") as handle:
                return await self.bot.send_document(
                    chat_id=chat_id, document=handle, filename=path.name, caption=caption or None
                )

        async def once() -> DeliveryResult:
            return await self._attempt(chat_id, call, before_send)

        return await self._with_retries(once)

    async def _with_retries(self, once: Callable[[], Awaitable[DeliveryResult]]) -> DeliveryResult:
        failures = limited = 0
        while True:
            result = await once()
            if result.ok or not result.retryable:
                return result
            if result.retry_after_s is not None:  # the pacer holds every send for retry_after
                limited += 1
                if limited > self.max_rate_limited:
                    return result
                continue
            failures += 1
            if failures >= self.max_attempts:
                return dataclasses.replace(result, detail=f"{result.detail} (attempt {failures}/{self.max_attempts})")
            log.warning("telegram: chat %s: %s; retrying", result.recipient, result.detail)
            await asyncio.sleep(self.backoff(failures))

    async def _attempt(
        self, chat_id: int, call: Callable[[], Awaitable[object]], before_send: Hook | None
    ) -> DeliveryResult:
        recipient = str(chat_id)
        await self.pacer.wait(recipient)
        state = wire.WireState(before_send)
        token = wire.current.set(state)
        try:
            await call()
        except RetryAfter as exc:
            seconds = _retry_after_s(exc)
            self.pacer.pause(seconds)
            reason = f"429 flood control: retry after {seconds:g} s"
            return DeliveryResult(False, CHANNEL, recipient, reason, retry_after_s=seconds, retryable=True)
        except Forbidden as exc:
            return DeliveryResult(False, CHANNEL, recipient, f"403 forbidden: {exc.message}", permanent=True)
        except InvalidToken as exc:
            raise NotifyError(f"telegram: the bot token was rejected ({exc.message})") from exc
        except BadRequest as exc:
            return DeliveryResult(False, CHANNEL, recipient, f"400 bad request: {exc.message}")
        except (TimedOut, NetworkError) as exc:
            return _classify(recipient, exc, state)
        except TelegramError as exc:
            return DeliveryResult(False, CHANNEL, recipient, f"telegram error: {exc.message}")
        finally:
            wire.current.reset(token)
        return DeliveryResult(True, CHANNEL, recipient)


def _classify(recipient: str, exc: TelegramError, state: wire.WireState) -> DeliveryResult:
    """A failed request: answered (5xx) or never sent is retryable; sent but unanswered is in doubt."""
    kind = "timeout" if isinstance(exc, TimedOut) else "network"
    message = redact(exc.message)
    if state.answered:
        return DeliveryResult(False, CHANNEL, recipient, f"server error: {message}", retryable=True)
    if state.fired:
        reason = f"in doubt: {kind} after the request was sent ({message}); not resent to avoid a duplicate"
        return DeliveryResult(False, CHANNEL, recipient, reason, in_doubt=True)
    return DeliveryResult(False, CHANNEL, recipient, f"{kind} before the request was sent: {message}", retryable=True)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def pacer_for(config: Config) -> Pacer:
    """The pacer of the configured limits: the global rate less ``pacing_margin``, one message per chat interval."""
    t, d = config.telegram, config.delivery
    rate = d.paid_broadcast_rate if d.allow_paid_broadcast else t.max_messages_per_second
    return Pacer(rate * (1 - d.pacing_margin), t.per_chat_interval_s)


def sender_for(config: Config, bot: Bot) -> TelegramSender:
    """A paced sender with the configured limits, retries and paid-broadcast choice."""
    t = config.telegram
    return TelegramSender(
        bot,
        pacer_for(config),
        max_attempts=t.max_attempts,
        backoff_s=t.backoff_s,
        paid_broadcast=config.delivery.allow_paid_broadcast,
    )


async def start_bot(bot: Bot, base_url: str) -> None:
    """Initialise ``bot`` (one getMe call).

    Raises:
        NotifyError: one line when the Bot API is unreachable or rejects the token.
    """
    try:
        await bot.initialize()
    except InvalidToken as exc:
        raise NotifyError(f"telegram: the bot token was rejected ({exc.message})") from exc
    except (TimedOut, NetworkError) as exc:
        where = base_url.removesuffix("/bot")
        raise NotifyError(f"telegram: cannot reach the Bot API at {where}: {redact(exc.message)}") from exc


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
