"""Scoring walk-forward predictions against outcomes, and the backtest trades of the two subscribers.

The break-even scored by Brier(P > break-even) is the capital-independent one of proportional allocation
(annual rate × days ÷ 365 ÷ 配售比例 expected before T): a subscriber's own break-even depends on his
whole lots and is undefined with none. The naive baselines use only outcomes known before T; the
last-3 baseline's point is the mean of the latest whole listing days holding at least 3 IPOs, and its
probabilities are shares of those same outcomes.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from datetime import date

from reportbot.domain import ADVICE_SUBSCRIBE, Evaluation, Ipo, LotOutlook, MetricSet, Prediction
from reportbot.model import allocation as al
from reportbot.model import backtest, metrics
from reportbot.model.walkforward import RowForecast
from reportbot.model.winning_rate import issue_facts

MODEL_NAME = "模型（对数收益OLS，单一预测分布）"
BASELINE_RECENT = "近3只新股均值"
BASELINE_TRAILING = f"近{metrics.TRAILING_WINDOW}只中位数"

Pair = tuple[RowForecast, Prediction]
Scores = tuple[metrics.Scored, metrics.Scored | None, metrics.Scored | None]


def score(rf: RowForecast, p: Prediction) -> Scores:
    """The model's and the two baselines' scored predictions of one IPO with a known outcome."""
    actual = float(p.actual_return_pct)  # type: ignore[arg-type]
    be = p.proportional_breakeven_pct
    year = p.apply_date.year
    model = metrics.Scored(
        actual=actual,
        predicted=p.predicted_return_pct,
        low=p.interval_low_pct,
        high=p.interval_high_pct,
        p_beats=p.p_beats_proportional,
        beats=None if be is None else actual > be,
        p_break=p.p_break_issue,
        year=year,
    )
    known = rf.row.known_returns
    recent = None
    if rf.row.recent3 is not None:
        recent = _empirical(rf.row.recent3_returns, rf.row.recent3, actual, be, year)
    window = known[-metrics.TRAILING_WINDOW :]
    trailing = None
    if window:
        trailing = _empirical(window, statistics.median(window), actual, be, year, level=p.interval_level)
    return model, recent, trailing


def _empirical(
    values: Sequence[float], predicted: float, actual: float, be: float | None, year: int, level: float | None = None
) -> metrics.Scored:
    """A naive baseline: its point, the empirical probabilities of ``values`` and (with ``level``) its interval."""
    low, high = (None, None) if level is None else metrics.empirical_interval(values, level)
    return metrics.Scored(
        actual=actual,
        predicted=predicted,
        low=low,
        high=high,
        p_beats=metrics.share_above(values, be),
        beats=None if be is None else actual > be,
        p_break=metrics.share_below(values, 0.0),
        year=year,
    )


def evaluation(sample: str, pairs: Sequence[Pair], reference: MetricSet | None = None) -> Evaluation:
    """Metrics of the model and the baselines on the pairs with known outcomes."""
    scored = [score(rf, p) for rf, p in pairs if p.actual_return_pct is not None]
    model = metrics.metric_set(MODEL_NAME, [s[0] for s in scored])
    own = [(p.p_break_issue, p.p_beats_breakeven) for _, p in pairs if p.p_beats_breakeven is not None]
    if model.incoherent is not None:  # the subscriber's own P(profit > 0) must be coherent as well
        extra = sum(a + b > 1 + 1e-9 for a, b in own)
        model = dataclasses.replace(model, incoherent=model.incoherent + extra)
    return Evaluation(
        sample=sample,
        model=model,
        baselines=tuple(
            metrics.metric_set(name, [s[k] for s in scored if s[k] is not None])  # type: ignore[misc]
            for k, name in ((1, BASELINE_RECENT), (2, BASELINE_TRAILING))
        ),
        reference=reference,
    )


def in_window(p: Prediction, start: date | None, end: date | None) -> bool:
    """Whether T is within [start, end] (open ends allowed)."""
    return (start is None or p.apply_date >= start) and (end is None or p.apply_date <= end)


def realised_lots(ipo: Ipo, shares: int, at_cap: bool) -> float | None:
    """Lots received at the published ratio: by proportion, plus the supported share of a leftover lot."""
    if not ipo.online_winning_rate_pct or not shares:
        return None if not ipo.online_winning_rate_pct else 0.0
    ratio = ipo.online_winning_rate_pct / 100.0
    lots: float = al.lots_by_proportion(shares, ratio)
    facts = issue_facts(ipo)
    bounds = None if facts is None else al.leftover_bounds(facts)
    if at_cap and bounds is not None and ratio < 1:
        lots += bounds.p_extra_low
    return lots


def trade(
    ipo: Ipo, rf: RowForecast, p: Prediction, outlook: LotOutlook | None, *, advice: str | None, annual_rate: float
) -> backtest.Trade | None:
    """The backtest trade of one subscriber (None without price, outcome, published ratio or allocation)."""
    if p.actual_return_pct is None or outlook is None or not ipo.issue_price:
        return None
    lots = realised_lots(ipo, outlook.shares, outlook.at_cap)
    if lots is None:
        return None
    t = backtest.Trade(
        year=p.apply_date.year,
        cash=outlook.cash,
        days=p.freeze_days,
        lots=lots,
        price=ipo.issue_price,
        return_pct=p.actual_return_pct,
        annual_rate=annual_rate,
        decisions={},
    )
    lot_value = 100 * ipo.issue_price
    cost = t.cash * annual_rate * t.days / 365.0
    breakeven = cost / (outlook.by_proportion * lot_value) * 100 if outlook.by_proportion else None
    chosen = backtest.decisions(
        advice_subscribe=advice == ADVICE_SUBSCRIBE,
        recent3=rf.row.recent3,
        breakeven=breakeven,
        predicted=p.predicted_return_pct,
        profit=t.profit,
    )
    return dataclasses.replace(t, decisions=chosen)
