"""Job targets for the scheduler tests (real functions with the job signature, not mocks)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reportbot.config import Config

CALLS: list[tuple[str, datetime]] = []


def ok(config: Config, conn: sqlite3.Connection, now: Callable[[], datetime], **kwargs: Any) -> str:
    """Succeed, remembering when (in this process)."""
    CALLS.append((str(kwargs.get("tag", "ok")), now()))
    return f"ok {kwargs.get('tag', '')}".strip()


def boom(config: Config, conn: sqlite3.Connection, now: Callable[[], datetime], **kwargs: Any) -> None:
    """Fail the way a real job can."""
    CALLS.append(("boom", now()))
    raise RuntimeError("boom: the source returned nothing")


def summary(config: Config, conn: sqlite3.Connection, now: Callable[[], datetime], **kwargs: Any) -> str:
    """Return a text for the admins."""
    return f"日报 {now():%Y-%m-%d}"


def add_ipo(config: Config, conn: sqlite3.Connection, now: Callable[[], datetime], **kwargs: Any) -> str:
    """A stand-in data refresh: store one synthetic IPO subscribing on ``kwargs['apply_date']``."""
    from datetime import date

    from reportbot.domain import Ipo
    from reportbot.store import db
    from reportbot.store import ipos as ipo_store

    ipo = Ipo(code="929999", name="测试样本", apply_date=date.fromisoformat(kwargs["apply_date"]))
    with db.transaction(conn):
        ipo_store.upsert_ipos(conn, [ipo], source="test", now=now())
    return "added 929999"
