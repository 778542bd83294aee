"""Scheduled jobs as use cases: each takes (config, conn, clock) and returns a :class:`JobResult`.

A job's outcome tells the truth: a source or a delivery that failed makes the run ``partial`` (部分失败)
or ``failed`` (失败), with one line per failure, never ``ok``. Heavy layers (the model, WeasyPrint,
Telegram) are imported inside the job that needs them (call-time imports), so listing the jobs stays light.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reportbot.config import Config
from reportbot.kinds import Clock, Event, Month, RunOutcome, Segment
from reportbot.pipeline.delivery_common import DeliverySummary
from reportbot.pipeline.manage import data_as_of
from reportbot.store import db
from reportbot.store import ipos as ipo_store
from reportbot.store import runs as run_store
from reportbot.tradingcal import TradingCalendar, calendar_end_warning, calendar_for

OUTCOME_ZH: dict[RunOutcome, str] = {
    RunOutcome.OK: "成功",
    RunOutcome.PARTIAL: "部分失败",
    RunOutcome.FAILED: "失败",
    RunOutcome.MISSED: "错过",
    RunOutcome.INTERRUPTED: "中断",
    RunOutcome.RUNNING: "运行中",
}


@dataclass(frozen=True, kw_only=True)
class JobResult:
    """What one job run did: its outcome, a one-line summary and one line per failure."""

    outcome: RunOutcome = RunOutcome.OK
    summary: str = ""
    failures: tuple[str, ...] = ()  # English, for the log and the run record
    failures_zh: tuple[str, ...] = ()  # the same failures in Chinese, for the admin chats (detail stays in the log)
    admin_text: str = ""  # sent to the admin chats when the job has notify_result = "admins"
    admins_told: bool = False  # the job already sent the admins its own report of the failures

    @classmethod
    def from_parts(
        cls, summary: str, failures: Sequence[str], succeeded: int, failures_zh: Sequence[str] = ()
    ) -> JobResult:
        """``ok`` without failures, ``partial`` when something also succeeded, else ``failed``."""
        if not failures:
            return cls(summary=summary)
        outcome = RunOutcome.PARTIAL if succeeded else RunOutcome.FAILED
        return cls(outcome=outcome, summary=summary, failures=tuple(failures), failures_zh=tuple(failures_zh))


JobFunc = Callable[[Config, sqlite3.Connection, Clock], JobResult]


def refresh(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Fetch every live source and recompute the monthly statistics; each failing source is a failure."""
    from reportbot.pipeline import fetch  # the sources: only for the refresh job
    from reportbot.sources.registry import get_source

    summary = fetch.refresh(config, conn, now)
    ok = [o.source for o in summary.outcomes if o.ok]
    text = f"sources ok: {', '.join(ok) or 'none'}; monthly statistics changed: {summary.monthly_changed}"
    failures = [o.error or f"{o.source}: failed" for o in summary.failed]
    zh = [f"数据源“{get_source(o.source).title}”获取失败，库中保留上次的数据" for o in summary.failed]
    return JobResult.from_parts(text, failures, len(ok), zh)


def _alerts(config: Config, conn: sqlite3.Connection, now: Clock, event: Event) -> JobResult:
    from reportbot.pipeline import delivery  # Telegram: only for a job that sends

    result = _delivery_result(delivery.send_alerts(config, conn, now, event=event))
    return dataclasses.replace(result, admins_told=True)  # send_alerts reports what it left undelivered


