"""Strategy backtest like seed 003's table 9, on walk-forward (out-of-sample) decisions only.

Capital assumption: every subscribed IPO gets the same capital (the default subscriber's, capped at the
cash needed at the subscription cap when the data has the cap). The profit of one subscription is its
expected value with the realised winning rate and first-day return: capital × winning rate × return −
freeze cost (simple interest, calendar days T → refund). Return on frozen capital is annualised:
profit / capital-days × 365.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportbot.domain import BacktestRow
from reportbot.model.subscription import freeze_cost

STRATEGY_ALL = "全部申购"
STRATEGY_PROFIT = "模型选择（期望收益>0）"
STRATEGY_PROBABILITY = "模型选择（P(超过盈亏平衡)≥阈值）"
STRATEGY_PERFECT = "完美预知"
STRATEGIES = (STRATEGY_ALL, STRATEGY_PROFIT, STRATEGY_PROBABILITY, STRATEGY_PERFECT)


@dataclass(frozen=True, kw_only=True)
class Trade:
    """One IPO that a strategy may subscribe to, with its realised outcome."""

    year: int
    capital: float
    days: int
    winning_rate_pct: float
    return_pct: float
    annual_rate: float
    decisions: Mapping[str, bool]  # strategy → subscribe?

    @property
    def profit(self) -> float:
        """Expected profit (CNY) with the realised winning rate and first-day return."""
        gain = self.capital * self.winning_rate_pct / 100.0 * self.return_pct / 100.0
        return gain - freeze_cost(self.capital, self.annual_rate, self.days)


def decisions(
    *, expected_profit: float | None, p_beats: float | None, threshold: float, profit: float
) -> dict[str, bool]:
    """What each strategy does for one IPO (``profit``: the realised one, known only to perfect foresight)."""
    return {
        STRATEGY_ALL: True,
        STRATEGY_PROFIT: expected_profit is not None and expected_profit > 0,
        STRATEGY_PROBABILITY: p_beats is not None and p_beats >= threshold,
        STRATEGY_PERFECT: profit > 0,
    }


def backtest(trades: Sequence[Trade]) -> tuple[BacktestRow, ...]:
    """Per strategy: one row per year, then the total (year None)."""
    years = sorted({t.year for t in trades})
    rows = []
    for strategy in STRATEGIES:
        for year in [*years, None]:
            chosen = [t for t in trades if t.decisions.get(strategy) and (year is None or t.year == year)]
            profit = sum(t.profit for t in chosen)
            capital_days = sum(t.capital * t.days for t in chosen)
            rows.append(
                BacktestRow(
                    strategy=strategy,
                    year=year,
                    subscribed=len(chosen),
                    profit_cny=profit,
                    capital_days=capital_days,
                    return_on_frozen_pct=profit / capital_days * 365 * 100 if capital_days else None,
                )
            )
    return tuple(rows)
