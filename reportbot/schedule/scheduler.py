"""The ``serve`` scheduler: APScheduler 3 (Asia/Shanghai) with a persistent SQLite job store.

Restart semantics: jobs keep their next run time in the job store. On start-up the scheduler is started
paused, the jobs are synchronised with ``schedules/*.toml`` (a run time already due is kept, so a run
missed during downtime runs once if it is within its grace, and is recorded and reported as missed
otherwise), then resumed. A file lock keeps a second ``serve`` from running jobs.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from filelock import FileLock, Timeout

from reportbot.config import Config
from reportbot.errors import ConfigError, ReportbotError
from reportbot.kinds import Clock
from reportbot.pipeline import deadlines
from reportbot.pipeline import jobs as pipeline_jobs
from reportbot.pipeline.jobs import JobFunc
from reportbot.pipeline.manage import open_store
from reportbot.schedule import jobs
from reportbot.schedule.definitions import JobSpec, load_definitions
from reportbot.schedule.registry import JOBS
from reportbot.schedule.triggers import EventDayTrigger, TradingDayTrigger
from reportbot.store import runs as run_store
from reportbot.tradingcal import calendar_for

log = logging.getLogger(__name__)
RESUME_JOB = "deliveries-resume"  # run at start-up: resumes deliveries interrupted runs left
_WORKERS = 4


def job_store_path(config: Config) -> Path:
    """APScheduler's job store: a sibling of the main database (see the README for why)."""
    if config.schedule.job_store is not None:
        return config.schedule.job_store
    db = config.paths.database
    return db.with_name(f"{db.stem}-jobs.sqlite3")


def load_specs(config: Config, registry: Mapping[str, JobFunc] = JOBS) -> tuple[JobSpec, ...]:
    """The job definitions of ``config.schedule.directory`` (targets must be in ``registry``)."""
    return load_definitions(
        config.schedule.directory,
        default_grace_s=config.schedule.default_misfire_grace_s,
        targets=registry.keys(),
        skip=config.calendar.overrides_file,
    )


def build_trigger(spec: JobSpec, config: Config, conn: sqlite3.Connection) -> BaseTrigger:
    """The APScheduler trigger of ``spec`` (event days are read from the store now)."""
    tz = ZoneInfo(config.schedule.timezone)
    cron = spec.trigger.cron_kwargs()
    if spec.trigger.is_event:
        days = pipeline_jobs.event_days(conn, calendar_for(config), spec.trigger.on)
        at = time(int(cron.get("hour", "0")), int(cron.get("minute", "0")), int(cron.get("second", "0")))
        at = deadlines.scheduled_start(config, conn, spec.target, at)  # early enough for the audience
        return EventDayTrigger(days, at, timezone=tz)
    if spec.trigger.trading_day is not None:
        return TradingDayTrigger(
            cron,
            rule=spec.trigger.trading_day,
            timezone=tz,
            exchange=config.calendar.exchange,
            overrides_file=config.calendar.overrides_file,
        )
    return CronTrigger(timezone=tz, **cron)


def check_state_paths(config: Config) -> None:
    """Make sure every directory ``serve`` writes to exists and is writable, before any job runs.

    Raises:
        ConfigError: one line naming the key and the path (e.g. a relative path that resolved under a
            read-only ``/etc/reportbot``).
    """
    wanted = (
        ("paths.database", config.paths.database.parent),
        ("paths.output_dir", config.paths.output_dir),
        ("paths.raw_dir", config.paths.raw_dir),
        ("fonts.cache_dir", config.fonts.cache_dir),
        ("backup.directory", config.backup.directory),
        ("schedule.lock_file", config.schedule.lock_file.parent),
    )
    for key, directory in wanted:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{key}: cannot create {directory}: {exc.strerror or exc}") from exc
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ConfigError(f"{key}: {directory} is not writable (give an absolute path the service may write)")


