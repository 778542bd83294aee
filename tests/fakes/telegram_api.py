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

Out-of-process use (benchmarks): ``python -m tests.fakes.telegram_api --port 0 --rate-limit 30`` prints
``READY <port>``; ``GET /_fake/stats`` returns delivered-message counts per chat (and duplicates, 429
times), ``POST /_fake/reset`` clears them. ``--window-limit 30`` enforces Telegram's limit strictly (30
messages in any sliding second), ``--error-rate 0.4`` answers 40 % of sends with 500, ``--delay-every 5``
answers every 5th send after ``--delay-s`` (the message itself is delivered at once).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_wire import error_payload as _error
from tests.fakes.http_wire import int_or_none as _int_or_none
from tests.fakes.http_wire import parse_body as _parse_body
from tests.fakes.http_wire import read_request as _read_request

FAILURE_KINDS = ("429", "500", "502", "timeout", "403")


@dataclass
class SentMessage:
    """One message (text or document) the fake server accepted."""

    method: str
    chat_id: int
    text: str | None = None
    file_name: str | None = None
    file_bytes: bytes = b""
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    message_id: int = 0
    at: float = 0.0


@dataclass
class _Injection:
    kind: str
    method: str | None
    chat_id: int | None
    retry_after: int
    remaining: int


