"""Frozen records shared by every layer.

Units follow the bundled data (see ``reportbot/data/PROVENANCE.md``): winning rates and returns are in
**percent** (``online_winning_rate_pct = 0.025654`` means 0.025654 %), prices in CNY, ``*_wan`` in 万,
``*_yi`` in 亿元.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportbot.kinds import Segment

TZ = ZoneInfo("Asia/Shanghai")

BSE50_LAUNCH = date(2022, 11, 21)  # 北证50 first published; earlier values are a backfill, not point in time


@dataclass(frozen=True, kw_only=True)
class Ipo:
    """One BSE IPO (or 精选层 public offering when ``segment`` is ``Segment.NEEQ_SELECT``)."""

    code: str  # current trading code (920xxx where the mapping is known)
    name: str
    segment: Segment = Segment.BSE
    legacy_code: str | None = None  # NEEQ code before listing / pre-2024 trading code
    apply_code: str | None = None  # 申购代码
    name_aliases: str | None = None
    first_announcement_date: date | None = None
    apply_date: date | None = None  # 网上申购日 T
    issue_result_date: date | None = None
    refund_date: date | None = None  # 退款日 when the source gives it
    listing_date: date | None = None
    issue_price: float | None = None
    issue_pe: float | None = None
    industry_pe: float | None = None
    total_issue_shares_wan: float | None = None
    online_issue_shares: float | None = None
    raised_funds_yi: float | None = None
    top_apply_amount_wan: float | None = None
    subscription_cap_shares: float | None = None
    online_valid_accounts: float | None = None
    online_allocated_accounts: float | None = None
    online_valid_shares: float | None = None
    frozen_funds_yi: float | None = None
    online_winning_rate_pct: float | None = None
    subscription_multiple: float | None = None
    first_day_close: float | None = None
    first_day_return_pct: float | None = None
    first_day_avg_price: float | None = None
    first_day_turnover_pct: float | None = None
    day2_close: float | None = None
    day3_close: float | None = None
    csrc_industry: str | None = None
    csrc_industry_code: str | None = None
    industry_group_custom: str | None = None
    industry_sub_custom: str | None = None
    sources: str | None = None
    notes: str | None = None


IPO_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Ipo))
IPO_DATE_FIELDS: frozenset[str] = frozenset(f for f in IPO_FIELDS if f.endswith("_date"))
IPO_TEXT_FIELDS: frozenset[str] = frozenset(
    {
        "code",
        "name",
        "segment",
        "legacy_code",
        "apply_code",
        "name_aliases",
        "csrc_industry",
        "csrc_industry_code",
        "industry_group_custom",
        "industry_sub_custom",
        "sources",
        "notes",
    }
)
IPO_NUMBER_FIELDS: frozenset[str] = frozenset(set(IPO_FIELDS) - IPO_DATE_FIELDS - IPO_TEXT_FIELDS)


def ipo_from_mapping(row: dict[str, Any]) -> Ipo:
    """Build an Ipo from a mapping of stored values (ISO date strings, numbers, text)."""
    kwargs: dict[str, Any] = {}
    for name in IPO_FIELDS:
        value = row.get(name)
        if value is None or value == "":
            continue
        if name in IPO_DATE_FIELDS:
            value = date.fromisoformat(str(value)[:10])
        elif name in IPO_NUMBER_FIELDS:
            value = float(value)
        elif name == "segment":
            value = Segment(value)
        else:
            value = str(value)
        kwargs[name] = value
    return Ipo(**kwargs)


@dataclass(frozen=True, kw_only=True)
class DatasetInfo:
    """Where the stored data came from and how fresh it is."""

    source: str
    as_of: date | None
    loaded_at: datetime
    rows: int
    note: str = ""


# --- Model outputs shared by reports, alerts and the CLI (produced by reportbot.model) ---

ADVICE_SUBSCRIBE = "申购"
ADVICE_CAUTION = "谨慎"
ADVICE_AVOID = "回避"


@dataclass(frozen=True, kw_only=True)
class LotOutlook:
    """The lots one subscriber receives under BSE's allocation rule (see reportbot.model.allocation).

    ``by_proportion`` lots for sure, one more with a probability the data bound to
    [``p_extra_low``, ``p_extra_high``]; ``p_extra_low`` is what expected lots, profit and advice count.
    """

    shares: int  # shares subscribed (whole lots, capped)
    cash: float  # cash frozen for the subscription
    at_cap: bool
    ratio: float  # 配售比例 used (fraction)
    ratio_published: bool  # the announced ratio (else estimated before T)
    by_proportion: int
    p_extra_low: float
    p_extra_high: float
    basis: str  # Chinese: where the ratio and the extra-lot range come from
    capital_for_one_lot: float  # cash that buys one lot by proportion at this ratio
    cash_for_cap: float | None

    @property
    def expected_lots(self) -> float:
        """Lots counted for profit and advice: the sure ones plus the supported share of the extra lot."""
        return self.by_proportion + self.p_extra_low


@dataclass(frozen=True, kw_only=True)
class SubscriberSettings:
    """One subscriber's advice settings."""

    capital_cny: float
    annual_rate: float
    min_probability: float


