"""Messages outside a fan-out (admin notices): retried with backoff while they definitely did not arrive."""

from __future__ import annotations

import asyncio

import pytest

from reportbot.config import Config
from reportbot.kinds import Channel
from reportbot.notify.base import DeliveryResult, Message, Outcome
from reportbot.pipeline.delivery_common import backoff_s, open_notifiers, send_retrying
from tests.fakes import FakeTelegramServer


def _send_retrying(config: Config, chat: int, text: str) -> DeliveryResult:
    async def run() -> DeliveryResult:
        async with open_notifiers(config, (Channel.TELEGRAM,)) as notifiers:
            return await send_retrying(config, notifiers[Channel.TELEGRAM], Message(recipient=str(chat), text=text))

    return asyncio.run(run())


@pytest.mark.parametrize("kind", ["500", "502"])
def test_5xx_answers_are_retried(kind: str, tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject(kind, count=2)
    result = _send_retrying(tg_config, 8, "重试")
    assert result.ok, result.detail
    assert len(tg_server.messages_to(8)) == 1
    assert tg_server.state.calls["sendMessage"] == 3


def test_persistent_5xx_gives_up_with_reason(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("500", count=10)
    result = _send_retrying(tg_config, 8, "失败")
    assert result.outcome is Outcome.RETRY and "attempt 3/3" in result.detail
    assert tg_server.messages_to(8) == [] and tg_server.state.calls["sendMessage"] == 3


def test_a_timeout_is_not_retried(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.inject("timeout")
    result = _send_retrying(tg_config, 8, "可能已送达")
    assert result.outcome is Outcome.IN_DOUBT and tg_server.state.calls["sendMessage"] == 1


def test_backoff_doubles_up_to_30_s(tg_config: Config) -> None:
    assert [backoff_s(tg_config, n) for n in (1, 2, 3)] == [0.05, 0.1, 0.2]
    assert backoff_s(Config(), 10) == 30.0