def alerts_eve(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """The evening alert before each subscription day."""
    return _alerts(config, conn, now, Event.EVE)


def alerts_morning(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """The morning alert on each subscription day."""
    return _alerts(config, conn, now, Event.MORNING)


def alerts_result(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """The alert on each result day."""
    return _alerts(config, conn, now, Event.RESULT)


def alerts_listing(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """The alert on each listing day."""
    return _alerts(config, conn, now, Event.LISTING)


def monthly_report(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Render and deliver the report of the last completed calendar month (whatever the data holds)."""
    from reportbot.pipeline.management import deliver_monthly_report  # WeasyPrint, Telegram: only here

    month = Month.of(now().date()).previous()
    result = _delivery_result(deliver_monthly_report(config, conn, now, str(month)))
    return JobResult(outcome=result.outcome, summary=f"month {month}: {result.summary}", failures=result.failures)


def model_refit(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Refit the walk-forward model and summarise it."""
    from reportbot.pipeline.modeling import refit  # statsmodels: only for the refit job

    return JobResult(summary=refit(config, conn, now()))


def backup(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Copy the database with SQLite's online backup and keep the newest ``[backup].keep`` copies."""
    made = db.backup_database(conn, config.backup.directory, now(), keep=config.backup.keep)
    return JobResult(summary=f"backup {made.path} ({made.size_bytes} bytes); removed {len(made.removed)} old")


def deliveries_resume(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Resume deliveries that interrupted or failed runs left (while timely); expire the late ones."""
    from reportbot.pipeline import delivery  # Telegram: only for a job that sends

    summaries = delivery.resume(config, conn, now)
    results = [_delivery_result(s) for s in summaries]
    text = "; ".join(r.summary for r in results) or "nothing to resume"
    result = JobResult.from_parts(text, [f for r in results for f in r.failures], sum(s.sent for s in summaries))
    return dataclasses.replace(result, admins_told=True)  # resume reports what it left undelivered


def deliveries_prune(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Delete delivery ledger rows older than ``[delivery].retention_days``."""
    from reportbot.pipeline import delivery  # Telegram: only for a job that sends

    return JobResult(summary=delivery.prune_job(config, conn, now))


def _delivery_result(summary: DeliverySummary) -> JobResult:
    """Failed, in-doubt and expired deliveries are failures of the run (one line each)."""
    failures = list(summary.failures) or ([f"{summary.failed} deliveries failed"] if summary.failed else [])
    doubts = [f"in doubt, not resent: {d}" for d in summary.doubts]
    failures += doubts or ([f"{summary.in_doubt} deliveries in doubt, not resent"] if summary.in_doubt else [])
    failures += [f"expired, not sent: {e}" for e in summary.expirations]
    counts = (
        (summary.failed, "发送失败"),
        (summary.in_doubt, "未确认送达（未重发）"),
        (summary.expired, "已过期未发送"),
    )
    zh = [f"{n} 条消息{what}" for n, what in counts if n]
    return JobResult.from_parts(summary.line(), failures, summary.sent, zh or ["发送未完成"])


def event_days(conn: sqlite3.Connection, cal: TradingCalendar, anchors: Sequence[tuple[str, int]]) -> list[date]:
    """Days derived from the stored BSE IPO calendar.

    For each IPO the first anchor it has (e.g. ``("apply_date", -1)``: the previous trading day of the
    subscription day) gives one day; offsets count trading days.
    """
    days = set()
    for ipo in ipo_store.list_ipos(conn, segment=Segment.BSE):
        for field, offset in anchors:
            value = getattr(ipo, field)
            if value is not None:
                days.add(cal.add_trading_days(value, offset) if offset else value)
                break
    return sorted(days)


def health_summary(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """The daily health summary for the admin chats (Chinese): data, calendar and last day's job runs."""
    stamp = now()
    as_of = data_as_of(conn)
    lines = [f"reportbot 运行日报 {stamp:%Y-%m-%d %H:%M}（北京时间）"]
    lines.append(f"数据截至：{as_of.isoformat() if as_of else '暂缺（库中没有数据集）'}")
    lines += _calendar_lines(calendar_for(config), stamp.date())
    recent = [r for r in run_store.runs_since(conn, stamp - timedelta(hours=24)) if r.outcome != RunOutcome.RUNNING]
    counts: dict[RunOutcome, int] = {}
    for run in recent:
        counts[run.outcome] = counts.get(run.outcome, 0) + 1
    summary = "，".join(f"{OUTCOME_ZH[k]} {v}" for k, v in sorted(counts.items())) or "无"
    lines.append(f"过去 24 小时任务运行：{summary}")
    # the runs' error texts are English and stay in the log and the run records (status shows them)
    lines += [
        f"- {r.job} {OUTCOME_ZH[r.outcome]}（{r.started_at:%m-%d %H:%M}）" for r in recent if r.outcome.is_problem
    ]
    text = "\n".join(lines)
    return JobResult(summary=f"health summary, {len(recent)} runs in 24 h", admin_text=text)


def _calendar_lines(cal: TradingCalendar, day: date) -> list[str]:
    next_day = cal.next_trading_day(day)
    note = "（交易日历库数据之外，按工作日暂定）" if cal.is_provisional(next_day) else ""
    lines = [f"今天{'是' if cal.is_trading_day(day) else '不是'}交易日；下一个交易日：{next_day.isoformat()}{note}"]
    warning = calendar_end_warning(cal, day)
    return [*lines, f"⚠️ {warning}"] if warning else lines
