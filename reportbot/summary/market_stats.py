"""Monthly market statistics from daily records (one figure per month × metric); pure, the caller reads the store.

Only what the stored data supports is computed: a monthly sum needs every trading day of the month
(exchange calendar), an industry return needs snapshots on both month-end trading days. Everything else
(北证50 PE: no source gives it) stays absent, so readers show 暂缺.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta

from reportbot.kinds import BSE_OPENING
from reportbot.marketdata import IndustryReturn, MarginBalance, MarketDay, MarketFigure, ReviewState, StockQuote
from reportbot.summary import review
from reportbot.summary.monthly import month_bounds, month_of
from reportbot.tradingcal import TradingCalendar

SRC_BSE50 = "em_bse50（北证50日K计算）"
SRC_MARGIN = "bse_margin（月末两融余额）"
SRC_IPOS = "ipos（按上市日计数）"
SRC_DAILY = "bse_daily（北交所市场日报）"
SRC_SPOT = "em_bse_spot（全市场行情快照）"
SRC_REVIEW = "em_ipo_review（审核状态变化）"


def daily_figures(days: list[MarketDay], cal: TradingCalendar, today: date) -> list[MarketFigure]:
    """Monthly turnover and volume (every trading day stored), month-end caps and listed companies."""
    by_month: dict[str, list[MarketDay]] = defaultdict(list)
    for d in days:
        by_month[month_of(d.day)].append(d)
    out: list[MarketFigure] = []
    for month, rows in sorted(by_month.items()):
        first = date(int(month[:4]), int(month[5:]), 1)
        expected = set(cal.trading_days(first, min(today, _month_end(first))))
        end = max(rows, key=lambda d: d.day)
        if expected and expected <= {d.day for d in rows}:
            inside = [d for d in rows if d.day in expected]
            out.append(_figure(month, "turnover_yi", sum(d.turnover for d in inside) / 1e8, "亿元", SRC_DAILY, end.day))
            out.append(
                _figure(month, "volume_yi_shares", sum(d.volume for d in inside) / 1e8, "亿股", SRC_DAILY, end.day)
            )
        if end.day == max(expected, default=None):
            if end.total_market_cap is not None:
                out.append(
                    _figure(month, "total_market_cap_yi", end.total_market_cap / 1e8, "亿元", SRC_DAILY, end.day)
                )
            if end.float_market_cap is not None:
                out.append(
                    _figure(month, "float_market_cap_yi", end.float_market_cap / 1e8, "亿元", SRC_DAILY, end.day)
                )
            if end.listed_companies is not None:
                out.append(_figure(month, "listed_companies", float(end.listed_companies), "家", SRC_DAILY, end.day))
    return out


def median_pe(quotes: list[StockQuote]) -> float | None:
    """The median of the positive PEs of a snapshot (loss makers have no meaningful PE)."""
    pes = [q.pe for q in quotes if q.pe is not None and q.pe > 0]
    return statistics.median(pes) if pes else None


def snapshot_figures(snapshots: list[list[StockQuote]]) -> list[MarketFigure]:
    """Per month (its last snapshot): stocks quoted, median PE and its percentile among all earlier snapshots."""
    medians: list[tuple[date, float]] = []
    last: dict[str, tuple[date, list[StockQuote], float | None]] = {}
    for quotes in snapshots:
        if not quotes:
            continue
        day, value = quotes[0].day, median_pe(quotes)
        if value is not None:
            medians.append((day, value))
        last[month_of(day)] = (day, quotes, value)
    out: list[MarketFigure] = []
    for month, (day, quotes, value) in sorted(last.items()):
        out.append(_figure(month, "quoted_stocks", float(len(quotes)), "家", SRC_SPOT, day))
        if value is None:
            continue
        out.append(_figure(month, "median_pe", value, "倍", SRC_SPOT, day))
        history = [v for d, v in medians if d <= day]
        out.append(_figure(month, "median_pe_pctile", percentile(value, history), "%", SRC_SPOT, day))
        out.append(_figure(month, "median_pe_snapshots", float(len(history)), "个", SRC_SPOT, day))
    return out


def percentile(value: float, history: list[float]) -> float:
    """Share of ``history`` at or below ``value``, in percent."""
    return 100.0 * sum(1 for v in history if v <= value) / len(history) if history else 0.0


def review_figures(history: list[ReviewState], today: date) -> list[MarketFigure]:
    """Companies reaching each review stage per month, from the first month with a stored state."""
    if not history:
        return []
    start = min(s.update_date for s in history)
    out: list[MarketFigure] = []
    month = date(start.year, start.month, 1)
    while month <= today:
        end = _month_end(month)
        events = review.month_events(history, month, min(end, today))
        as_of = min(end, today)
        for stage, count in review.stage_counts(events).items():
            out.append(_figure(month_of(month), review.METRICS[stage], float(count), "家", SRC_REVIEW, as_of))
        month = end + timedelta(days=1)
    return out


def month_end_snapshots(days: list[date], cal: TradingCalendar, today: date) -> dict[str, tuple[date, date]]:
    """Month → (previous month-end snapshot day, its own month-end snapshot day), where both exist."""
    stored = set(days)
    out: dict[str, tuple[date, date]] = {}
    for day in days:
        end = cal.previous_trading_day(_month_end(day) + timedelta(days=1))
        if day != end or end > today:
            continue
        before = cal.previous_trading_day(date(day.year, day.month, 1))
        if before in stored:
            out[month_of(day)] = (before, day)
    return out


def industry_returns(
    month: str, before: list[StockQuote], after: list[StockQuote], industries: dict[str, str]
) -> list[IndustryReturn]:
    """Equal-weighted mean return per industry of the stocks priced in both snapshots."""
    start = {q.code: q.price for q in before if q.price}
    groups: dict[str, list[float]] = defaultdict(list)
    for q in after:
        base, industry = start.get(q.code), industries.get(q.code)
        if base and q.price and industry:
            groups[industry].append((q.price / base - 1) * 100)
    as_of = after[0].day if after else date.min
    return [
        IndustryReturn(month=month, industry=name, return_pct=statistics.fmean(rets), stocks=len(rets), as_of=as_of)
        for name, rets in groups.items()
    ]


def stock_moves(before: list[StockQuote], after: list[StockQuote]) -> list[tuple[StockQuote, float]]:
    """Each stock priced in both snapshots with its return in percent, best first."""
    start = {q.code: q.price for q in before if q.price}
    moves = [(q, (q.price / start[q.code] - 1) * 100) for q in after if q.price and start.get(q.code)]
    return sorted(moves, key=lambda m: -m[1])


def bse50_figures(closes: list[tuple[date, float]], amounts: dict[date, float]) -> list[MarketFigure]:
    """Month-end close, change vs the previous month-end close (percent), and constituents' turnover."""
    by_month: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for day, close in closes:
        by_month[month_of(day)].append((day, close))
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
        month = month_of(m.day)
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
            counts[month_of(day)] += 1
    out: list[MarketFigure] = []
    year, month = BSE_OPENING.year, BSE_OPENING.month
    while (year, month) <= (today.year, today.month):
        label = f"{year:04d}-{month:02d}"
        days = [d for d in listings if month_of(d) == label and d <= today]
        as_of = max(days) if days else date(year, month, 1)
        out.append(_figure(label, "new_listings", float(counts[label]), "家", SRC_IPOS, as_of))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _figure(month: str, metric: str, value: float, unit: str, source: str, as_of: date) -> MarketFigure:
    return MarketFigure(month=month, metric=metric, value=round(value, 6), unit=unit, source=source, as_of=as_of)


def _month_end(day: date) -> date:
    return month_bounds(month_of(day))[1]
