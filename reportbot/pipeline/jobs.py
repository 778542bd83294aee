"""Orchestration for scheduled jobs: IPO-calendar event days and the daily health summary."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from reportbot.config import Config
from reportbot.domain import SEGMENT_BSE
from reportbot.pipeline import calendar_for, data_as_of
from reportbot.store import ipos as ipo_store
from reportbot.store import runs as run_store
from reportbot.tradingcal import TradingCalendar

Clock = Callable[[], datetime]
OUTCOME_ZH = {"ok": "成功", "failed": "失败", "missed": "错过", "running": "运行中"}


def event_days(conn: sqlite3.Connection, cal: TradingCalendar, anchors: Sequence[tuple[str, int]]) -> list[date]:
    """Days derived from the stored BSE IPO calendar.

    For each IPO the first anchor it has (e.g. ``("apply_date", -1)``: the previous trading day of the
    subscription day) gives one day; offsets count trading days.
    """
    days = set()
    for ipo in ipo_store.list_ipos(conn, segment=SEGMENT_BSE):
        for field, offset in anchors:
            value = getattr(ipo, field)
            if value is not None:
                days.add(cal.add_trading_days(value, offset) if offset else value)
                break
    return sorted(days)


def health_summary(config: Config, conn: sqlite3.Connection, now: Clock) -> str:
    """The daily health summary for the admin chats (Chinese): data freshness and last day's job runs."""
    stamp = now()
    cal = calendar_for(config)
    as_of, _ = data_as_of(conn)
    day = stamp.date()
    lines = [f"reportbot 运行日报 {stamp:%Y-%m-%d %H:%M}（北京时间）"]
    lines.append(f"数据截至：{as_of.isoformat() if as_of else '暂缺（库中没有数据集）'}")
    next_day = cal.next_trading_day(day)
    note = "（交易日历库数据之外，按工作日暂定）" if cal.is_provisional(next_day) else ""
    lines.append(f"今天{'是' if cal.is_trading_day(day) else '不是'}交易日；下一个交易日：{next_day.isoformat()}{note}")
    recent = [r for r in run_store.runs_since(conn, stamp - timedelta(hours=24)) if r.outcome != "running"]
    counts: dict[str, int] = {}
    for run in recent:
        counts[run.outcome] = counts.get(run.outcome, 0) + 1
    summary = "，".join(f"{OUTCOME_ZH.get(k, k)} {v}" for k, v in sorted(counts.items())) or "无"
    lines.append(f"过去 24 小时任务运行：{summary}")
    for run in recent:
        if run.outcome in ("failed", "missed"):
            lines.append(
                f"- {run.job} {OUTCOME_ZH[run.outcome]}（{run.started_at:%m-%d %H:%M}）：{run.error or run.detail}"
            )
    return "\n".join(lines)
