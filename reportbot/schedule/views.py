"""The jobs as ``schedule list`` and ``status`` show them: definition, next run times, last recorded run."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from reportbot.config import Config
from reportbot.pipeline.jobs import JobFunc
from reportbot.schedule.definitions import JobSpec
from reportbot.schedule.registry import JOBS
from reportbot.schedule.scheduler import build_trigger, load_specs
from reportbot.store import runs as run_store
from reportbot.tradingcal import calendar_for


@dataclass(frozen=True)
class JobView:
    """One job as `schedule list` and `status` show it."""

    spec: JobSpec
    next_runs: list[datetime]
    provisional: list[bool]
    last: run_store.JobRun | None


def job_views(
    config: Config, conn: sqlite3.Connection, now: datetime, *, count: int = 3, registry: Mapping[str, JobFunc] = JOBS
) -> list[JobView]:
    """Every defined job with its next ``count`` run times (Beijing time) and last recorded run."""
    cal = calendar_for(config)
    tz = ZoneInfo(config.schedule.timezone)
    last = run_store.last_runs(conn)
    views = []
    for spec in load_specs(config, registry):
        times = next_runs(build_trigger(spec, config, conn), now, count)
        on_calendar = spec.trigger.trading_day is not None or spec.trigger.is_event
        provisional = [on_calendar and cal.is_provisional(t.astimezone(tz).date()) for t in times]
        views.append(JobView(spec, times, provisional, last.get(spec.name)))
    return views


def next_runs(trigger: BaseTrigger, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times of ``trigger`` after ``now`` (fewer when it ends)."""
    times: list[datetime] = []
    previous: datetime | None = None
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, previous or now)
        if fire is None:
            break
        times.append(fire)
        previous = fire
    return times
