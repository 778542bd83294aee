"""A fake Telegram Bot API server on 127.0.0.1 for tests and benchmarks.

It speaks enough of the Bot API for python-telegram-bot pointed at it with ``base_url``: getMe,
getUpdates (long polling), sendMessage, sendDocument, answerCallbackQuery, editMessageText, and a
``true`` answer for anything else (deleteWebhook, setMyCommands, ...). It records every delivered
message, can enforce a global rate limit (token bucket, 429 with ``retry_after``), and can inject
failures: 429, 5xx, timeouts (a response slower than the client's read timeout) and 403 (blocked).

In-process use (tests)::

    with FakeTelegramServer(token="123:ABC") as server:
        bot = telegram.Bot("123:ABC", base_url=server.base_url)
        server.push_message(chat_id=42, text="/start")
        server.wait_for(lambda s: s.messages_to(42))

Out-of-process use (benchmarks): ``python -m tests.fakes.telegram_serve --port 0 --rate-limit 30`` prints
``READY <port>``; ``GET /_fake/stats`` returns delivered-message counts per chat (and duplicates, 429
times), ``POST /_fake/reset`` clears them. ``--window-limit 30`` enforces Telegram's limit strictly (30
messages in any sliding second), ``--error-rate 0.4`` answers 40 % of sends with 500, ``--delay-every 5``
answers every 5th send after ``--delay-s`` (the message itself is delivered at once).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.http_wire import error_payload, parse_body, read_request
from tests.fakes.telegram_faults import FAILURE_KINDS, SENDS, Faults
from tests.fakes.telegram_payloads import (
    SentMessage,
    ServerState,
    bot_user,
    callback_query,
    message_result,
    sent_message,
    text_message,
)

__all__ = ["FAILURE_KINDS", "FakeTelegramServer", "SentMessage"]


class FakeTelegramServer:
    """The fake Bot API, served by an asyncio loop in a background thread."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        rate_limit: float | None = None,
        window_limit: int | None = None,
        error_rate: float = 0.0,
        delay_every: int = 0,
        delay_s: float = 1.5,
        seed: int = 11,
        timeout_delay_s: float = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Configure; call :meth:`start` (or use ``with``) to serve.

        Args:
            token: the only token accepted (others get 401).
            rate_limit: messages per second over all chats (token bucket of one second), None = no limit.
            window_limit: strict limit: at most this many messages in any sliding 1-second window (429 beyond).
            error_rate: fraction of sendMessage calls answered 500 (random, seeded), before any rate check.
            delay_every: every n-th sendMessage is processed (delivered) but answered after ``delay_s``.
            delay_s: the delay of those answers.
            seed: the random generator's seed for ``error_rate``.
            timeout_delay_s: how long an injected timeout holds the response.
            host: address to bind (loopback).
            port: 0 picks a free port.
        """
        self.token = token
        self.faults = Faults(
            rate_limit=rate_limit,
            window_limit=window_limit,
            error_rate=error_rate,
            delay_every=delay_every,
            delay_s=delay_s,
            seed=seed,
            timeout_delay_s=timeout_delay_s,
        )
        self.lock = self.faults.lock
        self.host = host
        self.port = port
        self.state = ServerState()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._new_update: asyncio.Event | None = None

    @property
    def blocked_chats(self) -> set[int]:
        """Chats whose sends are answered 403 (the user blocked the bot); add to it."""
        return self.faults.blocked_chats

    # --- lifecycle ---

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` to telegram.Bot (the token is appended by the client)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass as ``base_file_url``."""
        return f"http://{self.host}:{self.port}/file/bot"

    def start(self) -> FakeTelegramServer:
        """Serve in a daemon thread; returns once the port is bound."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._new_update = asyncio.Event()
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, self.host, self.port))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeTelegramServer:
        """Start."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop."""
        self.stop()

    # --- test controls ---

    def inject(
        self,
        kind: str,
        *,
        count: int = 1,
        method: str | None = "sendMessage",
        chat_id: int | None = None,
        retry_after: int = 1,
    ) -> None:
        """Fail the next ``count`` matching calls with ``kind`` (one of FAILURE_KINDS)."""
        self.faults.inject(kind, count=count, method=method, chat_id=chat_id, retry_after=retry_after)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` is assigned); returns its id."""
        with self.lock:
            update = {**update, "update_id": next(self._update_ids)}
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return int(update["update_id"])

    def push_message(self, *, chat_id: int, text: str, first_name: str = "测试用户") -> int:
        """Queue a private-chat text message from user ``chat_id`` (commands get their entity)."""
        return self.push_update({"message": text_message(next(self._message_ids), chat_id, text, first_name)})

    def push_callback(self, *, chat_id: int, data: str, message_id: int = 1) -> int:
        """Queue an inline-keyboard button press."""
        query = callback_query(str(next(self._message_ids)), chat_id, data, message_id)
        return self.push_update({"callback_query": query})

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Messages delivered to one chat, in order."""
        with self.lock:
            return [m for m in self.state.sent if m.chat_id == chat_id]

    def sent(self) -> list[SentMessage]:
        """A snapshot of every delivered message."""
        with self.lock:
            return list(self.state.sent)

    def wait_for(self, predicate: Callable[[FakeTelegramServer], Any], timeout: float = 10.0) -> Any:
        """Poll ``predicate(self)`` until it is truthy; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate(self)
            if result:
                return result
            time.sleep(0.02)
        raise TimeoutError(f"fake Telegram server: condition not met within {timeout} s")

    def stats(self) -> dict[str, Any]:
        """Delivered messages per chat and call counters (JSON-ready)."""
        with self.lock:
            per_chat = collections.Counter(m.chat_id for m in self.state.sent)
            times = [m.at for m in self.state.sent]
            return {
                "delivered": len(self.state.sent),
                "first_at": min(times) if times else None,
                "last_at": max(times) if times else None,
                "per_chat": {str(k): v for k, v in per_chat.items()},
                "calls": dict(self.state.calls),
                "rejected": dict(self.state.rejected),
                "limited_at": list(self.faults.limited_at),
                "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            }

    def reset(self) -> None:
        """Forget delivered messages, counters, injections and queued updates."""
        with self.lock:
            self.state = ServerState()
            self._updates.clear()
        self.faults.reset()

    # --- HTTP ---

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await read_request(reader)
                if request is None:
                    break
                path, headers, body = request
                status, payload = await self._dispatch(path, headers, body)
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode("ascii")
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _dispatch(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if path == "/_fake/stats":
            return 200, self.stats()
        if path == "/_fake/reset":
            self.reset()
            return 200, {"ok": True}
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        params = parse_body(headers.get("content-type", ""), body)
        with self.lock:
            self.state.calls[method] += 1
        failure = self.faults.take(method, params)
        if failure is not None:
            with self.lock:
                self.state.rejected[failure.kind] += 1
            return await self.faults.answer(failure)
        if method in SENDS and not self.faults.admit():
            with self.lock:
                self.state.rejected["429-rate"] += 1
            return 429, error_payload(429, "Too Many Requests: retry after 1", retry_after=1)
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        answer = self._answer(method, params)
        if method in SENDS and self.faults.delayed():
            await asyncio.sleep(self.faults.delay_s)  # processed (delivered) now, answered late
        return 200, {"ok": True, "result": answer}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 5.0)
        assert self._new_update is not None
        while True:
            with self.lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=min(left, 0.2))

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return bot_user(self.token)
        if method == "answerCallbackQuery":
            with self.lock:
                self.state.callback_answers.append({k: str(v) for k, v in params.items()})
            return True
        if method not in (*SENDS, "editMessageText"):
            return True
        sent = sent_message(method, params, next(self._message_ids))
        with self.lock:
            if method == "editMessageText":
                self.state.edits.append({k: str(v) for k, v in params.items() if k != "reply_markup"})
            else:
                self.state.sent.append(sent)
        return message_result(self.token, sent)