@dataclass(frozen=True, kw_only=True)
class Prediction:
    """The model's view of one IPO before its subscription day T, for one subscriber's settings.

    Returns are in percent like the data. ``None`` means the input was absent (shown as 暂缺).
    """

    code: str
    apply_date: date
    predicted_return_pct: float
    interval_low_pct: float
    interval_high_pct: float
    interval_level: float
    p_break_issue: float  # P(first-day return < 0)
    freeze_days: int
    expected_winning_rate_pct: float | None
    breakeven_return_pct: float | None
    p_beats_breakeven: float | None
    expected_profit_per_10k: float | None  # CNY per 10,000 CNY frozen
    advice: str  # ADVICE_SUBSCRIBE / ADVICE_CAUTION / ADVICE_AVOID
    train_size: int
    dropped_factors: tuple[str, ...] = ()
    # appended by the model: (Chinese factor label, coefficient × value) pairs summing to the prediction,
    # and the realised first-day return when known (walk-forward predictions of past IPOs)
    contributions: tuple[tuple[str, float], ...] = ()
    actual_return_pct: float | None = None
    # appended with the allocation rule: the subscriber's lots and profit in CNY (P(profit > 0) is
    # ``p_beats_breakeven``), the same for a subscriber at the cap, and the capital-independent
    # break-even of proportional allocation (freeze cost rate ÷ 配售比例) used to score the model
    allocation: LotOutlook | None = None
    expected_profit_cny: float | None = None
    cap_allocation: LotOutlook | None = None
    cap_expected_profit_cny: float | None = None
    cap_p_profit: float | None = None
    cap_advice: str | None = None
    proportional_breakeven_pct: float | None = None
    p_beats_proportional: float | None = None  # P(r > proportional_breakeven_pct)


@dataclass(frozen=True, kw_only=True)
class MetricSet:
    """Out-of-sample metrics of one predictor on one sample (None where not defined)."""

    name: str
    n: int
    r2: float | None
    mae_pct: float | None
    median_ae_pct: float | None
    interval_coverage: float | None = None
    break_precision: float | None = None
    break_recall: float | None = None
    brier_beats_breakeven: float | None = None
    brier_break: float | None = None  # appended: Brier score of P(破发)
    # appended with the log-scale model: coverage per year of T, interval bounds below −100 %, and
    # predictions whose P(破发) + P(> break-even) exceeds 1 (both must be 0 for a coherent model)
    coverage_by_year: tuple[tuple[int, float], ...] = ()
    bounds_below_minus_100: int | None = None
    incoherent: int | None = None


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """Walk-forward evaluation on one sample, with baselines."""

    sample: str  # e.g. "至2024-03" or "全部"
    model: MetricSet
    baselines: tuple[MetricSet, ...]
    reference: MetricSet | None = None  # appended: seed 003's in-sample figures (n=0: not stated)


@dataclass(frozen=True, kw_only=True)
class BacktestRow:
    """One strategy's result in one year (year None = total), out of sample."""

    strategy: str
    year: int | None
    subscribed: int
    profit_cny: float
    capital_days: float  # CNY × days frozen
    return_on_frozen_pct: float | None  # annualised return on frozen capital, percent


@dataclass(frozen=True, kw_only=True)
class ModelReport:
    """Everything the model publishes: walk-forward predictions, evaluations, backtest, notes."""

    predictions: tuple[Prediction, ...]  # out-of-sample, one per IPO after the minimum training size
    evaluations: tuple[Evaluation, ...]
    backtest: tuple[BacktestRow, ...]
    factors_used: tuple[str, ...]
    notes: tuple[str, ...]  # Chinese notes, e.g. a factor dropped for lack of data
