"""Records to keyed rows and back (store/records.py), on the real market tables."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from reportbot.marketdata import ListedCompany, MarketFigure
from reportbot.store import bse_stats, db, market


def test_records_round_trip_with_dates_and_missing_values(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "db.sqlite3")
    company = ListedCompany(
        code="920001", name="甲", listing_date=None, total_shares=1e8, float_shares=None, industry="制造业"
    )
    listed = dataclasses.replace(company, code="920002", listing_date=date(2024, 3, 1))
    with db.transaction(conn):
        first = bse_stats.upsert_companies(conn, [company, listed], source="bse_listed")
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert bse_stats.companies(conn) == [company, listed]
    with db.transaction(conn):
        again = bse_stats.upsert_companies(conn, [company, dataclasses.replace(listed, name="乙")], source="bse_listed")
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    assert [c.name for c in bse_stats.companies(conn)] == ["甲", "乙"]
    source = conn.execute("SELECT source FROM listed_companies WHERE code = '920002'").fetchone()[0]
    assert source == "bse_listed"
    conn.close()


def test_a_record_that_carries_its_source_keys_on_its_own_fields(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "db.sqlite3")
    figure = MarketFigure(
        month="2026-08", metric="turnover_yi", value=1234.5, unit="亿元", source="bse_daily", as_of=date(2026, 9, 1)
    )
    with db.transaction(conn):
        market.upsert_monthly(conn, [figure, dataclasses.replace(figure, value=1300.0)])
    assert market.monthly_figures(conn, "2026-08") == [dataclasses.replace(figure, value=1300.0)]
    conn.close()
