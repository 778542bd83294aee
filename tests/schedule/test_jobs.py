"""Job wrappers: records, admin messages, the default admin channel."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3

import pytest

from reportbot.config import Config
from reportbot.schedule.definitions import JobSpec, parse_trigger
from reportbot.schedule.jobs import JobRunner, default_admin_notifier
from reportbot.store import runs as run_store
from tests.conftest import fixed_now
from tests.schedule import targets


def _spec(name: str, target: str, **extra: object) -> JobSpec:
    fields: dict[str, object] = {
        "name": name,
        "description": "",
        "target": target,
        "trigger": parse_trigger({"hour": 8}, "test"),
        "misfire_grace_s": 60,
        "coalesce": True,
        "notify_result": "",
        "source": None,
    }
    fields.update(extra)
    return JobSpec(**fields)  # type: ignore[arg-type]


def test_runner_records_ok_failed_and_unknown_jobs(config: Config, store: sqlite3.Connection) -> None:
    admin: list[str] = []
    specs = [
        _spec("good", "ok"),
        _spec("bad", "boom"),
        _spec("lost", "no-such-function"),
    ]
    runner = JobRunner(config, specs, now=fixed_now, admin=admin.append, registry=targets.REGISTRY)
    assert runner.run("good").outcome == "ok"
    bad = runner.run("bad", kind="manual")
    assert bad.outcome == "failed" and bad.error == "RuntimeError: boom: the source returned nothing"
    unknown = runner.run("nope")
    assert unknown.outcome == "failed" and "job 'nope' is not defined" in unknown.error
    lost = runner.run("lost")
    assert lost.outcome == "failed" and "unknown job function 'no-such-function'" in lost.error
    last = run_store.last_runs(store)
    assert last["good"].outcome == "ok" and last["good"].detail == "ok ok"
    assert last["good"].finished_at == fixed_now()
    assert last["bad"].kind == "manual" and last["bad"].error.startswith("RuntimeError")
    assert len(admin) == 3 and "bad 失败" in admin[0] and "nope" in admin[1] and "lost" in admin[2]


def test_admin_channel_failure_never_escapes(config: Config, store: sqlite3.Connection) -> None:
    def broken_admin(text: str) -> None:
        raise ConnectionError("telegram down")

    runner = JobRunner(config, [_spec("bad", "boom")], now=fixed_now, admin=broken_admin, registry=targets.REGISTRY)
    assert runner.run("bad").outcome == "failed"
    assert run_store.last_runs(store)["bad"].outcome == "failed"


def test_default_admin_notifier_logs_when_not_configured(config: Config, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="reportbot.schedule.jobs"):
        default_admin_notifier(config)("任务失败")
        chats = dataclasses.replace(config.telegram, admin_chat_ids=(1,), token_env="REPORTBOT_TEST_NO_TOKEN")
        default_admin_notifier(dataclasses.replace(config, telegram=chats))("任务失败 2")
    assert "no [telegram].admin_chat_ids configured): 任务失败" in caplog.text
    assert "not sent: telegram token: set the environment variable REPORTBOT_TEST_NO_TOKEN" in caplog.text
