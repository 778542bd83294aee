"""Job wrappers: records, admin messages, the default admin channel, the health summary."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from datetime import datetime, timedelta

import pytest

from reportbot.config import Config
from reportbot.domain import TZ
from reportbot.pipeline.jobs import event_days, health_summary
from reportbot.schedule.definitions import JobSpec, parse_trigger
from reportbot.schedule.jobs import JobRunner, default_admin_notifier
from reportbot.store import runs as run_store
from reportbot.tradingcal import calendar_for
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


def test_event_days_use_trading_day_offsets(config: Config, store: sqlite3.Connection) -> None:
    cal = calendar_for(config)
    eves = event_days(store, cal, [("apply_date", -1)])
    applies = event_days(store, cal, [("apply_date", 0)])
    assert len(eves) == len(applies) > 200
    assert all(cal.is_trading_day(d) for d in eves)
    assert all(cal.next_trading_day(e) in set(applies) for e in eves)
    results = event_days(store, cal, [("issue_result_date", 0), ("apply_date", 3)])
    assert len(results) >= 52  # 52 IPOs have an announced result date, the rest use T+3


def test_health_summary_reports_failures_of_the_last_day(config: Config, store: sqlite3.Connection) -> None:
    now = fixed_now()
    run_id = run_store.start_run(store, "refresh", kind="scheduled", now=now - timedelta(hours=2), host="h", pid=1)
    run_store.finish_run(store, run_id, outcome="failed", now=now - timedelta(hours=2), error="SourceError: eastmoney")
    run_store.record_missed(
        store, "alerts-eve", scheduled_at=datetime(2026, 11, 20, 20, tzinfo=TZ), now=now, detail="late", host="h", pid=1
    )
    old = run_store.start_run(store, "refresh", kind="scheduled", now=now - timedelta(days=3), host="h", pid=1)
    run_store.finish_run(store, old, outcome="ok", now=now - timedelta(days=3))
    text = health_summary(config, store, fixed_now).admin_text
    assert "reportbot 运行日报 2026-11-21 09:30" in text
    assert "数据截至：2026-09-16" in text
    assert "今天不是交易日；下一个交易日：2026-11-23" in text
    assert "过去 24 小时任务运行：失败 1，错过 1" in text
    assert "- refresh 失败（11-21 07:30）" in text and "SourceError" not in text  # the English error: log only
    assert "⚠️ 交易日历库数据将于 2026-12-31 结束（还剩 40 天）" in text
