"""Market data: 北证50 daily K-lines, margin balance, monthly market statistics, dated news points.

Empty on a fresh machine except the news points bundled with the package; live sources fill the rest.
Readers get plain records and must show 暂缺 when a figure is absent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from reportbot.domain import BSE50_LAUNCH
from reportbot.errors import DataError
from reportbot.marketdata import IndexBar, MarginBalance, MarketFigure, MarketPoint
from reportbot.store.ipos import UpsertResult

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
    return [
        MarketFigure(
            month=r["month"],
            metric=r["metric"],
            value=float(r["value"]),
            unit=r["unit"],
            source=r["source"],
            as_of=date.fromisoformat(r["as_of"]),
        )
        for r in rows
    ]


def market_points(conn: sqlite3.Connection, start: date | None = None, end: date | None = None) -> list[MarketPoint]:
    """Dated news figures in ``[start, end]``, oldest first."""
    rows = conn.execute(
        "SELECT * FROM market_points WHERE day >= ? AND day <= ? ORDER BY day, metric",
        ((start or date.min).isoformat(), (end or date.max).isoformat()),
    )
    return [
        MarketPoint(
            day=date.fromisoformat(r["day"]),
            metric=r["metric"],
            value=float(r["value"]),
            unit=r["unit"],
            source=r["source"],
            note=r["note"],
        )
        for r in rows
    ]


def margin_series(conn: sqlite3.Connection) -> list[MarginBalance]:
    """Stored daily margin balances (CNY), oldest first."""
    rows = conn.execute("SELECT * FROM margin_daily ORDER BY day")
    return [
        MarginBalance(
            day=date.fromisoformat(r["day"]),
            financing_balance=r["financing_balance"],
            margin_balance_total=float(r["margin_balance_total"]),
        )
        for r in rows
    ]


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
    """Insert new bars and update revised ones (call inside a transaction)."""
    counts = [0, 0, 0]
    for bar in bars:
        if bar.code == BSE50 and bar.day < BSE50_LAUNCH:
            raise DataError(f"index_daily: {BSE50} bar of {bar.day} is before the index existed ({BSE50_LAUNCH})")
        values = {
            "open": bar.open,
            "close": bar.close,
            "high": bar.high,
            "low": bar.low,
            "volume": bar.volume,
            "amount": bar.amount,
            "source": source,
        }
        counts[upsert_row(conn, "index_daily", {"code": bar.code, "day": bar.day.isoformat()}, values)] += 1
    return UpsertResult(*counts)


def upsert_margins(conn: sqlite3.Connection, margins: Iterable[MarginBalance], *, source: str) -> UpsertResult:
    """Insert new daily margin balances and update revised ones (call inside a transaction)."""
    counts = [0, 0, 0]
    for m in margins:
        values = {
            "financing_balance": m.financing_balance,
            "margin_balance_total": m.margin_balance_total,
            "source": source,
        }
        counts[upsert_row(conn, "margin_daily", {"day": m.day.isoformat()}, values)] += 1
    return UpsertResult(*counts)


def upsert_monthly(conn: sqlite3.Connection, figures: Iterable[MarketFigure]) -> UpsertResult:
    """Store monthly statistics, one row per month × metric (call inside a transaction)."""
    counts = [0, 0, 0]
    for f in figures:
        values = {"value": f.value, "unit": f.unit, "source": f.source, "as_of": f.as_of.isoformat()}
        counts[upsert_row(conn, "market_monthly", {"month": f.month, "metric": f.metric}, values)] += 1
    return UpsertResult(*counts)


def upsert_points(conn: sqlite3.Connection, points: Iterable[MarketPoint]) -> UpsertResult:
    """Store dated news figures keyed on day × metric × source (idempotent)."""
    counts = [0, 0, 0]
    for p in points:
        keys = {"day": p.day.isoformat(), "metric": p.metric, "source": p.source}
        counts[upsert_row(conn, "market_points", keys, {"value": p.value, "unit": p.unit, "note": p.note})] += 1
    return UpsertResult(*counts)


def upsert_row(conn: sqlite3.Connection, table: str, keys: Mapping[str, Any], values: Mapping[str, Any]) -> int:
    """Insert or update one row of a keyed table: 0 inserted, 1 updated, 2 unchanged."""
    where = " AND ".join(f"{k} = ?" for k in keys)
    old = conn.execute(f"SELECT * FROM {table} WHERE {where}", list(keys.values())).fetchone()
    if old is None:
        cols = [*keys, *values]
        conn.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [*keys.values(), *values.values()],
        )
        return 0
    if all(old[k] == v for k, v in values.items()):
        return 2
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*values.values(), *keys.values()])
    return 1


def all_monthly(conn: sqlite3.Connection) -> list[MarketFigure]:
    """Every stored monthly statistic, by month then metric."""
    months = [r[0] for r in conn.execute("SELECT DISTINCT month FROM market_monthly ORDER BY month")]
    return [f for m in months for f in monthly_figures(conn, m)]
