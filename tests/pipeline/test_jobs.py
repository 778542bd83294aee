"""Jobs tell the truth: the right month, failing sources as failures, every bundled job runnable."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine

from reportbot.config import Config, SourcesConfig
from reportbot.domain import TZ
from reportbot.kinds import DeliveryStatus, Month
from reportbot.schedule.jobs import JobRunner
from reportbot.schedule.registry import JOBS
from reportbot.schedule.scheduler import load_specs
from reportbot.sources.registry import get_source, source_names
from tests.conftest import fixed_now
from tests.fakes import FakeTelegramServer
from tests.sources.conftest import Feeds, live_config

REPO = Path(__file__).parents[2]
OFFLINE = SourcesConfig(
    eastmoney_datacenter_url="http://127.0.0.1:9/api",  # the discard port: nothing listens
    eastmoney_kline_url="http://127.0.0.1:9/kline",
    eastmoney_spot_url="http://127.0.0.1:9/spot",
    bse_base_url="http://127.0.0.1:9",
    retries=0,
    pacing_s=0.0,
)


def _clock() -> datetime:
    return datetime.now(TZ)  # travelled by time-machine


def _bundled(config: Config) -> Config:
    """``config`` with the repository's schedules, backups under its output directory, offline sources."""
    schedule = dataclasses.replace(config.schedule, directory=REPO / "schedules")
    backup = dataclasses.replace(config.backup, directory=config.paths.output_dir / "backups")
    return dataclasses.replace(config, schedule=schedule, backup=backup, sources=OFFLINE)


@pytest.mark.parametrize(
    ("day", "month"),
    [(date(2026, 12, 1), "2026-11"), (date(2027, 1, 4), "2026-12"), (date(2026, 3, 31), "2026-02")],
)
def test_last_completed_month(day: date, month: str) -> None:
    assert str(Month.of(day).previous()) == month


@pytest.mark.timeout(300)
def test_monthly_job_reports_the_month_that_ended(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    config = _bundled(tg_config)
    admin: list[str] = []
    runner = JobRunner(config, load_specs(config), now=_clock, admin=admin.append)
    output = config.paths.output_dir
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, 5, tzinfo=TZ), tick=False):
        first = runner.run("monthly-report")
    assert first.outcome == "ok", first.error
    assert (output / "bse-monthly-2026-11.pdf").is_file()
    assert not (output / "bse-monthly-2026-12.pdf").exists()  # December has not happened yet
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, 5, tzinfo=TZ), tick=False):
        second = runner.run("monthly-report")
    assert second.outcome == "ok", second.error
    assert "month 2026-12" in second.detail
    docs = [m for m in tg_server.messages_to(900) if m.method == "sendDocument"]
    assert [(m.file_name, m.caption) for m in docs] == [
        ("bse-monthly-2026-11.pdf", "北交所新股月报 2026-11"),
        ("bse-monthly-2026-12.pdf", "北交所新股月报 2026-12"),
    ]
    conn = sqlite3.connect(config.paths.database)
    try:
        items = sorted(
            r[0] for r in conn.execute("SELECT item FROM deliveries WHERE status = ?", (DeliveryStatus.SENT,))
        )
    finally:
        conn.close()
    assert items == ["report:2026-11", "report:2026-12"]
    assert admin == []


def test_refresh_with_every_source_failing_is_a_failure_with_an_admin_message(config: Config) -> None:
    config = _bundled(config)
    admin: list[str] = []
    result = JobRunner(config, load_specs(config), now=_clock, admin=admin.append).run("refresh", kind="manual")
    assert result.outcome == "failed"
    assert len(admin) == 1 and "任务 refresh 失败" in admin[0]
    for source in source_names():  # one Chinese line per source; the English error stays in the log and the run
        assert f"- 数据源“{get_source(source).title}”获取失败，库中保留上次的数据" in admin[0]
    assert "em_issueinfo: 127.0.0.1:9 unreachable" in result.error
    assert "unreachable" not in admin[0] and "详细原因见服务日志与运行记录" in admin[0]


