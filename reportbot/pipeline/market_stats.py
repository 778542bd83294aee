"""Monthly market statistics computed from the stored daily data (one figure per month × metric).

Only what the stored data supports is computed; everything else (market turnover, volume, total market
cap, listed companies, 北证50 PE) has no live source yet and stays absent, so readers show 暂缺.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date

from reportbot.domain import SEGMENT_BSE, MarginBalance, MarketFigure
from reportbot.store import ipos as ipo_store
from reportbot.store import market

BSE_OPENING = date(2021, 11, 15)
SRC_BSE50 = "em_bse50（北证50日K计算）"
SRC_MARGIN = "bse_margin（月末两融余额）"
SRC_IPOS = "ipos（按上市日计数）"


def compute_monthly(conn: sqlite3.Connection, today: date) -> list[MarketFigure]:
    """Every monthly figure the store supports, up to ``today``'s month."""
    closes = market.index_series(conn)
    figures = bse50_figures(closes, market.index_amounts(conn)) + margin_figures(market.margin_series(conn))
    listings = [i.listing_date for i in ipo_store.list_ipos(conn, segment=SEGMENT_BSE) if i.listing_date]
    return figures + listing_figures(listings, today)


def bse50_figures(closes: list[tuple[date, float]], amounts: dict[date, float]) -> list[MarketFigure]:
    """Month-end close, change vs the previous month-end close (percent), and constituents' turnover."""
    by_month: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for day, close in closes:
        by_month[_month(day)].append((day, close))
    out: list[MarketFigure] = []
    previous: float | None = None
    for month in sorted(by_month):
        day, close = max(by_month[month])
        out.append(_figure(month, "bse50_close", close, "点", SRC_BSE50, day))
        if previous is not None:
            out.append(_figure(month, "bse50_change_pct", (close / previous - 1) * 100, "%", SRC_BSE50, day))
        known = [amounts[d] for d, _ in by_month[month] if d in amounts]
        if known and len(known) == len(by_month[month]):
            out.append(_figure(month, "bse50_turnover_yi", sum(known) / 1e8, "亿元", SRC_BSE50, day))
        previous = close
    return out


def margin_figures(margins: list[MarginBalance]) -> list[MarketFigure]:
    """The last stored margin balance of each month, in 亿元."""
    last: dict[str, MarginBalance] = {}
    for m in margins:
        month = _month(m.day)
        if month not in last or m.day > last[month].day:
            last[month] = m
    return [
        _figure(month, "margin_balance_yi", m.margin_balance_total / 1e8, "亿元", SRC_MARGIN, m.day)
        for month, m in sorted(last.items())
    ]


def listing_figures(listings: list[date], today: date) -> list[MarketFigure]:
    """New BSE listings per month from the exchange's opening to ``today``'s month."""
    counts: dict[str, int] = defaultdict(int)
    for day in listings:
        if BSE_OPENING <= day <= today:
            counts[_month(day)] += 1
    out: list[MarketFigure] = []
    year, month = BSE_OPENING.year, BSE_OPENING.month
    while (year, month) <= (today.year, today.month):
        label = f"{year:04d}-{month:02d}"
        days = [d for d in listings if _month(d) == label and d <= today]
        as_of = max(days) if days else date(year, month, 1)
        out.append(_figure(label, "new_listings", float(counts[label]), "家", SRC_IPOS, as_of))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _figure(month: str, metric: str, value: float, unit: str, source: str, as_of: date) -> MarketFigure:
    return MarketFigure(month=month, metric=metric, value=round(value, 6), unit=unit, source=source, as_of=as_of)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
