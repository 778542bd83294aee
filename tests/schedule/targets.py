"""Job functions for the scheduler tests: real functions with the registry's signature, not mocks."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime

from reportbot.config import Config
from reportbot.domain import Ipo
from reportbot.pipeline.jobs import JobFunc, JobResult
from reportbot.store import db
from reportbot.store import ipos as ipo_store

Clock = Callable[[], datetime]
CALLS: list[tuple[str, datetime]] = []


def _ok(tag: str) -> JobFunc:
    def run(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
        CALLS.append((tag, now()))
        return JobResult(summary=f"ok {tag}")

    return run


def boom(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Fail the way a real job can."""
    CALLS.append(("boom", now()))
    raise RuntimeError("boom: the source returned nothing")


def partial(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Report that one of two parts failed."""
    CALLS.append(("partial", now()))
    return JobResult.from_parts("one of two", ["src_b: HTTP 503"], succeeded=1)


def summary(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """Return a text for the admins."""
    return JobResult(summary="summary", admin_text=f"日报 {now():%Y-%m-%d}")


def add_ipo(config: Config, conn: sqlite3.Connection, now: Clock) -> JobResult:
    """A stand-in data refresh: store one synthetic IPO subscribing on 2026-10-08."""
    ipo = Ipo(code="929999", name="测试样本", apply_date=date(2026, 10, 8))
    with db.transaction(conn):
        ipo_store.upsert_ipos(conn, [ipo], source="test", now=now())
    return JobResult(summary="added 929999")


REGISTRY: dict[str, JobFunc] = {
    "ok": _ok("ok"),
    "daily": _ok("daily"),
    "monthly": _ok("monthly"),
    "eve": _ok("eve"),
    "boom": boom,
    "partial": partial,
    "summary": summary,
    "add-ipo": add_ipo,
}