def test_refresh_that_cannot_write_its_raw_files_is_not_a_success(
    tmp_path: Path,
    server: tuple[str, Feeds],
) -> None:
    config = _bundled(live_config(tmp_path, server[0]))
    config = dataclasses.replace(config, sources=live_config(tmp_path, server[0]).sources)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the raw directory's parent should be", encoding="utf-8")
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, raw_dir=blocker / "raw"))
    admin: list[str] = []
    result = JobRunner(config, load_specs(config), now=fixed_now, admin=admin.append).run("refresh")
    assert result.outcome == "failed"
    assert "NotADirectoryError" in result.error or "FileExistsError" in result.error
    assert len(admin) == 1 and admin[0].count("\n- ") == len(source_names())  # one line per source


def test_refresh_with_one_source_failing_is_partial(
    tmp_path: Path,
    server: tuple[str, Feeds],
    feeds: Feeds,
) -> None:
    config = _bundled(live_config(tmp_path, server[0]))
    config = dataclasses.replace(config, sources=live_config(tmp_path, server[0]).sources)
    feeds.put("em_bse50", "k", "<html>maintenance</html>")
    admin: list[str] = []
    result = JobRunner(config, load_specs(config), now=fixed_now, admin=admin.append).run("refresh")
    assert result.outcome == "partial", result.error
    assert result.error.startswith("em_bse50: ")
    assert len(admin) == 1 and "任务 refresh 部分失败" in admin[0] and admin[0].count("\n- ") == 1


@pytest.mark.timeout(300)
def test_every_bundled_job_runs_through_the_runner(config: Config) -> None:
    config = _bundled(config)
    specs = load_specs(config)
    assert {s.target for s in specs} <= set(JOBS)
    admin: list[str] = []
    runner = JobRunner(config, specs, now=_clock, admin=admin.append)
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=TZ), tick=False):
        outcomes = {spec.name: runner.run(spec.name, kind="manual") for spec in specs}
    assert {n: r.outcome for n, r in outcomes.items()} == {
        "refresh": "failed",  # offline: every source fails, and says so
        "alerts-eve": "ok",
        "alerts-morning": "ok",
        "alerts-result": "ok",
        "alerts-listing": "ok",
        "monthly-report": "ok",
        "model-refit": "ok",
        "health-summary": "ok",
        "backup": "ok",
        "deliveries-resume": "ok",
        "deliveries-prune": "ok",
    }, {n: r.error for n, r in outcomes.items()}
    assert outcomes["model-refit"].detail.startswith("model refit at 2026-11-23T10:00+08:00")
    assert "month 2026-10" in outcomes["monthly-report"].detail
    assert len(admin) == 2 and "refresh 失败" in admin[0] and admin[1].startswith("reportbot 运行日报")


@pytest.mark.timeout(300)
def test_report_monthly_defaults_to_the_last_completed_month_and_says_so(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportbot.cli import cli

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[paths]\ndatabase = "{tmp_path / "db.sqlite3"}"\noutput_dir = "{tmp_path / "out"}"\n')
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=TZ), tick=False):
        result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "report", "monthly"])
    assert result.exit_code == 0, result.output
    assert "月报月份：2026-12（最近一个已结束的自然月）" in result.stderr
    assert result.stdout.strip() == str(tmp_path / "out" / "bse-monthly-2026-12.pdf")


def test_alert_job_with_a_failed_delivery_is_partial_and_the_admins_hear_once(
    tg_config: Config, tg_server: FakeTelegramServer
) -> None:
    from reportbot.domain import SubscriberSettings
    from reportbot.pipeline import manage
    from reportbot.store import db
    from reportbot.store import subscribers as sub_store

    config = _bundled(tg_config)

    def eve() -> datetime:
        return datetime(2026, 8, 14, 20, 0, tzinfo=TZ)  # the eve of 华大海天 (920288), 2026-08-17

    conn = manage.open_store(config, eve)
    settings = SubscriberSettings(capital_cny=500_000.0, annual_rate=0.03, min_probability=0.6)
    with db.transaction(conn):
        for chat in (41, 42):
            sub_store.subscribe(conn, chat, f"用户{chat}", settings, now=eve())
    conn.close()
    tg_server.inject("502", count=50, chat_id=42)  # every attempt to 42 fails
    result = JobRunner(config, load_specs(config), now=eve).run("alerts-eve")  # the real admin channel
    assert result.outcome == "partial", result.error
    assert "telegram:42" in result.error
    assert len(tg_server.messages_to(41)) == 1
    for chat in config.telegram.admin_chat_ids:
        assert len(tg_server.messages_to(chat)) == 1  # the delivery's own report, not a second copy