@dataclass
class ServerState:
    """Everything the server recorded (guarded by ``lock``)."""

    sent: list[SentMessage] = field(default_factory=list)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    callback_answers: list[dict[str, str]] = field(default_factory=list)
    edits: list[dict[str, str]] = field(default_factory=list)


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
        self.rate_limit = rate_limit
        self.window_limit = window_limit
        self.error_rate = error_rate
        self.delay_every = delay_every
        self.delay_s = delay_s
        self._random = random.Random(seed)
        self._window: collections.deque[float] = collections.deque()
        self._send_calls = 0
        self.limited_at: list[float] = []  # wall times of 429 answers from the rate limits
        self.timeout_delay_s = timeout_delay_s
        self.host = host
        self.port = port
        self.state = ServerState()
        self.blocked_chats: set[int] = set()
        self.lock = threading.Lock()
        self._injections: list[_Injection] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._tokens = float(rate_limit or 0)
        self._refilled = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._new_update: asyncio.Event | None = None

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
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; known: {FAILURE_KINDS}")
        with self.lock:
            self._injections.append(_Injection(kind, method, chat_id, retry_after, count))

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
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push_update({"message": message})

    def push_callback(self, *, chat_id: int, data: str, message_id: int = 1) -> int:
        """Queue an inline-keyboard button press."""
        user = {"id": chat_id, "is_bot": False, "first_name": "测试用户"}
        query = {
            "id": str(next(self._message_ids)),
            "from": user,
            "chat_instance": str(chat_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "测试用户"},
                "from": {"id": 1, "is_bot": True, "first_name": "reportbot"},
                "text": "设置",
            },
        }
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
                "limited_at": list(self.limited_at),
                "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            }

    def reset(self) -> None:
        """Forget delivered messages, counters, injections and queued updates."""
        with self.lock:
            self.state = ServerState()
            self._injections.clear()
            self._updates.clear()
            self.blocked_chats.clear()

    # --- HTTP ---

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
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
        params = _parse_body(headers.get("content-type", ""), body)
        with self.lock:
            self.state.calls[method] += 1
        failure = self._take_failure(method, params)
        if failure is not None:
            return await self._fail(method, failure)
        sending = method in ("sendMessage", "sendDocument")
        if sending and not self._admit():
            with self.lock:
                self.state.rejected["429-rate"] += 1
                self.limited_at.append(time.time())
            return 429, _error(429, "Too Many Requests: retry after 1", retry_after=1)
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        answer = self._answer(method, params)
        if sending and self._delayed():
            await asyncio.sleep(self.delay_s)  # processed (delivered) now, answered late
        return 200, {"ok": True, "result": answer}

    def _delayed(self) -> bool:
        with self.lock:
            self._send_calls += 1
            return bool(self.delay_every) and self._send_calls % self.delay_every == 0

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Injection | None:
        chat = _int_or_none(params.get("chat_id"))
        with self.lock:
            if method in ("sendMessage", "sendDocument") and chat in self.blocked_chats:
                return _Injection("403", method, chat, 0, 1)
            if method == "sendMessage" and self.error_rate and self._random.random() < self.error_rate:
                return _Injection("500", method, chat, 0, 1)
            for injection in self._injections:
                if injection.method not in (None, method) or injection.chat_id not in (None, chat):
                    continue
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    async def _fail(self, method: str, failure: _Injection) -> tuple[int, Any]:
        with self.lock:
            self.state.rejected[failure.kind] += 1
        if failure.kind == "timeout":
            await asyncio.sleep(self.timeout_delay_s)
            return 504, _error(504, "Gateway Timeout")
        if failure.kind == "429":
            return 429, _error(429, f"Too Many Requests: retry after {failure.retry_after}", failure.retry_after)
        if failure.kind == "403":
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        code = int(failure.kind)
        return code, _error(code, "Internal Server Error" if code == 500 else "Bad Gateway")

    def _admit(self) -> bool:
        if self.window_limit:
            with self.lock:
                now = time.monotonic()
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                if len(self._window) >= self.window_limit:
                    return False
                self._window.append(now)
        if not self.rate_limit:
            return True
        with self.lock:
            now = time.monotonic()
            self._tokens = min(self.rate_limit, self._tokens + (now - self._refilled) * self.rate_limit)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

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
            return {
                "id": int(self.token.split(":")[0]),
                "is_bot": True,
                "first_name": "reportbot",
                "username": "reportbot_test_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "answerCallbackQuery":
            with self.lock:
                self.state.callback_answers.append({k: str(v) for k, v in params.items()})
            return True
        if method in ("sendMessage", "sendDocument", "editMessageText"):
            return self._record(method, params)
        return True

    def _record(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        message_id = next(self._message_ids)
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "x"},
            "from": {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "reportbot"},
        }
        if method == "editMessageText":
            with self.lock:
                self.state.edits.append({k: str(v) for k, v in params.items() if k != "reply_markup"})
            result["text"] = params.get("text", "")
            return result
        doc = params.get("document")
        sent = SentMessage(
            method=method,
            chat_id=chat_id,
            text=params.get("text"),
            caption=params.get("caption"),
            reply_markup=json.loads(markup) if isinstance(markup, str) and markup else None,
            file_name=doc[0] if isinstance(doc, tuple) else None,
            file_bytes=doc[1] if isinstance(doc, tuple) else b"",
            message_id=message_id,
            at=time.time(),
        )
        with self.lock:
            self.state.sent.append(sent)
        if method == "sendMessage":
            result["text"] = sent.text or ""
        else:
            result["document"] = {
                "file_id": f"F{message_id}",
                "file_unique_id": f"U{message_id}",
                "file_name": sent.file_name or "file",
                "file_size": len(sent.file_bytes),
            }
        return result


def main() -> None:
    """Serve until killed (benchmarks); prints ``READY <port>``."""
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--rate-limit", type=float, default=None, help="messages/s over all chats")
    parser.add_argument("--window-limit", type=int, default=None, help="messages per sliding 1-second window")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of sendMessage answered 500")
    parser.add_argument("--delay-every", type=int, default=0, help="answer every n-th sendMessage late")
    parser.add_argument("--delay-s", type=float, default=1.5)
    args = parser.parse_args()
    server = FakeTelegramServer(
        token=args.token,
        rate_limit=args.rate_limit,
        window_limit=args.window_limit,
        error_rate=args.error_rate,
        delay_every=args.delay_every,
        delay_s=args.delay_s,
        port=args.port,
    ).start()
    print(f"READY {server.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
