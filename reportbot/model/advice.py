"""From the predictive distribution and the lots actually received to profit, break-even and advice.

A subscription's profit is whole lots × 100 × issue price × first-day return − the freeze cost of the
cash actually frozen (the subscription amount: capital in whole lots, capped at the cap; simple interest
at the subscriber's annual rate over the calendar days T → refund). The lots are BSE's allocation
(:mod:`reportbot.model.allocation`): ``k`` lots by proportion for sure, one leftover lot with
probability ``p`` (the lower bound the data support; 0 below the cap). Hence:

- expected profit (CNY) = (k + p) × lot value × predicted first-day return (the median) − freeze cost;
- P(profit > 0) = (1 − p) × P(r > cost ÷ (k × lot value)) + p × P(r > cost ÷ ((k + 1) × lot value)),
  both from the one predictive distribution (so it never exceeds 1 − P(破发));
- the break-even shown is cost ÷ (k × lot value) (or ÷ one lot when only a leftover lot can come).

Advice: 回避 when no lot can be counted (0 lots by proportion and no leftover lot within reach) or
P(破发) ≥ 0.5; 申购 when P(profit > 0) ≥ the subscriber's ``min_probability`` and the expected profit is
positive; 回避 when both fail; 谨慎 otherwise, and 谨慎 at best when no 配售比例 can be estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportbot.domain import ADVICE_AVOID, ADVICE_CAUTION, ADVICE_SUBSCRIBE, LotOutlook
from reportbot.model import allocation as al
from reportbot.model import factors as fx
from reportbot.model.predictive import ReturnForecast
from reportbot.model.subscription import freeze_cost
from reportbot.model.walkforward import INDUSTRY_PREFIX, POOL_COLUMN

PER = 10_000.0


@dataclass(frozen=True, kw_only=True)
class Economics:
    """One subscriber's subscription to one IPO, from the lots received (percent units like the data)."""

    outlook: LotOutlook | None  # None when the issue price or 配售比例 is unknown
    cost: float | None  # freeze cost (CNY) of the cash frozen
    breakeven_pct: float | None
    p_profit: float | None  # P(profit > 0)
    expected_profit: float | None  # CNY, at the predicted (median) first-day return

    @property
    def per_10k(self) -> float | None:
        """Expected profit per ¥10,000 frozen."""
        if self.expected_profit is None or self.outlook is None or not self.outlook.cash:
            return None
        return self.expected_profit / self.outlook.cash * PER


def economics(fc: ReturnForecast, outlook: LotOutlook | None, *, annual_rate: float, days: int) -> Economics:
    """Profit, break-even and P(profit > 0) of the lots in ``outlook`` (rules in the module docstring)."""
    if outlook is None:
        return Economics(outlook=None, cost=None, breakeven_pct=None, p_profit=None, expected_profit=None)
    cost = freeze_cost(outlook.cash, annual_rate, days)
    if not outlook.shares:
        return Economics(outlook=outlook, cost=0.0, breakeven_pct=None, p_profit=0.0, expected_profit=0.0)
    lot_value = al.LOT * outlook.cash / outlook.shares
    k, p = outlook.by_proportion, outlook.p_extra_low
    p_sure = fc.prob_above(cost / (k * lot_value) * 100.0) if k else 0.0
    p_more = fc.prob_above(cost / ((k + 1) * lot_value) * 100.0)
    breakeven = cost / (max(k, 1) * lot_value) * 100.0 if k or p else None
    return Economics(
        outlook=outlook,
        cost=cost,
        breakeven_pct=breakeven,
        p_profit=(1.0 - p) * p_sure + p * p_more,
        expected_profit=(k + p) * lot_value * fc.mean / 100.0 - cost,
    )


def advise(*, p_break: float, econ: Economics, min_probability: float) -> str:
    """申购 / 谨慎 / 回避 (rules in the module docstring)."""
    o = econ.outlook
    if o is not None and o.expected_lots == 0:
        return ADVICE_AVOID
    if p_break >= 0.5:
        return ADVICE_AVOID
    if econ.p_profit is None or econ.expected_profit is None:
        return ADVICE_CAUTION
    good_p = econ.p_profit >= min_probability
    good_profit = econ.expected_profit > 0
    if good_p and good_profit:
        return ADVICE_SUBSCRIBE
    if not good_p and not good_profit:
        return ADVICE_AVOID
    return ADVICE_CAUTION


def factor_label(column: str) -> str:
    """Chinese label of a design column (a factor, an industry dummy or the constant)."""
    if column.startswith(INDUSTRY_PREFIX):
        name = column[len(INDUSTRY_PREFIX) :]
        return "行业：" + ("行业未知（数据未提供）" if name == fx.UNKNOWN_INDUSTRY else name)
    if column == POOL_COLUMN:
        return "近3只新股首日涨幅均值（对数，固定权重合并）"
    return fx.FACTOR_LABELS.get(column, "常数项" if column == "const" else column)
