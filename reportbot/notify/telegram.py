"""The Telegram adapter: python-telegram-bot's ExtBot with its AIORateLimiter, one send per message.

Limits: PTB's ``AIORateLimiter`` holds the global rate (``max_messages_per_second`` less
``pacing_margin``; paid broadcasts at Telegram's paid rate), limits group chats, and on a 429 pauses
every request for its ``retry_after`` and tries again. Outcomes: the HTTP answer or the httpx error under
PTB's exception says whether a failed request can have reached Telegram. Connect errors and pool
timeouts happened before anything was sent (retry); a read timeout or a reset after the request went
out may have arrived (in doubt, never repeated); 403 means the user blocked the bot.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import warnings
from contextvars import ContextVar
from datetime import timedelta

import httpx
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from reportbot.config import Config, read_secret
from reportbot.errors import NotifyError
from reportbot.kinds import Channel
from reportbot.notify import redaction
from reportbot.notify.base import DeliveryResult, Limits, Message, OnWire, Outcome, result

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.send_message'", category=PTBUserWarning)
MAX_MESSAGE_CHARS = 4096
MAX_RATE_LIMITED = 20  # 429 answers one message may get before it is left for a later run
BUCKET_SLOTS = 1.25  # the rate limiter's bucket, in messages (see make_bot)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol)
_on_wire: ContextVar[OnWire | None] = ContextVar("reportbot_on_wire", default=None)
Timeout = float | None


def read_token(config: Config) -> str:
    """The bot token from ``[telegram].token_env`` or ``token_file``; registered for log redaction.

    Raises:
        ConfigError: neither is set.
    """
    tg = config.telegram
    token = read_secret(tg.token_env, tg.token_file, "telegram bot token")
    redaction.install(token)
    return token


class _WireRequest(HTTPXRequest):
    """PTB's httpx request that runs the current message's ``on_wire`` hook before each HTTP attempt.

    The hook runs after the rate limiter admitted the request, so a message waiting for its slot is not
    yet "sending"; a 429 retry inside the limiter runs it again (one attempt each).
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout | object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Run the hook, then send as HTTPXRequest does."""
        hook = _on_wire.get()
        if hook is not None:
            hook()
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        return await super().do_request(url, method, request_data, *timeouts)  # type: ignore[arg-type]


def make_bot(config: Config, token: str) -> ExtBot[int]:
    """An ExtBot for ``token`` against ``[telegram].base_url`` with the configured limits and timeouts."""
    redaction.install(token)
    t, d = config.telegram, config.delivery
    rate = t.max_messages_per_second * (1 - d.pacing_margin)
    # aiolimiter's bucket holds ``max_rate`` requests: a bucket of 28.5 per second would let 28 go at once
    # and trip Telegram's sliding window, a bucket of 1 loses every late wake-up (26.96 msg/s measured).
    # BUCKET_SLOTS makes up a wake-up up to a quarter slot late and keeps any second under 30.
    period = BUCKET_SLOTS / rate if rate > 0 else 0
    limiter = AIORateLimiter(
        overall_max_rate=BUCKET_SLOTS if rate > 0 else 0, overall_time_period=period, max_retries=MAX_RATE_LIMITED
    )
    request = _WireRequest(
        connection_pool_size=max(8, t.send_concurrency + 4),
        read_timeout=t.timeout_s,
        write_timeout=t.timeout_s,
        connect_timeout=t.timeout_s,
        pool_timeout=t.timeout_s,
    )
    return ExtBot(token, base_url=t.base_url, base_file_url=t.base_file_url, request=request, rate_limiter=limiter)


class ChatSpacing:
    """At most one message per ``interval_s`` to one chat.

    Hand-written because AIORateLimiter limits only group chats (per minute), while Telegram also asks
    for about one message per second to each private chat (a multi-part alert, several events).
    """

    def __init__(self, interval_s: float) -> None:
        """``interval_s`` 0: no spacing."""
        self.interval_s = interval_s
        self._next: dict[str, float] = {}

    async def wait(self, chat: str) -> None:
        """Wait for this chat's turn and reserve the next one."""
        now = time.monotonic()
        turn = max(self._next.get(chat, 0.0), now)
        self._next[chat] = turn + self.interval_s
        if turn > now:
            await asyncio.sleep(turn - now)


