"""The serve scheduler with time travel: trading days, restarts, missed runs, failing jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from reportbot.config import Config
from reportbot.domain import TZ
from reportbot.pipeline import manage
from reportbot.schedule.scheduler import Service, job_store_path
from reportbot.schedule.views import job_views
from reportbot.store import runs as run_store
from tests.schedule import targets
from tests.schedule.conftest import wait_for, with_schedules

DAILY = """
[[jobs]]
name = "daily"
target = "daily"
trigger = { hour = 17, minute = 30, trading_days_only = true }
misfire_grace_s = 3600
"""
MONTHLY = """
[[jobs]]
name = "monthly"
target = "monthly"
trigger = { trading_day = "first_of_month", hour = 9, minute = 0 }
misfire_grace_s = 3600
"""


def _bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def _clock() -> datetime:
    return datetime.now(TZ)  # travelled by time-machine


class Harness:
    """Start/stop services and move the clock, as an operator and the calendar would."""

    def __init__(self, config: Config, admin: list[str], traveller: time_machine.Coordinates) -> None:
        self.config = config
        self.admin = admin
        self.traveller = traveller
        self.service: Service | None = None

    def start(self) -> Service:
        self.service = Service(self.config, now=_clock, admin=self.admin.append, registry=targets.REGISTRY)
        self.service.start()
        return self.service

    def stop(self) -> None:
        assert self.service is not None
        self.service.stop()
        self.service = None

    def move_to(self, moment: datetime) -> None:
        self.traveller.move_to(moment)
        if self.service is not None and self.service.scheduler is not None:
            self.service.scheduler.wakeup()

    def runs(self, job: str | None = None) -> list[run_store.JobRun]:
        conn = manage.open_store(self.config, _clock)
        try:
            return run_store.runs_since(conn, _bj(2000, 1, 1), job)
        finally:
            conn.close()

    def settled(self, n_calls: int) -> None:
        """Wait for ``n_calls`` target calls and their run records."""
        assert wait_for(lambda: len(targets.CALLS) >= n_calls), targets.CALLS
        assert wait_for(lambda: all(r.outcome != "running" for r in self.runs()))


@pytest.fixture
def harness(config: Config, tmp_path: Path, admin: list[str]) -> Iterator[Harness]:
    with time_machine.travel(_bj(2026, 9, 24, 17, 29), tick=True) as traveller:
        h = Harness(config, admin, traveller)
        yield h
        if h.service is not None:
            h.stop()


def _use(h: Harness, tmp_path: Path, text: str) -> None:
    h.config = with_schedules(h.config, tmp_path, text)


def test_jobs_fire_on_trading_days_at_beijing_times(harness: Harness, tmp_path: Path) -> None:
    _use(harness, tmp_path, DAILY + MONTHLY)
    service = harness.start()
    job = service.scheduler.get_job("daily")  # type: ignore[union-attr]
    assert job.next_run_time == _bj(2026, 9, 24, 17, 30)
    steps = [
        (_bj(2026, 9, 24, 17, 30, 1), "daily"),  # Thursday
        (_bj(2026, 9, 25, 17, 30, 1), None),  # Friday: Mid-Autumn Festival
        (_bj(2026, 9, 26, 17, 30, 1), None),  # weekend
        (_bj(2026, 9, 28, 17, 30, 1), "daily"),
        (_bj(2026, 9, 29, 17, 30, 1), "daily"),
        (_bj(2026, 9, 30, 17, 30, 1), "daily"),  # month end
        (_bj(2026, 10, 1, 9, 0, 1), None),  # month start but National Day
        (_bj(2026, 10, 1, 17, 30, 1), None),
        (_bj(2026, 10, 8, 9, 0, 1), "monthly"),  # first trading day of October
        (_bj(2026, 10, 8, 17, 30, 1), "daily"),
        (_bj(2026, 10, 30, 17, 30, 1), "daily"),  # month end (Friday)
        (_bj(2026, 11, 2, 9, 0, 1), "monthly"),  # 11-01 is a Sunday
    ]
    expected: list[tuple[str, date]] = []
    for moment, tag in steps:
        harness.move_to(moment)
        if tag is None:
            wait_for(lambda: False, timeout=0.3)  # give a wrong run the chance to happen
        else:
            expected.append((tag, moment.date()))
        harness.settled(len(expected))
        assert [(t, when.date()) for t, when in targets.CALLS] == expected
    assert all(when.hour in (9, 17) and when.utcoffset() == timedelta(hours=8) for _, when in targets.CALLS)
    assert [r.outcome for r in harness.runs()] == ["ok"] * len(expected)
    assert harness.admin == []
    assert service.scheduler.get_job("monthly").next_run_time == _bj(2026, 12, 1, 9, 0)  # type: ignore[union-attr]


def test_restart_within_grace_runs_the_missed_job_once(harness: Harness, tmp_path: Path) -> None:
    _use(harness, tmp_path, DAILY)
    harness.move_to(_bj(2026, 9, 24, 17, 0))
    harness.start()
    harness.move_to(_bj(2026, 9, 24, 17, 10))
    harness.stop()  # stopped before the 17:30 run
    harness.move_to(_bj(2026, 9, 24, 17, 45))
    harness.start()  # back within the hour of grace
    harness.settled(1)
    harness.stop()
    harness.move_to(_bj(2026, 9, 24, 17, 50))
    harness.start()  # another restart: nothing more to run
    wait_for(lambda: False, timeout=0.5)
    assert [r.outcome for r in harness.runs("daily")] == ["ok"]
    assert len(targets.CALLS) == 1
    assert harness.service.scheduler.get_job("daily").next_run_time == _bj(2026, 9, 28, 17, 30)  # type: ignore[union-attr]
    assert harness.admin == []
    assert job_store_path(harness.config).is_file()


def test_restart_beyond_grace_records_and_reports_the_missed_run(harness: Harness, tmp_path: Path) -> None:
    _use(harness, tmp_path, DAILY)
    harness.move_to(_bj(2026, 9, 24, 17, 0))
    harness.start()
    harness.stop()
    harness.move_to(_bj(2026, 9, 24, 19, 0))  # 90 minutes late, grace is 60
    harness.start()
    assert wait_for(lambda: any(r.outcome == "missed" for r in harness.runs()))
    (run,) = harness.runs("daily")
    assert run.outcome == "missed" and run.scheduled_at == _bj(2026, 9, 24, 17, 30)
    assert targets.CALLS == []
    assert wait_for(lambda: len(harness.admin) == 1)
    assert "daily" in harness.admin[0] and "2026-09-24 17:30" in harness.admin[0]


def test_long_downtime_runs_once_not_once_per_missed_day(harness: Harness, tmp_path: Path) -> None:
    _use(harness, tmp_path, DAILY)
    harness.move_to(_bj(2026, 9, 24, 17, 0))
    harness.start()
    harness.stop()
    harness.move_to(_bj(2026, 9, 30, 17, 40))  # 09-24, 09-28, 09-29 and 09-30 runs were due
    harness.start()
    harness.settled(1)
    wait_for(lambda: False, timeout=0.5)
    assert [(t, when.date()) for t, when in targets.CALLS] == [("daily", date(2026, 9, 30))]
    runs = harness.runs("daily")
    assert [r.outcome for r in runs] == ["missed", "missed", "missed", "ok"]
    assert [r.scheduled_at for r in runs[:3]] == [
        _bj(2026, 9, 24, 17, 30),
        _bj(2026, 9, 28, 17, 30),
        _bj(2026, 9, 29, 17, 30),
    ]
    assert len(harness.admin) == 1  # one message listing the three superseded runs
    assert "2026-09-24 17:30、2026-09-28 17:30、2026-09-29 17:30" in harness.admin[0]


def test_failing_job_is_recorded_reported_and_does_not_stop_the_others(harness: Harness, tmp_path: Path) -> None:
    _use(
        harness,
        tmp_path,
        DAILY
        + """
