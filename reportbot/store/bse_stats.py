"""BSE market statistics from the live feeds: daily totals, spot snapshots, listed companies, review states.

Every table keeps the source that wrote each row. Readers get plain records; absent data stays absent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date

from reportbot.marketdata import IndustryReturn, ListedCompany, MarketDay, ReviewState, StockQuote
from reportbot.store.ipos import UpsertResult
from reportbot.store.market import upsert_row

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


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def upsert_days(conn: sqlite3.Connection, days: Iterable[MarketDay], *, source: str) -> UpsertResult:
    """Insert or revise daily market totals (call inside a transaction)."""
    counts = [0, 0, 0]
    for d in days:
        values = {
            "turnover": d.turnover,
            "volume": d.volume,
            "total_market_cap": d.total_market_cap,
            "float_market_cap": d.float_market_cap,
            "listed_companies": d.listed_companies,
            "source": source,
        }
        counts[upsert_row(conn, "market_daily", {"day": d.day.isoformat()}, values)] += 1
    return UpsertResult(*counts)


def upsert_quotes(conn: sqlite3.Connection, quotes: Iterable[StockQuote], *, source: str) -> UpsertResult:
    """Store a spot snapshot, one row per day × stock (call inside a transaction)."""
    counts = [0, 0, 0]
    for q in quotes:
        values = {
            "name": q.name,
            "price": q.price,
            "change_pct": q.change_pct,
            "amount": q.amount,
            "pe": q.pe,
            "total_cap": q.total_cap,
            "float_cap": q.float_cap,
            "source": source,
        }
        counts[upsert_row(conn, "stock_snapshots", {"day": q.day.isoformat(), "code": q.code}, values)] += 1
    return UpsertResult(*counts)


def upsert_companies(conn: sqlite3.Connection, companies: Iterable[ListedCompany], *, source: str) -> UpsertResult:
    """Insert or revise listed companies (call inside a transaction)."""
    counts = [0, 0, 0]
    for c in companies:
        values = {
            "name": c.name,
            "listing_date": _iso(c.listing_date),
            "total_shares": c.total_shares,
            "float_shares": c.float_shares,
            "industry": c.industry,
            "region": c.region,
            "source": source,
        }
        counts[upsert_row(conn, "listed_companies", {"code": c.code}, values)] += 1
    return UpsertResult(*counts)


def upsert_reviews(conn: sqlite3.Connection, states: Iterable[ReviewState], *, source: str) -> UpsertResult:
    """Keep every (company, state, day) ever seen: the history the month's transitions are counted from."""
    counts = [0, 0, 0]
    for s in states:
        keys = {"org": s.org, "state": s.state, "update_date": s.update_date.isoformat()}
        values = {"company": s.company, "accept_date": _iso(s.accept_date), "industry": s.industry, "source": source}
        counts[upsert_row(conn, "review_states", keys, values)] += 1
    return UpsertResult(*counts)


def replace_industry_returns(conn: sqlite3.Connection, rows: Iterable[IndustryReturn]) -> UpsertResult:
    """Store the computed industry month returns (call inside a transaction)."""
    counts = [0, 0, 0]
    for r in rows:
        values = {"return_pct": round(r.return_pct, 6), "stocks": r.stocks, "as_of": r.as_of.isoformat()}
        counts[upsert_row(conn, "industry_monthly", {"month": r.month, "industry": r.industry}, values)] += 1
    return UpsertResult(*counts)


def market_days(conn: sqlite3.Connection) -> list[MarketDay]:
    """Every stored daily total, oldest first."""
    return [
        MarketDay(
            day=date.fromisoformat(r["day"]),
            turnover=float(r["turnover"]),
            volume=float(r["volume"]),
            total_market_cap=r["total_market_cap"],
            float_market_cap=r["float_market_cap"],
            listed_companies=r["listed_companies"],
        )
        for r in conn.execute("SELECT * FROM market_daily ORDER BY day")
    ]


def last_market_day(conn: sqlite3.Connection) -> date | None:
    """The newest stored daily total."""
    return _day(conn.execute("SELECT MAX(day) FROM market_daily").fetchone()[0])


def snapshot_days(conn: sqlite3.Connection) -> list[date]:
    """The days with a stored spot snapshot, oldest first."""
    return [date.fromisoformat(r[0]) for r in conn.execute("SELECT DISTINCT day FROM stock_snapshots ORDER BY day")]


def snapshot(conn: sqlite3.Connection, day: date) -> list[StockQuote]:
    """The stored spot snapshot of one day."""
    rows = conn.execute("SELECT * FROM stock_snapshots WHERE day = ? ORDER BY code", (day.isoformat(),))
    return [
        StockQuote(
            day=day,
            code=r["code"],
            name=r["name"],
            price=r["price"],
            change_pct=r["change_pct"],
            amount=r["amount"],
            pe=r["pe"],
            total_cap=r["total_cap"],
            float_cap=r["float_cap"],
        )
        for r in rows
    ]


def companies(conn: sqlite3.Connection) -> list[ListedCompany]:
    """Every stored listed company, by code."""
    return [
        ListedCompany(
            code=r["code"],
            name=r["name"],
            listing_date=_day(r["listing_date"]),
            total_shares=r["total_shares"],
            float_shares=r["float_shares"],
            industry=r["industry"],
            region=r["region"],
        )
        for r in conn.execute("SELECT * FROM listed_companies ORDER BY code")
    ]


def review_history(conn: sqlite3.Connection) -> list[ReviewState]:
    """Every stored (company, state, day), oldest first."""
    rows = conn.execute("SELECT * FROM review_states ORDER BY update_date, org, state")
    return [
        ReviewState(
            org=r["org"],
            company=r["company"],
            state=r["state"],
            accept_date=_day(r["accept_date"]),
            update_date=date.fromisoformat(r["update_date"]),
            industry=r["industry"],
        )
        for r in rows
    ]


def industry_returns(conn: sqlite3.Connection, month: str) -> list[IndustryReturn]:
    """The stored industry returns of one month (YYYY-MM), best first."""
    rows = conn.execute("SELECT * FROM industry_monthly WHERE month = ? ORDER BY return_pct DESC", (month,))
    return [
        IndustryReturn(
            month=r["month"],
            industry=r["industry"],
            return_pct=float(r["return_pct"]),
            stocks=int(r["stocks"]),
            as_of=date.fromisoformat(r["as_of"]),
        )
        for r in rows
    ]


def count_industry_returns(conn: sqlite3.Connection) -> int:
    """Stored industry × month returns."""
    return int(conn.execute("SELECT COUNT(*) FROM industry_monthly").fetchone()[0])
