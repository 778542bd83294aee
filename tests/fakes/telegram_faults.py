"""What the fake Bot API does wrong on purpose: injected failures, blocked chats, rate limits, late answers."""

from __future__ import annotations

import asyncio
import collections
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_wire import error_payload, int_or_none

FAILURE_KINDS = ("429", "500", "502", "timeout", "403", "401")
SENDS = ("sendMessage", "sendDocument")


@dataclass
class Injection:
    """Fail the next ``remaining`` calls of ``method`` (None: any) to ``chat_id`` (None: any) with ``kind``."""

    kind: str
    method: str | None
    chat_id: int | None
    retry_after: int
    remaining: int


@dataclass
class Faults:
    """The server's misbehaviour settings and the state they keep (guarded by ``lock``)."""

    rate_limit: float | None = None  # messages per second over all chats (token bucket of one second)
    window_limit: int | None = None  # at most this many messages in any sliding second
    error_rate: float = 0.0  # fraction of sendMessage calls answered 500 (random, seeded)
    delay_every: int = 0  # every n-th send is delivered at once but answered after delay_s
    delay_s: float = 1.5
    seed: int = 11
    timeout_delay_s: float = 3.0  # how long an injected timeout holds the response
    lock: threading.Lock = field(default_factory=threading.Lock)
    blocked_chats: set[int] = field(default_factory=set)
    injections: list[Injection] = field(default_factory=list)
    limited_at: list[float] = field(default_factory=list)  # wall times of 429 answers from the rate limits
    _window: collections.deque[float] = field(default_factory=collections.deque)
    _send_calls: int = 0
    _tokens: float = 0.0
    _refilled: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._tokens = float(self.rate_limit or 0)

    def inject(self, kind: str, *, count: int, method: str | None, chat_id: int | None, retry_after: int) -> None:
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; known: {FAILURE_KINDS}")
        with self.lock:
            self.injections.append(Injection(kind, method, chat_id, retry_after, count))

    def take(self, method: str, params: dict[str, Any]) -> Injection | None:
        """The failure this call gets, if any (a blocked chat, the random 5xx rate, an injection)."""
        chat = int_or_none(params.get("chat_id"))
        with self.lock:
            if method in SENDS and chat in self.blocked_chats:
                return Injection("403", method, chat, 0, 1)
            if method == "sendMessage" and self.error_rate and self._random.random() < self.error_rate:
                return Injection("500", method, chat, 0, 1)
            for injection in self.injections:
                if injection.method not in (None, method) or injection.chat_id not in (None, chat):
                    continue
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self.injections.remove(injection)
                return injection
        return None

    async def answer(self, failure: Injection) -> tuple[int, Any]:
        """The HTTP status and body of an injected failure (a timeout answers late)."""
        if failure.kind == "timeout":
            await asyncio.sleep(self.timeout_delay_s)
            return 504, error_payload(504, "Gateway Timeout")
        if failure.kind == "429":
            text = f"Too Many Requests: retry after {failure.retry_after}"
            return 429, error_payload(429, text, failure.retry_after)
        if failure.kind == "403":
            return 403, error_payload(403, "Forbidden: bot was blocked by the user")
        if failure.kind == "401":  # the token was revoked while a run was sending
            return 401, error_payload(401, "Unauthorized")
        code = int(failure.kind)
        return code, error_payload(code, "Internal Server Error" if code == 500 else "Bad Gateway")

    def admit(self) -> bool:
        """Whether the rate limits let one more message through now (False: answer 429)."""
        with self.lock:
            now = time.monotonic()
            if self.window_limit:
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                if len(self._window) >= self.window_limit:
                    return self._limited()
                self._window.append(now)
            if not self.rate_limit:
                return True
            self._tokens = min(self.rate_limit, self._tokens + (now - self._refilled) * self.rate_limit)
            self._refilled = now
            if self._tokens < 1:
                return self._limited()
            self._tokens -= 1
            return True

    def _limited(self) -> bool:
        self.limited_at.append(time.time())
        return False

    def delayed(self) -> bool:
        """Whether this send's answer comes late (every ``delay_every``-th send)."""
        with self.lock:
            self._send_calls += 1
            return bool(self.delay_every) and self._send_calls % self.delay_every == 0

    def reset(self) -> None:
        with self.lock:
            self.injections.clear()
            self.blocked_chats.clear()
