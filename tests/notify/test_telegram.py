"""The Telegram adapter against the fake Bot API: outcomes of 429, 5xx, timeouts, 403, pacing, no token in logs."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import time
from collections.abc import Awaitable, Callable

import pytest

from reportbot.config import Config
from reportbot.errors import NotifyError
from reportbot.notify import redaction
from reportbot.notify.base import DeliveryResult, Message, Outcome, split_text
from reportbot.notify.telegram import MAX_MESSAGE_CHARS, TelegramNotifier
from tests.conftest import TOKEN
from tests.fakes import FakeTelegramServer

Script = Callable[[TelegramNotifier], Awaitable[list[DeliveryResult]]]


def _with(config: Config, script: Script) -> list[DeliveryResult]:
    async def run() -> list[DeliveryResult]:
        notifier = TelegramNotifier(config)
        await notifier.start()
        try:
            return await script(notifier)
        finally:
            await notifier.close()

    return asyncio.run(run())


def _send(config: Config, chat: int, *texts: str) -> list[DeliveryResult]:
    async def script(notifier: TelegramNotifier) -> list[DeliveryResult]:
        return [await notifier.send(Message(recipient=str(chat), text=t)) for t in texts]

    return _with(config, script)


def _telegram(config: Config, **values: object) -> Config:
    return dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, **values))


def test_message_is_delivered(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    [result] = _send(tg_config, 7, "你好")
    assert result.ok and result.outcome is Outcome.OK and result.recipient == "7"
    assert [m.text for m in tg_server.messages_to(7)] == ["你好"]


def test_429_waits_retry_after_then_delivers_once(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("429", retry_after=1)
    started = time.monotonic()
    [result] = _send(tg_config, 7, "限流后重发")
    assert result.ok
    assert time.monotonic() - started >= 1.0
    assert len(tg_server.messages_to(7)) == 1
    assert tg_server.state.rejected["429"] == 1


@pytest.mark.parametrize("kind", ["500", "502"])
def test_a_5xx_answer_is_retryable_and_not_delivered(
    kind: str, tg_config: Config, tg_server: FakeTelegramServer
) -> None:
    tg_server.inject(kind)
    [result] = _send(tg_config, 8, "重试")
    assert result.outcome is Outcome.RETRY and result.detail.startswith("server error")
    assert tg_server.messages_to(8) == [] and tg_server.state.calls["sendMessage"] == 1


def test_a_timeout_after_sending_is_in_doubt_and_not_repeated(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("timeout")
    [result] = _send(tg_config, 8, "可能已送达")
    assert result.outcome is Outcome.IN_DOUBT
    assert "in doubt: timeout after the request was sent" in result.detail
    assert tg_server.state.calls["sendMessage"] == 1


def test_no_connection_is_retryable_not_in_doubt(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    """The server went away after getMe: the request never left, so it may be sent again."""

    async def script(notifier: TelegramNotifier) -> list[DeliveryResult]:
        tg_server.stop()
        return [await notifier.send(Message(recipient="8", text="无连接"))]

    [result] = _with(tg_config, script)
    assert result.outcome is Outcome.RETRY and result.detail.startswith("network before the request was sent")


def test_unreachable_api_is_one_line(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.stop()

    async def run() -> None:
        await TelegramNotifier(tg_config).start()

    expected = r"^telegram: cannot reach the Bot API at http://127\.0\.0\.1:\d+: "
    with pytest.raises(NotifyError, match=expected) as err:
        asyncio.run(run())
    assert TOKEN not in str(err.value) and "\n" not in str(err.value)


def test_403_is_blocked(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.blocked_chats.add(9)
    [result] = _send(tg_config, 9, "被屏蔽")
    assert result.outcome is Outcome.BLOCKED and "403" in result.detail


def test_per_chat_interval(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    _send(_telegram(tg_config, per_chat_interval_s=0.3), 5, "一", "二", "三")
    times = [m.at for m in tg_server.messages_to(5)]
    assert len(times) == 3
    assert all(b - a >= 0.28 for a, b in itertools.pairwise(times))


def test_global_pacing_stays_under_the_server_limit(tg_config: Config) -> None:
    with FakeTelegramServer(token=TOKEN, rate_limit=20) as server:
        config = _telegram(tg_config, base_url=server.base_url, max_messages_per_second=20.0)

        async def script(notifier: TelegramNotifier) -> list[DeliveryResult]:
            return list(
                await asyncio.gather(*(notifier.send(Message(recipient=str(100 + i), text="x")) for i in range(50)))
            )

        started = time.monotonic()
        results = _with(config, script)
        elapsed = time.monotonic() - started
        assert all(r.ok for r in results) and len(server.sent()) == 50
        assert server.state.rejected == {}
        assert elapsed >= 49 / 20 - 0.1


def test_split_text_respects_4096_and_keeps_everything() -> None:
    text = "\n".join(f"第{i}行：" + "数" * 50 for i in range(300))
    parts = split_text(text, MAX_MESSAGE_CHARS)
    assert len(parts) > 1
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in parts)
    assert "\n".join(parts) == text
    assert split_text("短", MAX_MESSAGE_CHARS) == ["短"]
    long_line = "长" * 9000
    assert [len(p) for p in split_text(long_line, MAX_MESSAGE_CHARS)] == [4096, 4096, 808]


def test_token_never_appears_in_logs(
    tg_config: Config, tg_server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    tg_server.inject("500")
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        _send(tg_config, 7, "日志检查")
    assert "HTTP Request" in caplog.text  # httpx logged the request URL ...
    assert redaction.REDACTED in caplog.text  # ... with the token replaced
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_on_wire_runs_once_per_attempt_before_the_server_sees_it(
    tg_config: Config, tg_server: FakeTelegramServer
) -> None:
    """A 429 retried inside the rate limiter is a second attempt: the hook runs again."""
    tg_server.inject("429", retry_after=1)
    seen: list[int] = []

    def on_wire() -> None:
        seen.append(tg_server.state.calls["sendMessage"])  # the server has not seen this attempt yet

    [result] = _send_with_hook(tg_config, on_wire)
    assert result.ok
    assert seen == [0, 1]
    assert tg_server.state.calls["sendMessage"] == 2


def _send_with_hook(config: Config, hook: Callable[[], None]) -> list[DeliveryResult]:
    async def script(notifier: TelegramNotifier) -> list[DeliveryResult]:
        return [await notifier.send(Message(recipient="7", text="上线", on_wire=hook))]

    return _with(config, script)
