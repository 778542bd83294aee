"""Market data: 北证50 daily K-lines, margin balance, monthly market statistics, dated news points.

Empty on a fresh machine except the news points bundled with the package; live sources fill the rest.
Readers get plain records and must show 暂缺 when a figure is absent.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from reportbot.domain import MarketFigure, MarketPoint

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
