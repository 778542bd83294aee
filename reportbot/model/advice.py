"""From a predictive distribution to break-even, expected profit and advice for one subscriber.

Break-even first-day return = freeze cost / (capital × winning rate) = annual rate × days / 365 / winning
rate (independent of the capital). Expected profit per ¥10,000 frozen = 10,000 × (winning rate ×
predicted return − annual rate × days / 365). The subscriber's capital enters through the subscription
cap (cash above the cap is never frozen, so per-¥10,000 figures do not change) and the minimum lot: a
capital below one lot (100 shares × issue price) cannot subscribe.

Advice: 申购 when P(return > break-even) ≥ the subscriber's ``min_probability`` and the expected profit
is positive; 回避 when P(破发) ≥ 0.5, or when P(return > break-even) is below the threshold and the
expected profit is not positive, or when the capital is below one lot; 谨慎 otherwise. Without an
expected winning rate (no published rate before T) the break-even is 暂缺 and the advice is at best 谨慎.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportbot.domain import ADVICE_AVOID, ADVICE_CAUTION, ADVICE_SUBSCRIBE, Prediction, SubscriberSettings
from reportbot.model import factors as fx
from reportbot.model.ols import Forecast
from reportbot.model.subscription import breakeven_return, freeze_cost
from reportbot.model.walkforward import INDUSTRY_PREFIX, RowForecast

MIN_LOT_SHARES = 100
PER = 10_000.0


@dataclass(frozen=True, kw_only=True)
class Economics:
    """Break-even and expected profit of one IPO for one subscriber (percent units like the data)."""

    breakeven_pct: float | None
    p_beats: float | None
    expected_profit_per_10k: float | None


def economics(fc: Forecast, *, annual_rate: float, days: int, expected_winning_rate_pct: float | None) -> Economics:
    """Break-even return, P(return > break-even) and expected profit per ¥10,000 frozen."""
    if expected_winning_rate_pct is None or expected_winning_rate_pct <= 0:
        return Economics(breakeven_pct=None, p_beats=None, expected_profit_per_10k=None)
    wr = expected_winning_rate_pct / 100.0
    breakeven = breakeven_return(annual_rate, days, wr) * 100.0
    profit = PER * wr * fc.mean / 100.0 - freeze_cost(PER, annual_rate, days)
    return Economics(breakeven_pct=breakeven, p_beats=fc.prob_above(breakeven), expected_profit_per_10k=profit)


def advise(*, p_break: float, econ: Economics, min_probability: float, lot_affordable: bool = True) -> str:
    """申购 / 谨慎 / 回避 (rules in the module docstring)."""
    if not lot_affordable or p_break >= 0.5:
        return ADVICE_AVOID
    if econ.p_beats is None or econ.expected_profit_per_10k is None:
        return ADVICE_CAUTION
    good_p = econ.p_beats >= min_probability
    good_profit = econ.expected_profit_per_10k > 0
    if good_p and good_profit:
        return ADVICE_SUBSCRIBE
    if not good_p and not good_profit:
        return ADVICE_AVOID
    return ADVICE_CAUTION


def factor_label(column: str) -> str:
    """Chinese label of a design column (a factor, an industry dummy or the constant)."""
    if column.startswith(INDUSTRY_PREFIX):
        return "行业：" + column[len(INDUSTRY_PREFIX) :]
    return fx.FACTOR_LABELS.get(column, "常数项" if column == "const" else column)


def build_prediction(
    rf: RowForecast,
    *,
    settings: SubscriberSettings,
    days: int,
    expected_winning_rate_pct: float | None,
    interval_level: float,
    issue_price: float | None = None,
) -> Prediction:
    """The published :class:`Prediction` of one walk-forward forecast for one subscriber."""
    fc = rf.forecast
    econ = economics(
        fc, annual_rate=settings.annual_rate, days=days, expected_winning_rate_pct=expected_winning_rate_pct
    )
    p_break = rf.p_break
    affordable = issue_price is None or settings.capital_cny >= issue_price * MIN_LOT_SHARES
    low, high = fc.interval(interval_level)
    return Prediction(
        code=rf.row.code,
        apply_date=rf.row.apply_date,
        predicted_return_pct=fc.mean,
        interval_low_pct=low,
        interval_high_pct=high,
        interval_level=interval_level,
        p_break_issue=p_break,
        freeze_days=days,
        expected_winning_rate_pct=expected_winning_rate_pct,
        breakeven_return_pct=econ.breakeven_pct,
        p_beats_breakeven=econ.p_beats,
        expected_profit_per_10k=econ.expected_profit_per_10k,
        advice=advise(p_break=p_break, econ=econ, min_probability=settings.min_probability, lot_affordable=affordable),
        train_size=rf.train_size,
        dropped_factors=tuple(f"{fx.FACTOR_LABELS[name]}：{reason}" for name, reason in rf.dropped),
        contributions=tuple(
            (factor_label(c), b * v) for c, b, v in zip(rf.fit.columns, rf.fit.params, rf.x, strict=True)
        ),
        actual_return_pct=rf.row.actual_return_pct,
    )
