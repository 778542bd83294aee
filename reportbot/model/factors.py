"""Factors of the first-day-return model, each computed only from what was known before T.

An outcome (first-day return) counts as known before the subscription day T only when the IPO listed
strictly before T. The 北证50 factor uses index closes strictly before T. A factor the data lacks is
``None`` and is never filled with an invented value; :mod:`reportbot.model.walkforward` drops it.

Same-day listings ("recent IPOs" ties): outcomes are grouped by listing day and a day is never split.
The listing-day EWMA weights listing days (each day's value is the mean log return of the IPOs that
listed that day); the calendar-day EWMAs (of log(1 + r), and of r itself, taken as log(1 + mean)) weight
each IPO by its listing day's age in calendar days, so IPOs of one day weigh the same; "the last 3"
takes whole listing days, newest first, until at least 3 IPOs are in; the trailing window orders IPOs
of one day by their return. None of this depends on the codes.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from reportbot.domain import Ipo
from reportbot.errors import ConfigError
from reportbot.model.winning_rate import WinningRates

RECENT3 = "recent3_mean_return"
BSE50 = "bse50_5d_return"
LOG_PRICE = "log_issue_price"
LOG_FUNDS = "log_raised_funds"
PE_RELATIVE = "pe_relative"
INDUSTRY = "industry"
PROFIT_GROWTH = "net_profit_growth"
INDUSTRY_EXCESS = "industry_excess_return"

FACTOR_LABELS: dict[str, str] = {
    RECENT3: "近3只新股首日涨幅均值",
    BSE50: "北证50近5日涨幅",
    LOG_PRICE: "发行价（对数）",
    LOG_FUNDS: "募资总额（对数）",
    PE_RELATIVE: "发行市盈率/行业市盈率",
    INDUSTRY: "行业（证监会行业大类）",
    PROFIT_GROWTH: "净利润同比增速",
    INDUSTRY_EXCESS: "细分行业近月超额收益",
}
RECENT_EWMA = "recent_log_return_ewma"
RECENT_EWMA_CALENDAR = "recent_log_return_ewma_calendar"
LOG_WINNING = "log_expected_winning_rate"
IPOS_10D = "ipos_subscribing_10d"
LOG_PE_RELATIVE = "log_pe_relative"
RECENT_MEAN_CALENDAR = "recent_return_ewma_calendar_log"
FACTOR_LABELS.update(
    {
        RECENT_EWMA: "近期新股首日对数收益（按上市日指数加权）",
        RECENT_EWMA_CALENDAR: "近期新股首日对数收益（按距申购日天数指数加权）",
        LOG_WINNING: "预期中签率（对数）",
        IPOS_10D: "申购日前10天内（含当日）申购的新股数",
        LOG_PE_RELATIVE: "发行市盈率/行业市盈率（对数）",
        RECENT_MEAN_CALENDAR: "近期新股首日平均涨幅（按天数指数加权，对数）",
    }
)
RECENT_HALFLIFE_DAYS = 8.0  # listing days
RECENT_HALFLIFE_CALENDAR_DAYS = 60.0  # calendar days; chosen on IPOs subscribed up to 2025-06-30
CROWD_WINDOW = timedelta(days=10)
# Seed 003 used these, but neither the bundled data nor the live sources carry them.
UNAVAILABLE: dict[str, str] = {
    PROFIT_GROWTH: "数据中暂缺（内置数据与实时数据源均无净利润增速）",
    INDUSTRY_EXCESS: "数据中暂缺（无细分行业指数日线，无法计算超额收益）",
}
UNKNOWN_INDUSTRY = "未知"
BSE50_MAX_GAP = timedelta(days=10)  # the last close before T must be this recent to count
BSE50_WINDOW = 5  # trading days
RECENT_COUNT = 3  # "the last 3"


@dataclass(frozen=True, kw_only=True)
class FactorRow:
    """One IPO with a subscription day T: its factors as of T and (when known) its outcome."""

    code: str
    apply_date: date
    listing_date: date | None
    actual_return_pct: float | None
    values: dict[str, float | None] = field(default_factory=dict)
    industry: str = UNKNOWN_INDUSTRY
    recent3: float | None = None  # same as values[RECENT3]; kept for the naive baseline
    recent3_returns: tuple[float, ...] = ()  # the outcomes behind recent3 (whole listing days)
    known_returns: tuple[float, ...] = ()  # every outcome known before T (trailing baseline)


def check_factor_names(names: Sequence[str]) -> None:
    """Raise ConfigError naming the first factor of ``[model].factors`` that the model does not know."""
    for name in names:
        if name not in FACTOR_LABELS:
            raise ConfigError(f"[model].factors: unknown factor {name!r} (known: {', '.join(FACTOR_LABELS)})")


class OutcomeHistory:
    """First-day returns ordered by listing date, for "known before T" look-ups in O(log n)."""

    def __init__(self, ipos: Sequence[Ipo]) -> None:
        """Keep every IPO that has both a listing date and a first-day return (ties: by return)."""
        known: list[tuple[date, float, Ipo]] = sorted(
            (
                (i.listing_date, float(i.first_day_return_pct), i)
                for i in ipos
                if i.listing_date is not None and i.first_day_return_pct is not None
            ),
            key=lambda t: (t[0], t[1]),
        )
        self._days = [d for d, _, _ in known]
        self._returns = [r for _, r, _ in known]
        self._ipos = [i for _, _, i in known]

    def known_before(self, day: date) -> list[float]:
        """Returns of IPOs listed strictly before ``day``, oldest first (one day's IPOs by return)."""
        return self._returns[: bisect.bisect_left(self._days, day)]

    def last_days(self, day: date, count: int) -> list[float]:
        """Returns of the latest whole listing days before ``day`` holding at least ``count`` IPOs ([] if fewer)."""
        start, end = self._last_span(day, count)
        return self._returns[start:end] if end >= count else []

    def last_days_ipos(self, day: date, count: int) -> list[Ipo]:
        """The IPOs of :meth:`last_days`, oldest first; all those known before ``day`` when fewer than ``count``."""
        start, end = self._last_span(day, count)
        return self._ipos[start:end]

    def _last_span(self, day: date, count: int) -> tuple[int, int]:
        end = bisect.bisect_left(self._days, day)
        if end < count:
            return 0, end
        return bisect.bisect_left(self._days, self._days[end - count]), end  # never split a listing day

    def last_days_mean(self, day: date, count: int) -> float | None:
        """Mean return of :meth:`last_days` (None when fewer than ``count`` IPOs are known)."""
        chunk = self.last_days(day, count)
        return sum(chunk) / len(chunk) if chunk else None

    def log_ewma(self, day: date, halflife: float) -> float | None:
        """EWMA over listing days before ``day`` of each day's mean log(1 + r); None below 3 days."""
        end = bisect.bisect_left(self._days, day)
        per_day: dict[date, list[float]] = {}
        for d, r in zip(self._days[:end], self._returns[:end], strict=True):
            per_day.setdefault(d, []).append(math.log1p(r / 100.0))
        values = [sum(v) / len(v) for v in per_day.values()]
        if len(values) < 3:
            return None
        decay = 0.5 ** (1.0 / halflife)
        weights = [decay ** (len(values) - 1 - k) for k in range(len(values))]
        mean: float = sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)
        return mean

    def log_ewma_calendar(self, day: date, halflife_days: float) -> float | None:
        """EWMA of log(1 + r) over IPOs listed before ``day``, weight ½ per ``halflife_days`` of age."""
        return self._calendar_ewma(day, halflife_days, [math.log1p(r / 100.0) for r in self._returns])

    def log_of_ewma_calendar(self, day: date, halflife_days: float) -> float | None:
        """log(1 + EWMA of r) with the weights of :meth:`log_ewma_calendar` (the recent average gain).

        The mean of percent returns weighs a few very large first days as they weigh in a subscriber's
        average gain; the mean of logs damps them.
        """
        mean = self._calendar_ewma(day, halflife_days, self._returns)
        return None if mean is None else math.log1p(mean / 100.0)

    def _calendar_ewma(self, day: date, halflife_days: float, values: Sequence[float]) -> float | None:
        """EWMA of ``values`` (one per known outcome) over IPOs listed before ``day``; None below 3."""
        end = bisect.bisect_left(self._days, day)
        if end < 3:
            return None
        weights = [0.5 ** ((day - d).days / halflife_days) for d in self._days[:end]]
        mean: float = sum(w * v for w, v in zip(weights, values[:end], strict=True)) / sum(weights)
        return mean


