"""Fixtures: the fake Telegram Bot API server and a config pointed at it (token in the environment)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from reportbot.config import Config
from tests.fakes import FakeTelegramServer

TOKEN = "424242:SECRET-TOKEN-abcdef"


@pytest.fixture
def tg_server() -> Iterator[FakeTelegramServer]:
    """A fresh fake Bot API server."""
    with FakeTelegramServer(token=TOKEN, timeout_delay_s=1.5) as server:
        yield server


@pytest.fixture
def tg_config(config: Config, tg_server: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The test config, talking to the fake server, with fast retries and no pacing delays."""
    monkeypatch.setenv(config.telegram.token_env, TOKEN)
    telegram = dataclasses.replace(
        config.telegram,
        base_url=tg_server.base_url,
        base_file_url=tg_server.base_file_url,
        max_messages_per_second=0.0,
        per_chat_interval_s=0.0,
        timeout_s=0.5,
        backoff_s=0.05,
        max_attempts=3,
        management_chat_ids=(900,),
        admin_chat_ids=(901, 902),
    )
    return dataclasses.replace(config, telegram=telegram)
