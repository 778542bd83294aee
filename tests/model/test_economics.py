"""Break-even, freeze days on the exchange calendar, advice, metrics and the backtest arithmetic."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest

from reportbot.config import Config
from reportbot.domain import ADVICE_AVOID, ADVICE_CAUTION, ADVICE_SUBSCRIBE, LotOutlook
from reportbot.model import advice, backtest, metrics
from reportbot.model import allocation as al
from reportbot.model.predictive import ReturnForecast
from reportbot.model.subscription import breakeven_return, freeze_days
from reportbot.tradingcal import calendar_for


def _outlook(
    capital: float, *, price: float = 10.0, cap: float | None = 1_000_000, ratio: float = 0.0003, p: float = 0.0
) -> LotOutlook:
    return al.lot_outlook(capital=capital, price=price, cap_shares=cap, ratio=ratio, cap_p_extra_low=p, basis="")


def _fc(median_pct: float, scale: float = 0.4) -> ReturnForecast:
    return ReturnForecast(loc=math.log1p(median_pct / 100), scale=scale, df=100)


def test_seed_003_breakeven_example() -> None:
    # 5 %/yr, 4 days, 0.2 %: break-even 27.4 % (proportional allocation, capital-independent)
    assert breakeven_return(0.05, 4, 0.002) == pytest.approx(0.274, abs=0.0005)


def test_profit_comes_from_whole_lots_and_the_cash_frozen() -> None:
    # ¥10,000,000 at ¥10 is capped at 1,000,000 shares (¥10,000,000 frozen); × 0.03 % = 300 shares → 3 lots
    o = _outlook(12_000_000)
    assert (o.shares, o.cash, o.by_proportion, o.at_cap) == (1_000_000, 10_000_000, 3, True)
    econ = advice.economics(_fc(100.0), o, annual_rate=0.05, days=4)
    cost = 10_000_000 * 0.05 * 4 / 365
    assert econ.cost == pytest.approx(cost)
    assert econ.expected_profit == pytest.approx(3 * 1000 * 1.0 - cost)  # 3 lots × ¥1,000 × 100 %
    assert econ.breakeven_pct == pytest.approx(cost / 3000 * 100)
    assert econ.p_profit == pytest.approx(_fc(100.0).prob_above(cost / 3000 * 100))


def test_a_leftover_lot_counts_with_its_supported_probability() -> None:
    o = _outlook(12_000_000, p=0.25)
    econ = advice.economics(_fc(100.0), o, annual_rate=0.05, days=4)
    cost = 10_000_000 * 0.05 * 4 / 365
    assert econ.expected_profit == pytest.approx(3.25 * 1000 - cost)
    fc = _fc(100.0)
    mixed = 0.75 * fc.prob_above(cost / 3000 * 100) + 0.25 * fc.prob_above(cost / 4000 * 100)
    assert econ.p_profit == pytest.approx(mixed)
    assert econ.p_profit + fc.prob_below(0.0) <= 1.0


def test_zero_lots_by_proportion_means_the_freeze_cost_for_sure_and_avoid() -> None:
    # 安达股份's case: ¥1,000,000 below the cap, 0 lots by proportion, no leftover lot counted
    o = _outlook(1_000_000, price=7.55, cap=1_190_000, ratio=0.000267, p=0.3)
    assert o.by_proportion == 0 and o.expected_lots == 0
    econ = advice.economics(_fc(200.0), o, annual_rate=0.05, days=2)
    assert econ.expected_profit == pytest.approx(-o.cash * 0.05 * 2 / 365)
    assert econ.p_profit == 0.0 and econ.breakeven_pct is None
    assert advice.advise(p_break=0.01, econ=econ, min_probability=0.5) == ADVICE_AVOID


def test_no_ratio_means_no_breakeven_and_caution() -> None:
    econ = advice.economics(_fc(150.0), None, annual_rate=0.05, days=2)
    assert econ.breakeven_pct is None and econ.p_profit is None and econ.expected_profit is None
    assert advice.advise(p_break=0.01, econ=econ, min_probability=0.5) == ADVICE_CAUTION


@pytest.mark.parametrize(
    ("median", "threshold", "expected"),
    [
        (200.0, 0.5, ADVICE_SUBSCRIBE),
        (200.0, 0.999, ADVICE_CAUTION),  # profitable at the median but not likely enough for this subscriber
        (30.0, 0.5, ADVICE_AVOID),  # below the ~73 % break-even of 3 lots
        (-20.0, 0.1, ADVICE_AVOID),  # likely 破发
    ],
)
def test_advice_rules(median: float, threshold: float, expected: str) -> None:
    fc = _fc(median)
    econ = advice.economics(fc, _outlook(12_000_000), annual_rate=0.05, days=2)
    assert econ.breakeven_pct == pytest.approx(10_000_000 * 0.05 * 2 / 365 / 3000 * 100)
    assert advice.advise(p_break=fc.prob_below(0), econ=econ, min_probability=threshold) == expected


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
    def trade(year: int, ret: float, advice_yes: bool) -> backtest.Trade:
        t = backtest.Trade(
            year=year, cash=1e6, days=2, lots=3, price=10.0, return_pct=ret, annual_rate=0.05, decisions={}
        )
        chosen = backtest.decisions(
            advice_subscribe=advice_yes, recent3=80.0, breakeven=ret - 1, predicted=ret, profit=t.profit
        )
        return dataclasses.replace(t, decisions=chosen)

    trades = [trade(2022, -20.0, False), trade(2022, 50.0, True), trade(2023, 100.0, True)]
    rows = {(r.strategy, r.year): r for r in backtest.backtest(trades, "甲")}
    cost = 1e6 * 0.05 * 2 / 365
    assert rows[("甲·全部申购", None)].profit_cny == pytest.approx(3000 * (-0.2 + 0.5 + 1.0) - 3 * cost)
    assert rows[("甲·" + backtest.STRATEGY_ADVICE, 2022)].subscribed == 1
    assert rows[("甲·" + backtest.STRATEGY_PERFECT, None)].subscribed == 2  # −20 % loses
    assert rows[("甲·" + backtest.STRATEGY_SEED, None)].subscribed == 2  # predicted ≥ 0
    naive = rows[("甲·" + backtest.STRATEGY_NAIVE, None)]  # 80 > break-even only for −20 % and 50 %
    assert naive.subscribed == 2
    total = rows[("甲·" + backtest.STRATEGY_ADVICE, None)]
    assert total.capital_days == pytest.approx(4e6)
    assert total.return_on_frozen_pct == pytest.approx(total.profit_cny / 4e6 * 365 * 100)
