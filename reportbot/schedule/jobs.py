"""Thin job wrappers: run a registered job, record the run, and never let an exception escape.

A failed, partly failed or missed run is recorded in the ``job_runs`` table and reported with one admin
message naming each failure. Targets come from the typed registry (:mod:`reportbot.schedule.registry`).
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reportbot.config import Config, read_secret
from reportbot.errors import ConfigError, DataError, ReportbotError
from reportbot.kinds import Clock, RunOutcome
from reportbot.pipeline.jobs import OUTCOME_ZH, JobFunc, JobResult
from reportbot.pipeline.manage import open_store
from reportbot.schedule.definitions import JobSpec
from reportbot.schedule.registry import JOBS
from reportbot.store import runs as run_store

log = logging.getLogger(__name__)
AdminNotify = Callable[[str], None]
_DETAIL_MAX = 500
_ADMIN_LINES = 20  # failures listed in one admin message
_RUNNERS: dict[str, JobRunner] = {}
STORE_FAILED_ZH = "数据库无法打开或已损坏，需要从备份恢复"


@dataclass(frozen=True)
class RunResult:
    """What one run did."""

    job: str
    outcome: RunOutcome  # ok | partial | failed
    detail: str = ""
    error: str = ""
    run_id: int | None = None


def default_admin_notifier(config: Config) -> AdminNotify:
    """Send admin messages with ``notify_admins``; log them instead when the bot or admin chats are not set up."""

    def send(text: str) -> None:
        if not config.telegram.admin_chat_ids:
            log.warning("admin message (no [telegram].admin_chat_ids configured): %s", text)
            return
        try:
            read_secret(config.telegram.token_env, config.telegram.token_file, "telegram token")
        except ConfigError as exc:
            log.warning("admin message (not sent: %s): %s", exc, text)
            return
        from reportbot.pipeline.management import notify_admins  # Telegram: only when a message goes out

        notify_admins(config, text)

    return send


class JobRunner:
    """Runs jobs by name with recording and failure reports; :meth:`run` never raises."""

    def __init__(
        self,
        config: Config,
        specs: Sequence[JobSpec],
        *,
        now: Clock,
        admin: AdminNotify | None = None,
        runner_id: str = "",
        registry: Mapping[str, JobFunc] = JOBS,
    ) -> None:
        """Set up for ``specs``; ``admin`` defaults to :func:`default_admin_notifier`."""
        self.config = config
        self.specs = {spec.name: spec for spec in specs}
        self.registry = registry
        self.now = now
        self.admin = admin or default_admin_notifier(config)
        self.runner_id = runner_id
        self.host = socket.gethostname()

    def run(self, name: str, *, kind: str = "scheduled") -> RunResult:
        """Run job ``name`` now; record start, end, outcome and error; report a failure to the admins."""
        conn: sqlite3.Connection | None = None
        run_id = None
        try:
            try:
                conn = open_store(self.config, self.now)
                run_id = run_store.start_run(conn, name, kind=kind, now=self.now(), host=self.host, pid=os.getpid())
                log.info("job %s: started (%s)", name, kind)
                result = self._call(name, conn)
            except Exception as exc:  # a job never lets an exception escape: it is recorded and reported
                error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, ReportbotError):  # the message says it all
                    log.error("job %s: failed: %s", name, error)  # noqa: TRY400 - a ReportbotError needs no traceback
                else:
                    log.exception("job %s: failed: %s", name, error)
                zh = STORE_FAILED_ZH if conn is None and isinstance(exc, DataError) else "运行出错，未能完成"
                result = JobResult(outcome=RunOutcome.FAILED, failures=(error,), failures_zh=(zh,))
            return self._conclude(name, conn, run_id, result)
        finally:
            if conn is not None:
                conn.close()

    def _conclude(self, name: str, conn: sqlite3.Connection | None, run_id: int | None, result: JobResult) -> RunResult:
        detail = _summarize(result.summary)
        error = _summarize("; ".join(result.failures))
        self._finish(conn, run_id, result.outcome, detail=detail, error=error)
        if result.outcome is RunOutcome.OK:
            log.info("job %s: ok %s", name, detail)
        elif result.admins_told:
            log.error("job %s: %s (the admins have the job's own report): %s", name, result.outcome, error)
        else:
            log.error("job %s: %s: %s", name, result.outcome, error)
            self.notify_admins(self._failure_text(name, result))
        return RunResult(name, result.outcome, detail=detail, error=error, run_id=run_id)

    def _failure_text(self, name: str, result: JobResult) -> str:
        """The admins' message about a failed run: Chinese lines only (the English detail is in the log)."""
        zh = result.failures_zh or (f"{len(result.failures)} 项失败",)
        shown = zh[:_ADMIN_LINES]
        more = len(zh) - len(shown)
        lines = "\n".join([f"- {f}" for f in shown] + ([f"- ……另有 {more} 项"] if more else []))
        when = f"{self.now():%Y-%m-%d %H:%M}"
        head = f"⚠️ reportbot 任务 {name} {OUTCOME_ZH[result.outcome]}（{when} 北京时间）"
        return f"{head}：\n{lines}\n详细原因见服务日志与运行记录。"

    def record_missed(self, name: str, scheduled: Sequence[datetime], *, reason: str = "") -> None:
        """Record runs that will not be made, and report them in one admin message (never raises).

        ``reason`` defaults to "more than the misfire grace late".
        """
        if not scheduled:
            return
        spec = self.specs.get(name)
        grace = spec.misfire_grace_s if spec else 0
        detail = reason or f"more than the misfire grace ({grace} s) late; not run"
        log.warning("job %s: missed %s: %s", name, ", ".join(t.isoformat() for t in scheduled), detail)
        try:
            conn = open_store(self.config, self.now)
            try:
                for when in scheduled:
                    run_store.record_missed(
                        conn, name, scheduled_at=when, now=self.now(), detail=detail, host=self.host, pid=os.getpid()
                    )
            finally:
                conn.close()
        except Exception:
            log.exception("job %s: cannot record the missed runs", name)
        zone = self.now().tzinfo
        times = "、".join(f"{t.astimezone(zone):%Y-%m-%d %H:%M}" for t in scheduled)
        why = "已由最近一次补跑代替" if reason else f"超过补跑宽限 {grace} 秒，未执行"
        self.notify_admins(f"⚠️ reportbot 任务 {name} 错过了 {times}（北京时间）的运行：{why}。")

    def notify_admins(self, text: str) -> None:
        """Send one admin message; a failure to send is logged, never raised."""
        try:
            self.admin(text)
        except Exception:
            log.exception("cannot send admin message: %s", text)

    def _call(self, name: str, conn: sqlite3.Connection) -> JobResult:
        spec = self.specs.get(name)
        if spec is None:
            raise ConfigError(f"job {name!r} is not defined in {self.config.schedule.directory}")
        func = self.registry.get(spec.target)
        if func is None:
            raise ConfigError(f"job {name!r}: unknown job function {spec.target!r}")
        result = func(self.config, conn, self.now)
        if spec.notify_result == "admins" and result.admin_text:
            self.admin(result.admin_text)  # a failure to send fails the run: the summary did not reach anyone
        return result

    def _finish(
        self,
        conn: sqlite3.Connection | None,
        run_id: int | None,
        outcome: RunOutcome,
        *,
        detail: str = "",
        error: str = "",
    ) -> None:
        if conn is None or run_id is None:
            return
        try:
            run_store.finish_run(conn, run_id, outcome=outcome, now=self.now(), detail=detail, error=error)
        except Exception:
            log.exception("cannot record the end of run %s", run_id)


def register(runner: JobRunner) -> None:
    """Make ``runner`` reachable from jobs in the persistent store (which hold only its id)."""
    _RUNNERS[runner.runner_id] = runner


def unregister(runner: JobRunner) -> None:
    """Forget ``runner``."""
    _RUNNERS.pop(runner.runner_id, None)


def run_scheduled(runner_id: str, name: str) -> str:
    """The function APScheduler calls (its job store keeps the import path of this module-level function)."""
    runner = _RUNNERS.get(runner_id)
    if runner is None:
        log.error("job %s: no active runner %s in this process; not run", name, runner_id)
        return "no runner"
    return runner.run(name).outcome


def _summarize(text: str) -> str:
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"