[[jobs]]
name = "broken"
target = "boom"
trigger = { hour = 17, minute = 30, trading_days_only = true }

[[jobs]]
name = "half"
target = "partial"
trigger = { hour = 17, minute = 30, trading_days_only = true }
""",
    )
    harness.start()
    harness.move_to(_bj(2026, 9, 24, 17, 30, 1))
    harness.settled(3)
    assert wait_for(lambda: len(harness.runs()) == 3 and all(r.outcome != "running" for r in harness.runs()))
    harness.move_to(_bj(2026, 9, 28, 17, 30, 1))
    harness.settled(6)
    assert wait_for(lambda: len(harness.runs()) == 6 and all(r.outcome != "running" for r in harness.runs()))
    outcomes = sorted((r.job, r.outcome, r.started_at.date()) for r in harness.runs())
    assert [(j, o) for j, o, _ in outcomes] == [
        ("broken", "failed"),
        ("broken", "failed"),
        ("daily", "ok"),
        ("daily", "ok"),
        ("half", "partial"),
        ("half", "partial"),
    ]
    broken = harness.runs("broken")[0]
    assert broken.error == "RuntimeError: boom: the source returned nothing"
    half = harness.runs("half")[0]
    assert half.error == "src_b: HTTP 503" and half.detail == "one of two"
    assert len(harness.admin) == 4  # one message per failed or partly failed run
    assert sum("broken 失败" in m and "- 运行出错，未能完成" in m and "boom" not in m for m in harness.admin) == 2
    assert sum("half 部分失败" in m and "- 1 项失败" in m and "HTTP 503" not in m for m in harness.admin) == 2
    conn = manage.open_store(harness.config, _clock)
    try:
        views = {v.spec.name: v for v in job_views(harness.config, conn, _clock(), registry=targets.REGISTRY)}
    finally:
        conn.close()
    assert views["broken"].last is not None and views["broken"].last.outcome == "failed"
    assert views["half"].last is not None and views["half"].last.outcome == "partial"


def test_result_text_goes_to_admins(harness: Harness, tmp_path: Path) -> None:
    _use(
        harness,
        tmp_path,
        """
