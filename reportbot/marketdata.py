"""Frozen market-data records: 北证50, margin balance, monthly statistics, quotes and review events.

Units: values are in the unit their ``unit`` field or field name gives (``*_yi`` in 亿元, amounts in CNY).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, kw_only=True)
class MarketFigure:
    """One monthly market statistic with its source (e.g. turnover of 2026-08 from bse.cn)."""

    month: str  # YYYY-MM
    metric: str  # turnover_yi, volume_yi_shares, total_market_cap_yi, listed_companies, new_listings,
    # margin_balance_yi, bse50_change_pct, bse50_pe
    value: float
    unit: str
    source: str
    as_of: date


@dataclass(frozen=True, kw_only=True)
class MarketPoint:
    """A dated market fact quoted in news (sparse, not a series), with its URL."""

    day: date
    metric: str
    value: float
    unit: str
    source: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class IndexBar:
    """One daily K-line of an index (prices in points, volume in shares, amount in CNY)."""

    code: str
    day: date
    open: float
    close: float
    high: float
    low: float
    volume: float | None = None
    amount: float | None = None


@dataclass(frozen=True, kw_only=True)
class MarginBalance:
    """The BSE-wide margin (两融) balance at the close of one trading day, in CNY."""

    day: date
    financing_balance: float | None
    margin_balance_total: float


@dataclass(frozen=True, kw_only=True)
class MarketDay:
    """The BSE market's totals of one trading day (bse.cn daily report): CNY and shares as published."""

    day: date
    turnover: float  # 成交金额, CNY
    volume: float  # 成交数量, shares
    total_market_cap: float | None = None  # 总市值, CNY
    float_market_cap: float | None = None  # 流通市值, CNY
    listed_companies: int | None = None  # 上市公司家数, where the row carries it


@dataclass(frozen=True, kw_only=True)
class StockQuote:
    """One BSE stock in a dated spot snapshot (price CNY, change percent, amount and caps CNY)."""

    day: date
    code: str
    name: str
    price: float | None
    change_pct: float | None
    amount: float | None
    pe: float | None  # 市盈率（动态）; negative for a loss, None when not given
    total_cap: float | None
    float_cap: float | None


@dataclass(frozen=True, kw_only=True)
class ListedCompany:
    """A BSE-listed company with its CSRC industry (bse.cn listed-company list)."""

    code: str
    name: str
    listing_date: date | None
    total_shares: float | None
    float_shares: float | None
    industry: str | None  # CSRC classification
    region: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewState:
    """One company's IPO review state on the BSE as published on ``update_date``."""

    org: str  # the company's key in the source (ORG_CODE, else its name)
    company: str
    state: str  # as published (已受理, 已问询, 上市委会议通过, 提交注册, 注册生效, 终止 ...)
    accept_date: date | None
    update_date: date
    industry: str | None = None


@dataclass(frozen=True, kw_only=True)
class IndustryReturn:
    """One CSRC industry's month return (equal-weighted mean of its stocks' month-end to month-end returns)."""

    month: str
    industry: str
    return_pct: float
    stocks: int
    as_of: date


@dataclass(frozen=True, kw_only=True)
class ReviewEvent:
    """A stored review transition: a company reached ``stage`` on ``day``."""

    day: date
    company: str
    stage: str  # 受理, 问询, 上市委通过, 提交注册, 注册生效, 终止
    state: str  # the state as published
    industry: str | None = None
