"""A failing job reaches the admin chats over the real Bot API protocol (fake server on 127.0.0.1)."""

from __future__ import annotations

import logging

import pytest

from reportbot.config import Config
from reportbot.schedule.definitions import JobSpec, parse_trigger
from reportbot.schedule.jobs import JobRunner
from tests.conftest import TOKEN, fixed_now
from tests.fakes import FakeTelegramServer
from tests.schedule import targets


def _spec(name: str, target: str) -> JobSpec:
    return JobSpec(
        name=name,
        description="",
        target=target,
        trigger=parse_trigger({"hour": 17, "minute": 30, "trading_days_only": True}, "test"),
        misfire_grace_s=60,
        coalesce=True,
        notify_result="",
        source=None,  # type: ignore[arg-type]
    )


def test_failing_job_sends_one_admin_message_and_others_keep_running(
    tg_config: Config, tg_server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    specs = [_spec("broken", "boom"), _spec("daily", "ok")]
    # the default admin channel: notify_admins over Telegram
    runner = JobRunner(tg_config, specs, now=fixed_now, registry=targets.REGISTRY)

    failed = runner.run("broken")
    ok = runner.run("daily")

    assert (failed.outcome, ok.outcome) == ("failed", "ok")
    for chat in tg_config.telegram.admin_chat_ids:
        texts = [m.text or "" for m in tg_server.messages_to(chat)]
        assert len(texts) == 1
        assert "任务 broken 失败" in texts[0] and "- 运行出错，未能完成" in texts[0]
        assert "boom" not in texts[0]  # an admin chat is a chat: the English error is in the log
    assert "boom: the source returned nothing" in caplog.text
    assert not tg_server.messages_to(tg_config.telegram.management_chat_ids[0])
    assert TOKEN not in caplog.text