def bse50_return(closes: Sequence[tuple[date, float]], t: date) -> float | None:
    """北证50 return (percent) over the 5 trading days before T, from closes strictly before T.

    None when the series does not reach the last trading days before T.
    """
    days = [d for d, _ in closes]
    end = bisect.bisect_left(days, t)
    if end <= BSE50_WINDOW or t - days[end - 1] > BSE50_MAX_GAP:
        return None
    last, first = closes[end - 1][1], closes[end - 1 - BSE50_WINDOW][1]
    return (last / first - 1.0) * 100.0 if first else None


@dataclass(frozen=True, kw_only=True)
class FactorSettings:
    """How the history-based factors are computed (``[model]`` settings)."""

    halflife: float = RECENT_HALFLIFE_DAYS  # listing days
    halflife_calendar: float = RECENT_HALFLIFE_CALENDAR_DAYS  # calendar days
    winning_rate_lookback: int = 5


def factor_rows(
    ipos: Sequence[Ipo],
    index_closes: Sequence[tuple[date, float]] = (),
    settings: FactorSettings = FactorSettings(),
) -> list[FactorRow]:
    """Factor rows, in subscription order, for every IPO with a subscription day T.

    ``ipos`` are all IPOs of the segment (including those without T: their outcomes still count as known
    once listed). ``index_closes`` is the 北证50 daily series (empty when never fetched).
    """
    history = OutcomeHistory(ipos)
    rates = WinningRates(ipos)
    closes = sorted(index_closes)
    dated = sorted((i for i in ipos if i.apply_date is not None), key=lambda i: (i.apply_date, i.code))
    t_days: list[date] = [i.apply_date for i in dated if i.apply_date is not None]
    rows = []
    for ipo in dated:
        t: date = ipo.apply_date  # type: ignore[assignment]
        pe = ipo.issue_pe / ipo.industry_pe if ipo.issue_pe and ipo.industry_pe else None
        values: dict[str, float | None] = {
            RECENT3: history.last_days_mean(t, RECENT_COUNT),
            BSE50: bse50_return(closes, t) if closes else None,
            LOG_PRICE: _log(ipo.issue_price),
            LOG_FUNDS: _log(ipo.raised_funds_yi),
            PE_RELATIVE: pe,
            RECENT_EWMA: history.log_ewma(t, settings.halflife),
            RECENT_EWMA_CALENDAR: history.log_ewma_calendar(t, settings.halflife_calendar),
            RECENT_MEAN_CALENDAR: history.log_of_ewma_calendar(t, settings.halflife_calendar),
            LOG_WINNING: _log(rates.expected_before(t, settings.winning_rate_lookback)),
            IPOS_10D: float(bisect.bisect_right(t_days, t) - bisect.bisect_left(t_days, t - CROWD_WINDOW)),
            LOG_PE_RELATIVE: _log(pe),
        }
        rows.append(_row(ipo, t, values, history))
    return rows


def _row(ipo: Ipo, t: date, values: dict[str, float | None], history: OutcomeHistory) -> FactorRow:
    return FactorRow(
        code=ipo.code,
        apply_date=t,
        listing_date=ipo.listing_date,
        actual_return_pct=ipo.first_day_return_pct,
        values=values,
        industry=ipo.csrc_industry or UNKNOWN_INDUSTRY,
        recent3=values[RECENT3],
        recent3_returns=tuple(history.last_days(t, RECENT_COUNT)),
        known_returns=tuple(history.known_before(t)),
    )


def _log(value: float | None) -> float | None:
    return math.log(value) if value is not None and value > 0 else None
