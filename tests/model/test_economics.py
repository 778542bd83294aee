"""Break-even, freeze days on the exchange calendar, advice, metrics and the backtest arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from reportbot.config import Config
from reportbot.domain import ADVICE_AVOID, ADVICE_CAUTION, ADVICE_SUBSCRIBE
from reportbot.model import advice, backtest, metrics
from reportbot.model.ols import Forecast
from reportbot.model.subscription import freeze_days
from reportbot.pipeline import calendar_for


def test_seed_003_breakeven_example() -> None:
    fc = Forecast(mean=27.4, sd=10.0, df=100)
    econ = advice.economics(fc, annual_rate=0.05, days=4, expected_winning_rate_pct=0.2)
    assert econ.breakeven_pct == pytest.approx(27.4, abs=0.05)
    assert econ.p_beats == pytest.approx(0.5, abs=0.01)
    assert econ.expected_profit_per_10k == pytest.approx(0.0, abs=0.01)  # at break-even the profit is nil


@pytest.mark.parametrize(
    ("apply_day", "days"),
    [
        (date(2024, 9, 23), 2),  # Monday → Wednesday
        (date(2024, 9, 26), 4),  # Thursday → Monday (weekend)
        (date(2024, 9, 27), 11),  # Friday before National Day → Tuesday 2024-10-08 (weekend + holiday)
        (date(2025, 1, 24), 12),  # Friday, Monday open, then Spring Festival → Wednesday 2025-02-05
    ],
)
def test_freeze_days_across_weekend_and_holiday(config: Config, apply_day: date, days: int) -> None:
    cal = calendar_for(config)
    assert freeze_days(cal, apply_day, config.calendar.refund_offset_trading_days) == days


def test_no_winning_rate_means_no_breakeven_and_caution() -> None:
    fc = Forecast(mean=150.0, sd=50.0, df=100)
    econ = advice.economics(fc, annual_rate=0.05, days=2, expected_winning_rate_pct=None)
    assert econ.breakeven_pct is None and econ.p_beats is None
    assert advice.advise(p_break=fc.prob_below(0), econ=econ, min_probability=0.5) == ADVICE_CAUTION


@pytest.mark.parametrize(
    ("mean", "threshold", "affordable", "expected"),
    [
        (200.0, 0.5, True, ADVICE_SUBSCRIBE),
        (200.0, 0.999, True, ADVICE_CAUTION),  # profitable on average but not likely enough for this subscriber
        (60.0, 0.5, True, ADVICE_AVOID),  # below the ~91 % break-even
        (-20.0, 0.1, True, ADVICE_AVOID),  # likely 破发
        (200.0, 0.5, False, ADVICE_AVOID),  # capital below one lot
    ],
)
def test_advice_rules(mean: float, threshold: float, affordable: bool, expected: str) -> None:
    fc = Forecast(mean=mean, sd=40.0, df=100)
    econ = advice.economics(fc, annual_rate=0.05, days=2, expected_winning_rate_pct=0.03)
    assert econ.breakeven_pct == pytest.approx(91.3, abs=0.1)
    got = advice.advise(p_break=fc.prob_below(0), econ=econ, min_probability=threshold, lot_affordable=affordable)
    assert got == expected


def test_metrics_on_a_small_sample() -> None:
    items = [
        metrics.Scored(actual=-10, predicted=-5, low=-20, high=0, p_beats=0.2, beats=False),
        metrics.Scored(actual=-5, predicted=10, low=0, high=20, p_beats=0.6, beats=False),
        metrics.Scored(actual=30, predicted=-1, low=-10, high=40, p_beats=0.5, beats=True),
        metrics.Scored(actual=50, predicted=40, low=30, high=60, p_beats=1.0, beats=True),
    ]
    m = metrics.metric_set("t", items)
    assert m.n == 4
    assert m.mae_pct == pytest.approx((5 + 15 + 31 + 10) / 4)
    assert m.median_ae_pct == pytest.approx(12.5)
    assert m.interval_coverage == pytest.approx(0.75)
    assert m.break_precision == pytest.approx(0.5)  # 2 called, 1 right
    assert m.break_recall == pytest.approx(0.5)  # 2 breaks, 1 found
    assert m.brier_beats_breakeven == pytest.approx((0.04 + 0.36 + 0.25 + 0.0) / 4)
    assert m.r2 == pytest.approx(1 - (25 + 225 + 961 + 100) / sum((a - 16.25) ** 2 for a in (-10, -5, 30, 50)))
    no_breaks = metrics.metric_set("u", [metrics.Scored(actual=5, predicted=-1)])
    assert no_breaks.break_recall is None and no_breaks.break_precision is None and no_breaks.r2 is None


def test_backtest_arithmetic() -> None:
    def trade(year: int, ret: float, pick: bool) -> backtest.Trade:
        t = backtest.Trade(
            year=year, capital=1e6, days=2, winning_rate_pct=0.1, return_pct=ret, annual_rate=0.05, decisions={}
        )
        return backtest.Trade(
            **{
                **t.__dict__,
                "decisions": backtest.decisions(
                    expected_profit=1.0 if pick else -1.0, p_beats=0.7 if pick else 0.1, threshold=0.5, profit=t.profit
                ),
            }
        )

    trades = [trade(2022, -20.0, False), trade(2022, 50.0, True), trade(2023, 100.0, True)]
    rows = {(r.strategy, r.year): r for r in backtest.backtest(trades)}
    cost = 1e6 * 0.05 * 2 / 365
    assert rows[(backtest.STRATEGY_ALL, None)].profit_cny == pytest.approx(1000 * (-0.2 + 0.5 + 1.0) - 3 * cost)
    assert rows[(backtest.STRATEGY_PROFIT, 2022)].subscribed == 1
    assert rows[(backtest.STRATEGY_PERFECT, None)].subscribed == 2
    total = rows[(backtest.STRATEGY_PROBABILITY, None)]
    assert total.capital_days == pytest.approx(4e6)
    assert total.return_on_frozen_pct == pytest.approx(total.profit_cny / 4e6 * 365 * 100)