[[jobs]]
name = "summary"
target = "summary"
notify_result = "admins"
trigger = { hour = 8, minute = 0 }
""",
    )
    harness.move_to(_bj(2026, 9, 26, 7, 59, 59))  # a Saturday: calendar-day jobs still run
    harness.start()
    harness.move_to(_bj(2026, 9, 26, 8, 0, 1))
    assert wait_for(lambda: harness.admin == ["日报 2026-09-26"])
    assert [r.outcome for r in harness.runs("summary")] == ["ok"]


def test_event_jobs_follow_the_ipo_calendar_and_refresh_after_a_data_job(harness: Harness, tmp_path: Path) -> None:
    _use(
        harness,
        tmp_path,
        """
[[jobs]]
name = "refresh"
target = "add-ipo"
trigger = { hour = 17, minute = 30, trading_days_only = true }

[[jobs]]
name = "eve"
target = "eve"
trigger = { on = "apply_date-1", hour = 20, minute = 0 }
""",
    )
    service = harness.start()
    assert service.scheduler.get_job("eve").next_run_time is None  # type: ignore[union-attr]  # no future IPO yet
    harness.move_to(_bj(2026, 9, 24, 17, 30, 1))
    assert wait_for(lambda: service.scheduler.get_job("eve").next_run_time is not None)  # type: ignore[union-attr]
    # the previous trading day of 10-08 is 09-30 (10-01..10-07 closed)
    assert service.scheduler.get_job("eve").next_run_time == _bj(2026, 9, 30, 20, 0)  # type: ignore[union-attr]
    harness.move_to(_bj(2026, 9, 30, 20, 0, 1))
    assert wait_for(lambda: [t for t, _ in targets.CALLS] == ["eve"])


def test_restart_applies_changed_definitions(harness: Harness, tmp_path: Path) -> None:
    _use(harness, tmp_path, DAILY + MONTHLY)
    harness.move_to(_bj(2026, 9, 24, 17, 0))
    harness.start()
    harness.stop()
    _use(harness, tmp_path, DAILY.replace("minute = 30", "minute = 45"))  # monthly removed, daily moved
    service = harness.start()
    assert [job.id for job in service.scheduler.get_jobs()] == ["daily"]  # type: ignore[union-attr]
    assert service.scheduler.get_job("daily").next_run_time == _bj(2026, 9, 24, 17, 45)  # type: ignore[union-attr]
    harness.move_to(_bj(2026, 9, 24, 17, 45, 1))
    harness.settled(1)
    assert [(t, when.minute) for t, when in targets.CALLS] == [("daily", 45)]
