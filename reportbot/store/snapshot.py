"""One read of the store per report: frozen records of everything a report needs, as known on one day.

A report reads its snapshot here once and hands it down; no layer below the use case goes back to the
store. The month snapshot is point in time (:mod:`reportbot.store.pointintime`): a past month's report
sees only what was public at the end of that month.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date

from reportbot.domain import DatasetInfo, Ipo
from reportbot.errors import NoDataError
from reportbot.kinds import Month, Segment
from reportbot.marketdata import IndustryReturn, MarketFigure, MarketPoint, ReviewState, StockQuote
from reportbot.store import bse_stats, market
from reportbot.store import ipos as ipo_store
from reportbot.store import pointintime as pit
from reportbot.tradingcal import TradingCalendar, month_end_days

_PATH_NOTE = re.compile(r"（[^）]*(?:/|\.md)[^）]*）")  # a dataset note's file path: never in a client document


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The BSE IPOs, 北证50 closes and datasets (as stored, or as known on a day)."""

    ipos: tuple[Ipo, ...]
    index_series: tuple[tuple[date, float], ...]
    datasets: tuple[DatasetInfo, ...]

    @property
    def data_as_of(self) -> date | None:
        """The newest as-of date over the datasets."""
        return max((d.as_of for d in self.datasets if d.as_of), default=None)

    @property
    def data_sources(self) -> list[str]:
        """One Chinese line per dataset, without file paths."""
        return [
            _PATH_NOTE.sub("", f"{d.note or d.source}，截至 {d.as_of.isoformat() if d.as_of else '暂缺'}")
            for d in self.datasets
        ]

    def find(self, code: str) -> Ipo:
        """One IPO by current or legacy code.

        Raises:
            NoDataError: unknown code.
        """
        found = next((i for i in self.ipos if code in (i.code, i.legacy_code)), None)
        if found is None:
            raise NoDataError(f"no IPO with code {code!r} in the database (see `reportbot data status`)")
        return found


@dataclass(frozen=True, kw_only=True)
class MonthSnapshot:
    """What the monthly report of ``month`` reads, as known on ``known_on``."""

    month: Month
    known_on: date  # the month's last day, or the data's as-of day while the month is running
    base: Snapshot  # IPOs and closes as known on ``known_on``
    figures: tuple[MarketFigure, ...]
    previous_figures: tuple[MarketFigure, ...]
    points: tuple[MarketPoint, ...]
    industries: tuple[IndustryReturn, ...]
    reviews: tuple[ReviewState, ...]
    quotes_before: tuple[StockQuote, ...]  # the previous month's last trading day (empty when not stored)
    quotes_end: tuple[StockQuote, ...]  # this month's last trading day (empty when not stored)


def read(conn: sqlite3.Connection) -> Snapshot:
    """The stored BSE IPOs, 北证50 closes and datasets."""
    return Snapshot(
        ipos=tuple(ipo_store.list_ipos(conn, segment=Segment.BSE)),
        index_series=tuple(market.index_series(conn)),
        datasets=tuple(ipo_store.list_datasets(conn)),
    )


def read_month(conn: sqlite3.Connection, cal: TradingCalendar, month: Month | None) -> MonthSnapshot:
    """Everything the report of ``month`` (default: the latest month with listings) needs, point in time.

    Raises:
        NoDataError: the store has no listings at all.
    """
    stored = read(conn)
    listings = [i.listing_date for i in stored.ipos if i.listing_date]
    if month is None and not listings:
        raise NoDataError("no IPO listings in the database; load the bundled dataset first (data load)")
    month = month or Month.of(max(d for d in listings if d is not None))
    as_of = stored.data_as_of
    known_on = min(month.last_day, as_of) if as_of is not None else month.last_day
    before, end = month_end_days(cal, month.first_day)
    quoted = set(bse_stats.snapshot_days(conn))
    both = {before, end} <= quoted
    return MonthSnapshot(
        month=month,
        known_on=known_on,
        base=Snapshot(
            ipos=tuple(pit.known_ipos(stored.ipos, known_on)),
            index_series=tuple(pit.known_series(stored.index_series, known_on)),
            datasets=stored.datasets,
        ),
        figures=tuple(market.monthly_figures(conn, str(month))),
        previous_figures=tuple(market.monthly_figures(conn, str(month.previous()))),
        points=tuple(pit.known_points(market.market_points(conn, month.first_day, month.last_day), known_on)),
        industries=tuple(bse_stats.industry_returns(conn, str(month))),
        reviews=tuple(bse_stats.review_history(conn)),
        quotes_before=tuple(bse_stats.snapshot(conn, before)) if both else (),
        quotes_end=tuple(bse_stats.snapshot(conn, end)) if both else (),
    )