class Service:
    """The scheduler of ``reportbot serve``: start, synchronise, stop."""

    def __init__(
        self,
        config: Config,
        *,
        now: Clock,
        admin: jobs.AdminNotify | None = None,
        specs: Sequence[JobSpec] | None = None,
        registry: Mapping[str, JobFunc] = JOBS,
    ) -> None:
        """Prepare (nothing runs until :meth:`start`)."""
        self.config = config
        self.now = now
        self.specs = tuple(specs) if specs is not None else load_specs(config, registry)
        self.runner = jobs.JobRunner(
            config, self.specs, now=now, admin=admin, runner_id=uuid.uuid4().hex, registry=registry
        )
        self.lock = FileLock(str(config.schedule.lock_file))
        self.scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        """Take the single-instance lock and start the scheduler.

        Raises:
            ConfigError: a state directory cannot be written (see :func:`check_state_paths`).
            ReportbotError: another ``serve`` holds the lock.
        """
        check_state_paths(self.config)
        try:
            self.lock.acquire(timeout=0)
        except Timeout as exc:
            raise ReportbotError(
                f"another reportbot serve holds the lock {self.config.schedule.lock_file}; not running jobs"
            ) from exc
        try:
            self._start_scheduler()
        except BaseException:
            self.stop(wait=False)  # releases the lock too
            raise

    def _start_scheduler(self) -> None:
        path = job_store_path(self.config)
        path.parent.mkdir(parents=True, exist_ok=True)
        scheduler = BackgroundScheduler(
            timezone=ZoneInfo(self.config.schedule.timezone),
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path}")},
            executors={"default": ThreadPoolExecutor(_WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        scheduler.add_listener(self._on_executed, EVENT_JOB_EXECUTED)
        jobs.register(self.runner)
        scheduler.start(paused=True)
        self.scheduler = scheduler
        self.sync()
        self._resume_interrupted(scheduler)
        scheduler.resume()
        log.info("scheduler started: %d jobs, job store %s", len(self.specs), path)
        for job in scheduler.get_jobs():
            log.info("job %s: next run %s", job.id, job.next_run_time.isoformat() if job.next_run_time else "none")

    def _resume_interrupted(self, scheduler: BackgroundScheduler) -> None:
        """End runs a dead process left ``running`` as interrupted, and run the delivery resume job now."""
        conn = open_store(self.config, self.now)
        try:
            dead = run_store.mark_interrupted(conn, host=socket.gethostname(), alive=_alive, now=self.now())
        finally:
            conn.close()
        for run in dead:
            log.warning("job %s: run %d (pid %d) was interrupted; resuming its deliveries", run.job, run.id, run.pid)
        if scheduler.get_job(RESUME_JOB) is not None:
            scheduler.modify_job(RESUME_JOB, next_run_time=self.now())

    def sync(self) -> None:
        """Make the job store match the definitions, keeping run times already due (catch-up)."""
        assert self.scheduler is not None
        now = self.now()
        conn = open_store(self.config, self.now)
        try:
            wanted = {spec.name: spec for spec in self.specs}
            for job in self.scheduler.get_jobs():
                if job.id not in wanted:
                    log.info("removing job %s (no longer defined)", job.id)
                    job.remove()
            for spec in self.specs:
                self._sync_job(spec, build_trigger(spec, self.config, conn), now)
        finally:
            conn.close()

    def _sync_job(self, spec: JobSpec, trigger: BaseTrigger, now: datetime) -> None:
        assert self.scheduler is not None
        options = {
            "func": jobs.run_scheduled,  # the job store keeps its import path; the args name the runner and job
            "args": (self.runner.runner_id, spec.name),
            "name": spec.description or spec.name,
            "misfire_grace_time": spec.misfire_grace_s,
            "coalesce": spec.coalesce,
            "max_instances": 1,
        }
        fresh = trigger.get_next_fire_time(None, now)
        job = self.scheduler.get_job(spec.name)
        if job is None:
            self.scheduler.add_job(id=spec.name, trigger=trigger, next_run_time=fresh, **options)
            return
        due = job.next_run_time is not None and job.next_run_time <= now
        changes = dict(options, trigger=trigger)
        if not due:
            changes["next_run_time"] = fresh
        else:
            log.info("job %s: run due at %s is kept for catch-up", spec.name, job.next_run_time)
            if spec.coalesce:  # APScheduler runs (or misses) only the latest due run: report the others
                superseded = _due_run_times(trigger, job.next_run_time, now)[:-1]
                if superseded:
                    self.runner.record_missed(spec.name, superseded, reason="coalesced into the latest due run")
        self.scheduler.modify_job(spec.name, **changes)

    def _on_missed(self, event: JobExecutionEvent) -> None:
        self.runner.record_missed(event.job_id, [event.scheduled_run_time])

    def _on_executed(self, event: JobExecutionEvent) -> None:
        """After a non-event job (e.g. the data refresh) recompute the IPO-calendar jobs' days."""
        events = [s for s in self.specs if s.trigger.is_event]
        if not events or event.job_id in {s.name for s in events} or self.scheduler is None:
            return
        try:
            conn = open_store(self.config, self.now)
            try:
                now = self.now()
                for spec in events:
                    self._sync_job(spec, build_trigger(spec, self.config, conn), now)
            finally:
                conn.close()
        except Exception:
            log.exception("cannot refresh the IPO-calendar jobs after %s", event.job_id)

    def stop(self, *, wait: bool = True) -> None:
        """Stop the scheduler (waiting for running jobs) and release the lock."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.scheduler = None
        jobs.unregister(self.runner)
        if self.lock.is_locked:
            self.lock.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _due_run_times(trigger: BaseTrigger, first: datetime, now: datetime) -> list[datetime]:
    times: list[datetime] = []
    fire: datetime | None = first
    while fire is not None and fire <= now and len(times) < 1000:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return times


def lock_holder(config: Config) -> bool:
    """Whether some process holds the ``serve`` lock now."""
    lock = FileLock(str(config.schedule.lock_file))
    if not config.schedule.lock_file.exists():
        return False
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False
