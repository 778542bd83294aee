"""BSE market statistics from the live feeds: daily totals, spot snapshots, listed companies, review states.

Every table keeps the source that wrote each row. Readers get plain records; absent data stays absent.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from datetime import date

from reportbot.marketdata import IndustryReturn, ListedCompany, MarketDay, ReviewState, StockQuote
from reportbot.store.ipos import UpsertResult
from reportbot.store.records import read_records, upsert_records

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS market_daily ("
    " day TEXT PRIMARY KEY, turnover REAL NOT NULL, volume REAL NOT NULL, total_market_cap REAL,"
    " float_market_cap REAL, listed_companies INTEGER, source TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stock_snapshots ("
    " day TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, price REAL, change_pct REAL, amount REAL,"
    " pe REAL, total_cap REAL, float_cap REAL, source TEXT NOT NULL, PRIMARY KEY (day, code))",
    "CREATE TABLE IF NOT EXISTS listed_companies ("
    " code TEXT PRIMARY KEY, name TEXT NOT NULL, listing_date TEXT, total_shares REAL, float_shares REAL,"
    " industry TEXT, region TEXT, source TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS review_states ("
    " org TEXT NOT NULL, state TEXT NOT NULL, update_date TEXT NOT NULL, company TEXT NOT NULL,"
    " accept_date TEXT, industry TEXT, source TEXT NOT NULL, PRIMARY KEY (org, state, update_date))",
    "CREATE TABLE IF NOT EXISTS industry_monthly ("
    " month TEXT NOT NULL, industry TEXT NOT NULL, return_pct REAL NOT NULL, stocks INTEGER NOT NULL,"
    " as_of TEXT NOT NULL, PRIMARY KEY (month, industry))",
)


def upsert_days(conn: sqlite3.Connection, days: Iterable[MarketDay], *, source: str) -> UpsertResult:
    """Insert or revise daily market totals (call inside a transaction)."""
    return upsert_records(conn, "market_daily", days, keys=("day",), source=source)


def upsert_quotes(conn: sqlite3.Connection, quotes: Iterable[StockQuote], *, source: str) -> UpsertResult:
    """Store a spot snapshot, one row per day × stock (call inside a transaction)."""
    return upsert_records(conn, "stock_snapshots", quotes, keys=("day", "code"), source=source)


def upsert_companies(conn: sqlite3.Connection, companies: Iterable[ListedCompany], *, source: str) -> UpsertResult:
    """Insert or revise listed companies (call inside a transaction)."""
    return upsert_records(conn, "listed_companies", companies, keys=("code",), source=source)


def upsert_reviews(conn: sqlite3.Connection, states: Iterable[ReviewState], *, source: str) -> UpsertResult:
    """Keep every (company, state, day) ever seen: the history the month's transitions are counted from."""
    return upsert_records(conn, "review_states", states, keys=("org", "state", "update_date"), source=source)


def replace_industry_returns(conn: sqlite3.Connection, rows: Iterable[IndustryReturn]) -> UpsertResult:
    """Store the computed industry month returns (call inside a transaction)."""
    rounded = (dataclasses.replace(r, return_pct=round(r.return_pct, 6)) for r in rows)
    return upsert_records(conn, "industry_monthly", rounded, keys=("month", "industry"))


def market_days(conn: sqlite3.Connection) -> list[MarketDay]:
    """Every stored daily total, oldest first."""
    return read_records(MarketDay, conn.execute("SELECT * FROM market_daily ORDER BY day"))


def last_market_day(conn: sqlite3.Connection) -> date | None:
    """The newest stored daily total."""
    day = conn.execute("SELECT MAX(day) FROM market_daily").fetchone()[0]
    return None if day is None else date.fromisoformat(day)


def snapshot_days(conn: sqlite3.Connection) -> list[date]:
    """The days with a stored spot snapshot, oldest first."""
    return [date.fromisoformat(r[0]) for r in conn.execute("SELECT DISTINCT day FROM stock_snapshots ORDER BY day")]


def snapshot(conn: sqlite3.Connection, day: date) -> list[StockQuote]:
    """The stored spot snapshot of one day."""
    rows = conn.execute("SELECT * FROM stock_snapshots WHERE day = ? ORDER BY code", (day.isoformat(),))
    return read_records(StockQuote, rows)


def companies(conn: sqlite3.Connection) -> list[ListedCompany]:
    """Every stored listed company, by code."""
    return read_records(ListedCompany, conn.execute("SELECT * FROM listed_companies ORDER BY code"))


def review_history(conn: sqlite3.Connection) -> list[ReviewState]:
    """Every stored (company, state, day), oldest first."""
    return read_records(ReviewState, conn.execute("SELECT * FROM review_states ORDER BY update_date, org, state"))


def industry_returns(conn: sqlite3.Connection, month: str) -> list[IndustryReturn]:
    """The stored industry returns of one month (YYYY-MM), best first."""
    rows = conn.execute("SELECT * FROM industry_monthly WHERE month = ? ORDER BY return_pct DESC", (month,))
    return read_records(IndustryReturn, rows)


def count_industry_returns(conn: sqlite3.Connection) -> int:
    """Stored industry × month returns."""
    return int(conn.execute("SELECT COUNT(*) FROM industry_monthly").fetchone()[0])
