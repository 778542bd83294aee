"""Market data: 北证50 daily K-lines, margin balance, monthly market statistics, dated news points.

Empty on a fresh machine except the news points bundled with the package; live sources fill the rest.
Readers get plain records and must show 暂缺 when a figure is absent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date

from reportbot.domain import BSE50_LAUNCH
from reportbot.errors import DataError
from reportbot.marketdata import IndexBar, MarginBalance, MarketFigure, MarketPoint
from reportbot.store.ipos import UpsertResult
from reportbot.store.records import read_records, upsert_records

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS index_daily ("
    " code TEXT NOT NULL, day TEXT NOT NULL, open REAL, close REAL NOT NULL, high REAL, low REAL,"
    " volume REAL, amount REAL, source TEXT NOT NULL, PRIMARY KEY (code, day))",
    "CREATE TABLE IF NOT EXISTS margin_daily ("
    " day TEXT PRIMARY KEY, financing_balance REAL, margin_balance_total REAL NOT NULL, source TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS market_monthly ("
    " month TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,"
    " source TEXT NOT NULL, as_of TEXT NOT NULL, PRIMARY KEY (month, metric))",
    "CREATE TABLE IF NOT EXISTS market_points ("
    " day TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,"
    " source TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', PRIMARY KEY (day, metric, source))",
)

BSE50 = "899050"


def index_series(conn: sqlite3.Connection, code: str = BSE50) -> list[tuple[date, float]]:
    """Daily closes of an index, oldest first (empty when never fetched)."""
    rows = conn.execute("SELECT day, close FROM index_daily WHERE code = ? ORDER BY day", (code,))
    return [(date.fromisoformat(r[0]), float(r[1])) for r in rows]


def monthly_figures(conn: sqlite3.Connection, month: str) -> list[MarketFigure]:
    """All stored statistics of one month (YYYY-MM)."""
    rows = conn.execute("SELECT * FROM market_monthly WHERE month = ? ORDER BY metric", (month,))
    return read_records(MarketFigure, rows)


def market_points(conn: sqlite3.Connection, start: date | None = None, end: date | None = None) -> list[MarketPoint]:
    """Dated news figures in ``[start, end]``, oldest first."""
    rows = conn.execute(
        "SELECT * FROM market_points WHERE day >= ? AND day <= ? ORDER BY day, metric",
        ((start or date.min).isoformat(), (end or date.max).isoformat()),
    )
    return read_records(MarketPoint, rows)


def margin_series(conn: sqlite3.Connection) -> list[MarginBalance]:
    """Stored daily margin balances (CNY), oldest first."""
    return read_records(MarginBalance, conn.execute("SELECT * FROM margin_daily ORDER BY day"))


def index_amounts(conn: sqlite3.Connection, code: str = BSE50) -> dict[date, float]:
    """Daily traded amount (CNY) of an index's constituents, where the source gave it."""
    rows = conn.execute("SELECT day, amount FROM index_daily WHERE code = ? AND amount IS NOT NULL", (code,))
    return {date.fromisoformat(r[0]): float(r[1]) for r in rows}


def last_index_day(conn: sqlite3.Connection, code: str = BSE50) -> date | None:
    """The newest stored bar of an index."""
    row = conn.execute("SELECT MAX(day) FROM index_daily WHERE code = ?", (code,)).fetchone()
    return date.fromisoformat(row[0]) if row[0] else None


def last_margin_day(conn: sqlite3.Connection) -> date | None:
    """The newest stored margin balance."""
    row = conn.execute("SELECT MAX(day) FROM margin_daily").fetchone()
    return date.fromisoformat(row[0]) if row[0] else None


def upsert_index_bars(conn: sqlite3.Connection, bars: Iterable[IndexBar], *, source: str) -> UpsertResult:
    """Insert new bars and update revised ones (call inside a transaction).

    Raises:
        DataError: a 北证50 bar dated before the index was first published.
    """
    bars = list(bars)
    for bar in bars:
        if bar.code == BSE50 and bar.day < BSE50_LAUNCH:
            raise DataError(f"index_daily: {BSE50} bar of {bar.day} is before the index existed ({BSE50_LAUNCH})")
    return upsert_records(conn, "index_daily", bars, keys=("code", "day"), source=source)


def upsert_margins(conn: sqlite3.Connection, margins: Iterable[MarginBalance], *, source: str) -> UpsertResult:
    """Insert new daily margin balances and update revised ones (call inside a transaction)."""
    return upsert_records(conn, "margin_daily", margins, keys=("day",), source=source)


def upsert_monthly(conn: sqlite3.Connection, figures: Iterable[MarketFigure]) -> UpsertResult:
    """Store monthly statistics, one row per month × metric (call inside a transaction)."""
    return upsert_records(conn, "market_monthly", figures, keys=("month", "metric"))


def upsert_points(conn: sqlite3.Connection, points: Iterable[MarketPoint]) -> UpsertResult:
    """Store dated news figures keyed on day × metric × source (idempotent)."""
    return upsert_records(conn, "market_points", points, keys=("day", "metric", "source"))


def all_monthly(conn: sqlite3.Connection) -> list[MarketFigure]:
    """Every stored monthly statistic, by month then metric."""
    months = [r[0] for r in conn.execute("SELECT DISTINCT month FROM market_monthly ORDER BY month")]
    return [f for m in months for f in monthly_figures(conn, m)]
