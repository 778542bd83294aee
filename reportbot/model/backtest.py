"""Backtest of the advice users receive, with whole lots, on walk-forward (out-of-sample) decisions only.

Two subscribers: the default one (its capital, in whole lots, capped at the cap) and one at the cap.
Each subscribed IPO earns lots × 100 × issue price × realised first-day return − the freeze cost of the
cash actually frozen (simple interest, calendar days T → refund). The lots are the allocation at the
published 配售比例: whole lots by proportion, plus, for the cap subscriber, the lower bound of the chance
of one leftover lot that the issue's published figures support (0 where the data lack them). Return on
frozen cash is annualised: profit ÷ capital-days × 365.

Strategies: subscribe to every IPO; the advice (申购 only); the naive rule "mean of the last 3 first-day
returns > the subscriber's break-even" (no lot by proportion: no break-even, no subscription); seed 003's
rule "predicted return ≥ 0"; perfect foresight (realised profit > 0, a ceiling, not a strategy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportbot.domain import BacktestRow
from reportbot.model.subscription import freeze_cost

STRATEGY_ALL = "全部申购"
STRATEGY_ADVICE = "按建议申购"
STRATEGY_NAIVE = "近3只均值超过盈亏平衡"
STRATEGY_SEED = "种子003规则（预测涨幅≥0）"
STRATEGY_PERFECT = "完美预知"
STRATEGIES = (STRATEGY_ALL, STRATEGY_ADVICE, STRATEGY_NAIVE, STRATEGY_SEED, STRATEGY_PERFECT)
SUBSCRIBER_DEFAULT = "默认资金"
SUBSCRIBER_CAP = "顶格申购"
SEPARATOR = "·"


@dataclass(frozen=True, kw_only=True)
class Trade:
    """One IPO that a strategy may subscribe to for one subscriber, with its realised outcome."""

    year: int
    cash: float  # frozen: the subscription amount
    days: int
    lots: float  # lots received (whole lots by proportion + the supported share of a leftover lot)
    price: float
    return_pct: float
    annual_rate: float
    decisions: Mapping[str, bool]  # strategy → subscribe?

    @property
    def profit(self) -> float:
        """Realised profit (CNY) of subscribing."""
        return self.lots * 100 * self.price * self.return_pct / 100.0 - freeze_cost(
            self.cash, self.annual_rate, self.days
        )


def decisions(
    *, advice_subscribe: bool, recent3: float | None, breakeven: float | None, predicted: float, profit: float
) -> dict[str, bool]:
    """What each strategy does for one IPO (``profit``: the realised one, known only to perfect foresight)."""
    return {
        STRATEGY_ALL: True,
        STRATEGY_ADVICE: advice_subscribe,
        STRATEGY_NAIVE: recent3 is not None and breakeven is not None and recent3 > breakeven,
        STRATEGY_SEED: predicted >= 0,
        STRATEGY_PERFECT: profit > 0,
    }


def backtest(trades: Sequence[Trade], subscriber: str = "") -> tuple[BacktestRow, ...]:
    """Per strategy: one row per year, then the total (year None); names prefixed by ``subscriber``."""
    years = sorted({t.year for t in trades})
    prefix = f"{subscriber}{SEPARATOR}" if subscriber else ""
    rows = []
    for strategy in STRATEGIES:
        for year in [*years, None]:
            chosen = [t for t in trades if t.decisions.get(strategy) and (year is None or t.year == year)]
            profit = sum(t.profit for t in chosen)
            capital_days = sum(t.cash * t.days for t in chosen)
            rows.append(
                BacktestRow(
                    strategy=prefix + strategy,
                    year=year,
                    subscribed=len(chosen),
                    profit_cny=profit,
                    capital_days=capital_days,
                    return_on_frozen_pct=profit / capital_days * 365 * 100 if capital_days else None,
                )
            )
    return tuple(rows)
