"""The paced Telegram sender against the fake Bot API: retries, 429, 403, pacing, splitting, no token in logs."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest

from reportbot.config import Config
from reportbot.notify import telegram as tg
from tests.conftest import TOKEN
from tests.fakes import FakeTelegramServer


def _send(config: Config, chat_id: int, texts: list[str], pacer: tg.Pacer | None = None) -> list[tg.DeliveryResult]:
    async def run() -> list[tg.DeliveryResult]:
        async with tg.make_bot(config, TOKEN) as bot:
            sender = tg.TelegramSender(bot, pacer or tg.Pacer(0, 0), max_attempts=3, backoff_s=0.05)
            return [await sender.send_text(chat_id, text) for text in texts]

    return asyncio.run(run())


def test_message_is_delivered(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    [result] = _send(tg_config, 7, ["你好"])
    assert result.ok
    assert [m.text for m in tg_server.messages_to(7)] == ["你好"]


def test_429_waits_retry_after_then_delivers_once(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("429", retry_after=1)
    started = time.monotonic()
    [result] = _send(tg_config, 7, ["限流后重发"])
    assert result.ok
    assert time.monotonic() - started >= 1.0
    assert len(tg_server.messages_to(7)) == 1
    assert tg_server.state.rejected["429"] == 1


@pytest.mark.parametrize("kind", ["500", "502"])
def test_5xx_answers_are_retried(kind: str, tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject(kind, count=2)
    [result] = _send(tg_config, 8, ["重试"])
    assert result.ok, result.detail
    assert len(tg_server.messages_to(8)) == 1
    assert tg_server.state.calls["sendMessage"] == 3


def test_a_timeout_after_sending_is_in_doubt_and_not_repeated(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("timeout")
    [result] = _send(tg_config, 8, ["可能已送达"])
    assert not result.ok and result.in_doubt and not result.retryable
    assert "in doubt: timeout after the request was sent" in result.detail
    assert tg_server.state.calls["sendMessage"] == 1


def test_unreachable_api_is_one_line(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.stop()

    async def run() -> None:
        await tg.start_bot(tg.make_bot(tg_config, TOKEN), tg_config.telegram.base_url)

    expected = r"^telegram: cannot reach the Bot API at http://127\.0\.0\.1:\d+: "
    with pytest.raises(tg.NotifyError, match=expected) as err:
        asyncio.run(run())
    assert TOKEN not in str(err.value) and "\n" not in str(err.value)


def test_persistent_5xx_gives_up_with_reason(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("500", count=10)
    [result] = _send(tg_config, 8, ["失败"])
    assert not result.ok and not result.permanent
    assert "attempt 3/3" in result.detail
    assert tg_server.messages_to(8) == []


def test_403_is_permanent(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.blocked_chats.add(9)
    [result] = _send(tg_config, 9, ["被屏蔽"])
    assert not result.ok and result.permanent
    assert "403" in result.detail


def test_per_chat_interval(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    _send(tg_config, 5, ["一", "二", "三"], tg.Pacer(1000, 0.3))
    times = [m.at for m in tg_server.messages_to(5)]
    assert len(times) == 3
    assert all(b - a >= 0.28 for a, b in itertools.pairwise(times))


def test_global_pacing_stays_under_the_server_limit(tg_config: Config) -> None:
    with FakeTelegramServer(token=TOKEN, rate_limit=20) as server:
        config = tg_config.__class__(**{**tg_config.__dict__})
        object.__setattr__(
            config,
            "telegram",
            tg_config.telegram.__class__(**{**tg_config.telegram.__dict__, "base_url": server.base_url}),
        )

        async def run() -> float:
            async with tg.make_bot(config, TOKEN) as bot:
                sender = tg.TelegramSender(bot, tg.Pacer(20, 0))
                started = time.monotonic()
                await asyncio.gather(*(sender.send_text(100 + i, "x") for i in range(50)))
                return time.monotonic() - started

        elapsed = asyncio.run(run())
        assert len(server.sent()) == 50
        assert server.state.rejected == {}
        assert elapsed >= 49 / 20 - 0.1


def test_split_text_respects_4096_and_keeps_everything() -> None:
    text = "\n".join(f"第{i}行：" + "数" * 50 for i in range(300))
    parts = tg.split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= tg.MAX_MESSAGE_CHARS for p in parts)
    assert "\n".join(parts) == text
    assert tg.split_text("短") == ["短"]
    long_line = "长" * 9000
    assert [len(p) for p in tg.split_text(long_line)] == [4096, 4096, 808]


def test_token_never_appears_in_logs(
    tg_config: Config, tg_server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    tg_server.inject("500")
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        _send(tg_config, 7, ["日志检查"])
    assert "HTTP Request" in caplog.text  # httpx logged the request URL ...
    assert tg.REDACTED in caplog.text  # ... with the token replaced
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_wire_hook_runs_once_per_attempt_that_left_the_process(
    tg_config: Config, tg_server: FakeTelegramServer
) -> None:
    tg_server.inject("502")
    seen: list[int] = []

    async def run() -> tg.DeliveryResult:
        async with tg.make_bot(tg_config, TOKEN) as bot:
            sender = tg.TelegramSender(bot, tg.Pacer(0, 0), max_attempts=3, backoff_s=0.01)

            def on_wire() -> None:
                seen.append(tg_server.state.calls["sendMessage"])  # the server has not seen this attempt yet

            return await sender.send_text(7, "上线", before_send=on_wire)

    assert asyncio.run(run()).ok
    assert seen == [0, 1]  # two attempts, each hooked before the server counted it
    assert tg_server.state.calls["sendMessage"] == 2


def test_pacer_spreads_a_backlog_after_a_stall_and_keeps_the_rate() -> None:
    """Issue 11 case 6: after the loop stalls, no second holds more than ceil(rate) sends; the rate holds."""
    virtual = [0.0]
    sent: list[float] = []

    async def sleep(seconds: float) -> None:
        virtual[0] += seconds

    async def run() -> None:
        pacer = tg.Pacer(28.5, 0, clock=lambda: virtual[0], sleep=sleep)
        for i in range(600):
            if i == 100:
                virtual[0] += 0.5  # the event loop stalled for half a second
            await pacer.wait(str(i))
            sent.append(virtual[0])

    asyncio.run(run())
    windows = [sum(1 for t in sent if start <= t < start + 1.0) for start in sent]
    assert max(windows) <= 29
    assert (len(sent) - 1) / (sent[-1] - sent[0]) >= 28.2  # made up at the cap (a pacer that drops it: 27.9)