class TelegramNotifier:
    """Messages and documents to Telegram chats; :meth:`send` makes one attempt (429s aside)."""

    channel = Channel.TELEGRAM
    limits = Limits(max_chars=MAX_MESSAGE_CHARS)

    def __init__(self, config: Config, *, token: str | None = None) -> None:
        """A bot for the configured token (or ``token``); call :meth:`start` before sending."""
        self.bot = make_bot(config, token or read_token(config))
        self.where = config.telegram.base_url.removesuffix("/bot")
        self.spacing = ChatSpacing(config.telegram.per_chat_interval_s)
        paid = config.delivery.allow_paid_broadcast
        self._extra = {"allow_paid_broadcast": True} if paid else {}

    async def start(self) -> None:
        """Initialise the bot (one getMe call).

        Raises:
            NotifyError: one line when the Bot API is unreachable or rejects the token.
        """
        try:
            await self.bot.initialize()
        except InvalidToken as exc:
            raise NotifyError(f"telegram: the bot token was rejected ({exc.message})") from exc
        except (TimedOut, NetworkError) as exc:
            raise NotifyError(f"telegram: cannot reach the Bot API at {self.where}: {_message(exc)}") from exc

    async def close(self) -> None:
        """Close the bot's connections."""
        await self.bot.shutdown()

    async def send(self, message: Message) -> DeliveryResult:
        """One attempt to deliver ``message``: a text of at most 4096 characters, or a document captioned ``subject``.

        Raises:
            NotifyError: the token was rejected (every other send would fail the same way).
        """
        if message.document is None and len(message.text) > MAX_MESSAGE_CHARS:
            raise NotifyError(f"telegram: message to chat {message.recipient} has {len(message.text)} characters")
        await self.spacing.wait(message.recipient)
        token = _on_wire.set(message.on_wire)
        try:
            await self._call(message)
        except (InvalidToken, EndPointNotFound) as exc:  # do_api_request names a rejected token so
            raise NotifyError(f"telegram: the bot token was rejected ({exc.message})") from exc
        except TelegramError as exc:
            outcome, detail = classify(exc)
            found = result(self, message, outcome, detail)
            return _with_retry_after(found, exc) if isinstance(exc, RetryAfter) else found
        finally:
            _on_wire.reset(token)
        return result(self, message, Outcome.OK)

    async def _call(self, message: Message) -> object:
        chat = int(message.recipient)
        if message.document is not None:
            with message.document.open("rb") as handle:
                return await self.bot.send_document(
                    chat_id=chat, document=handle, filename=message.document.name, caption=message.subject or None
                )
        # Same request as send_message, without parsing the answer into a Message object: a fan-out
        # only needs to know it was accepted, and the parsing is half of the client's CPU per message.
        kwargs = {"chat_id": chat, "text": message.text, **self._extra}
        return await self.bot.do_api_request("send_message", api_kwargs=kwargs)


def classify(exc: TelegramError) -> tuple[Outcome, str]:
    """What a failed Bot API call means for the message, with a short English reason."""
    if isinstance(exc, RetryAfter):
        return Outcome.RETRY, f"429 flood control: retry after {_retry_after_s(exc):g} s"
    if isinstance(exc, Forbidden):
        return Outcome.BLOCKED, f"403 forbidden: {exc.message}"
    if isinstance(exc, BadRequest):
        return Outcome.FAILED, f"400 bad request: {exc.message}"
    if not isinstance(exc, (TimedOut, NetworkError)):
        return Outcome.FAILED, f"telegram error: {exc.message}"
    cause, message = exc.__cause__, _message(exc)
    kind = "timeout" if isinstance(exc, TimedOut) else "network"
    if not isinstance(cause, httpx.HTTPError):  # Telegram answered (5xx): it did not take the message
        return Outcome.RETRY, f"server error: {message}"
    if isinstance(cause, _NOT_SENT):
        return Outcome.RETRY, f"{kind} before the request was sent: {message}"
    reason = f"in doubt: {kind} after the request was sent ({message}); not resent to avoid a duplicate"
    return Outcome.IN_DOUBT, reason


def _message(exc: TelegramError) -> str:
    return redaction.redact(exc.message)


def _with_retry_after(found: DeliveryResult, exc: RetryAfter) -> DeliveryResult:
    return dataclasses.replace(found, retry_after_s=_retry_after_s(exc))


def _retry_after_s(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the attribute will become a timedelta: both are handled
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
