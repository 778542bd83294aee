"""`reportbot serve`, `schedule list/run` and `status` through the command line."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.config import load_config
from reportbot.domain import TZ
from reportbot.pipeline import manage
from reportbot.store import db
from tests.schedule.conftest import wait_for

REPO = Path(__file__).parents[2]


def _config(tmp: Path, schedules: Path | None = None) -> Path:
    lines = [
        "[paths]",
        f'database = "{tmp / "db.sqlite3"}"',
        f'output_dir = "{tmp / "out"}"',
        "[calendar]",
        f'overrides_file = "{REPO / "schedules" / "holidays.toml"}"',
        "[schedule]",
        f'directory = "{schedules or REPO / "schedules"}"',
        f'lock_file = "{tmp / "serve.lock"}"',
        "[telegram]",
        'token_env = "REPORTBOT_TEST_NO_SUCH_TOKEN"',
        "[sources]",  # the discard port: nothing listens, every source fails at once
        'eastmoney_datacenter_url = "http://127.0.0.1:9/api"',
        'eastmoney_kline_url = "http://127.0.0.1:9/kline"',
        'eastmoney_spot_url = "http://127.0.0.1:9/spot"',
        'bse_base_url = "http://127.0.0.1:9"',
        "retries = 0",
        "pacing_s = 0.0",
    ]
    path = tmp / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_schedule_list_on_the_bundled_schedules_around_new_year(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    from datetime import datetime

    with time_machine.travel(datetime(2026, 11, 21, 9, 30, tzinfo=TZ), tick=False):
        result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "schedule", "list", "-n", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "交易日历库数据截至 2026-12-31" in out
    assert "下次运行：2026-11-23 周一 17:30，2026-11-24 周二 17:30，2026-11-25 周三 17:30" in out  # refresh
    # monthly report: first trading day of each month; January 2027 is beyond the library (provisional)
    assert "下次运行：2026-12-01 周二 09:00，2027-01-04 周一 09:00（暂定），2027-02-01 周一 09:00（暂定）" in out
    assert "下次运行：2026-11-21 周六 10:00，2026-11-28 周六 10:00" in out  # weekly refit, later today
    assert "下次运行：2026-11-22 周日 08:00" in out  # daily health summary
    assert "无（库中没有未来的新股日历日期）" in out  # the bundled data has no future subscription days
    assert "上次结果：暂无记录" in out


def test_schedule_list_around_national_day(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    from datetime import datetime

    with time_machine.travel(datetime(2026, 9, 29, 18, 0, tzinfo=TZ), tick=False):
        result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "schedule", "list", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "下次运行：2026-09-30 周三 17:30，2026-10-08 周四 17:30" in result.output
    assert "下次运行：2026-10-08 周四 09:00，2026-11-02 周一 09:00" in result.output


def test_schedule_list_shows_each_alert_deadline_and_a_start_moved_to_meet_it(tmp_path: Path) -> None:
    from datetime import datetime

    cfg = _config(tmp_path)
    conn = manage.open_store(load_config(cfg, env={}), lambda: datetime(2026, 8, 27, 12, 0, tzinfo=TZ))
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO subscribers (chat_id, capital_cny, annual_rate, min_probability, created_at, updated_at)"
            " VALUES (?, 1000000, 0.05, 0.5, 'x', 'x')",
            ((i,) for i in range(1, 100_001)),
        )
    conn.close()
    with time_machine.travel(datetime(2026, 8, 27, 12, 0, tzinfo=TZ), tick=False):
        result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "schedule", "list", "-n", "1"])
    assert result.exit_code == 0, result.output
    listing = result.output.split("\nalerts-listing")[1].split("\n\n")[0]
    # 100,000 subscribers at 30 msg/s less 5 % take 3,509 s: the 09:30 open needs a start at 08:21:31
    assert "下次运行：2026-08-28 周五 08:21" in listing
    assert "送达时限：上市日 09:30 开盘前；按订阅人数与发送速率，开始时间由 08:30 提前至 08:21" in listing
    eve = result.output.split("\nalerts-eve")[1].split("\n\n")[0]
    assert "送达时限：申购日 09:15 前\n" in eve  # 20:00 leaves the night: not moved
    refresh = result.output.split("\nrefresh")[1].split("\n\n")[0]
    assert "送达时限" not in refresh  # only alert jobs have a deadline


def test_schedule_run_records_the_run_and_status_shows_it(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "jobs.toml").write_text(
        '[[jobs]]\nname = "good"\ntarget = "health-summary"\ntrigger = { hour = 8 }\n'
        '[[jobs]]\nname = "bad"\ntarget = "refresh"\ntrigger = { hour = 8 }\n',
        encoding="utf-8",
    )
    cfg = _config(tmp_path, schedules)
    runner = CliRunner()
    good = runner.invoke(cli, ["--config", str(cfg), "-q", "schedule", "run", "good"])
    assert good.exit_code == 0, good.output
    assert "good: 成功" in good.output
    bad = runner.invoke(cli, ["--config", str(cfg), "-q", "schedule", "run", "bad"])
    assert bad.exit_code == 1  # every source failed: 失败, never 成功
    assert "job bad: 失败 (failed): em_issueinfo: 127.0.0.1:9 unreachable" in bad.output
    unknown = runner.invoke(cli, ["--config", str(cfg), "-q", "schedule", "run", "nope"])
    assert unknown.exit_code == 2 and "unknown job 'nope' (known: good, bad)" in unknown.output
    status = runner.invoke(cli, ["--config", str(cfg), "-q", "status"])
    assert status.exit_code == 0, status.output
    assert "服务：reportbot serve 未运行" in status.output
    assert "过去 24 小时任务：成功 1，部分失败 0，失败 1，错过 0" in status.output
    assert "bad 失败：em_issueinfo: 127.0.0.1:9 unreachable" in status.output
    listing = runner.invoke(cli, ["--config", str(cfg), "-q", "schedule", "list"])
    assert "上次结果：失败" in listing.output and "上次结果：成功" in listing.output


def _serve(cfg: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTBOT_")}
    return subprocess.Popen(
        [sys.executable, "-m", "reportbot", "--config", str(cfg), "serve", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _runs(db: Path) -> list[tuple[str, str, int]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return [tuple(r) for r in conn.execute("SELECT job, outcome, pid FROM job_runs WHERE outcome != 'running'")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


@pytest.mark.timeout(120)
def test_two_serve_processes_only_one_runs_jobs(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "jobs.toml").write_text(
        '[[jobs]]\nname = "tick"\ntarget = "health-summary"\ntrigger = { second = "*" }\n',
        encoding="utf-8",
    )
    cfg = _config(tmp_path, schedules)
    db = tmp_path / "db.sqlite3"
    first = _serve(cfg, "--no-bot")
    try:
        assert wait_for(lambda: len(_runs(db)) >= 2, timeout=60), (
            first.stderr.read() if first.poll() is not None else ""
        )
        second = _serve(cfg, "--no-bot")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "another reportbot serve holds the lock" in err
        time.sleep(1.5)
        runs = _runs(db)
        assert {pid for _, _, pid in runs} == {first.pid}
        assert {(job, outcome) for job, outcome, _ in runs} == {("tick", "ok")}
    finally:
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert "serve: scheduler running" in err
    assert "serve: stopping" in err


def test_status_shows_a_running_serve_by_its_lock(tmp_path: Path) -> None:
    from filelock import FileLock

    cfg = _config(tmp_path)
    lock = FileLock(str(tmp_path / "serve.lock"))
    with lock:
        running = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "status"])
    assert running.exit_code == 0, running.output
    assert "服务：reportbot serve 运行中" in running.output
    stopped = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "status"])
    assert "服务：reportbot serve 未运行" in stopped.output


def test_serve_without_a_token_refuses_to_start(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "serve"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: serve: telegram token: set the environment variable REPORTBOT_TEST_NO_SUCH_TOKEN"
        " (or pass --no-bot to run the scheduler alone)"
    ]
    assert not (tmp_path / "db.sqlite3").exists()  # refused before anything started


def test_status_warns_before_the_exchange_calendar_runs_out(tmp_path: Path) -> None:
    from datetime import datetime

    cfg = _config(tmp_path)
    with time_machine.travel(datetime(2026, 11, 21, 9, 30, tzinfo=TZ), tick=False):
        near = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "status"])
    assert near.exit_code == 0, near.output
    assert "警告：交易日历库数据将于 2026-12-31 结束（还剩 40 天）" in near.output
    with time_machine.travel(datetime(2026, 9, 1, 9, 30, tzinfo=TZ), tick=False):
        far = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "status"])
    assert far.exit_code == 0, far.output
    assert "警告" not in far.output


def test_serve_refuses_state_paths_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "etc-file"
    blocker.write_text("stands in for a read-only /etc/reportbot", encoding="utf-8")
    cfg = _config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8") + f'[fonts]\ncache_dir = "{blocker / "fonts"}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "serve", "--no-bot"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: fonts.cache_dir: cannot create {blocker / 'fonts'}: Not a directory"
    ]
