"""The published :class:`Prediction` of one IPO for one subscriber: forecast + allocation + advice.

The 配售比例 before T is estimated as the median of the last ``lookback`` published ratios (online
中签率) before T; after the issue result it is the published one. A cap subscriber's chance of one
leftover lot counts only its lower bound (see :mod:`reportbot.model.allocation`): before T the smallest
bound among the last ``lookback`` published issues, after the result the issue's own bound.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date

from reportbot.domain import Ipo, LotOutlook, Prediction, SubscriberSettings
from reportbot.model import advice
from reportbot.model import allocation as al
from reportbot.model import factors as fx
from reportbot.model.ols import contributions
from reportbot.model.subscription import breakeven_return
from reportbot.model.walkforward import RowForecast
from reportbot.model.winning_rate import ExtraLotHistory, WinningRates, issue_facts

NO_EXTRA_BASIS = "数据缺少有效申购股数或获配户数，无法推算顶格账户多获配1手剩余股份的概率，按0计"


@dataclass(frozen=True, kw_only=True)
class RatioView:
    """The 配售比例 an allocation uses and the cap subscriber's leftover-lot bound, with their basis."""

    ratio_pct: float | None
    published: bool
    cap_p_extra_low: float | None
    basis: str


def _pct(v: float) -> str:
    return f"{v:.4f}%"


def ratio_view(
    ipo: Ipo, t: date, rates: WinningRates, extras: ExtraLotHistory, lookback: int, *, published: bool
) -> RatioView:
    """The ratio known before T (``published=False``) or announced (``published=True`` and available)."""
    if published and ipo.online_winning_rate_pct:
        return _published_view(ipo, ipo.online_winning_rate_pct)
    recent = rates.recent_before(t, lookback)
    if not recent:
        return RatioView(ratio_pct=None, published=False, cap_p_extra_low=None, basis="申购日前尚无已公布的中签率")
    median = statistics.median(recent)
    low = extras.low_before(t, lookback)
    extra = (
        NO_EXTRA_BASIS
        if low is None
        else (
            f"顶格账户多获配1手剩余股份的概率不低于 {low[0] * 100:.0f}%"
            f"（最近{low[1]}只已公布新股推算的下限中的最小值；上限100%，按下限计）"
        )
    )
    return RatioView(
        ratio_pct=median,
        published=False,
        cap_p_extra_low=None if low is None else low[0],
        basis=(
            f"配售比例按申购日前最近{len(recent)}只已公布新股中签率的中位数 {_pct(median)} 估计"
            f"（区间 {_pct(min(recent))}~{_pct(max(recent))}）；{extra}"
        ),
    )


def _published_view(ipo: Ipo, ratio_pct: float) -> RatioView:
    """The announced ratio and the issue's own leftover-lot bound."""
    facts = issue_facts(ipo)
    bounds = None if facts is None else al.leftover_bounds(facts)
    extra = (
        NO_EXTRA_BASIS
        if bounds is None
        else (
            f"顶格账户多获配1手剩余股份的概率在 {bounds.p_extra_low * 100:.0f}%~100% 之间（由本股公布的网上"
            f"发行量、有效申购股数与获配户数推算：剩余股份 {bounds.leftover_low:,}~{bounds.leftover_high:,} 手，"
            f"顶格账户至多 {bounds.cap_accounts_high:,} 户；按下限计）"
        )
    )
    return RatioView(
        ratio_pct=ratio_pct,
        published=True,
        cap_p_extra_low=None if bounds is None else bounds.p_extra_low,
        basis=f"配售比例为已公布的网上中签率 {_pct(ratio_pct)}；{extra}",
    )


def cap_shares(ipo: Ipo) -> float | None:
    """申购上限 in shares: stored, or 顶格申购资金 ÷ 发行价 rounded down to whole lots."""
    if ipo.subscription_cap_shares is not None:
        return ipo.subscription_cap_shares
    if ipo.top_apply_amount_wan is not None and ipo.issue_price:
        return math.floor(ipo.top_apply_amount_wan * 1e4 / ipo.issue_price / al.LOT + 1e-9) * al.LOT
    return None


def outlook(ipo: Ipo, capital: float, view: RatioView) -> LotOutlook | None:
    """The lots ``capital`` receives (None without an issue price or a ratio)."""
    if not ipo.issue_price or not view.ratio_pct:
        return None
    return al.lot_outlook(
        capital=capital,
        price=ipo.issue_price,
        cap_shares=cap_shares(ipo),
        ratio=view.ratio_pct / 100.0,
        cap_p_extra_low=view.cap_p_extra_low,
        basis=view.basis,
        ratio_published=view.published,
    )


def cap_outlook(ipo: Ipo, view: RatioView) -> LotOutlook | None:
    """The lots of a subscription at the cap (None without a cap, an issue price or a ratio)."""
    cap = cap_shares(ipo)
    if cap is None or not ipo.issue_price:
        return None
    return outlook(ipo, cap * ipo.issue_price, view)


def build_prediction(
    rf: RowForecast, *, ipo: Ipo, settings: SubscriberSettings, days: int, view: RatioView, interval_level: float
) -> Prediction:
    """The published :class:`Prediction` of one walk-forward forecast for one subscriber."""
    fc = rf.forecast
    mine = advice.economics(fc, outlook(ipo, settings.capital_cny, view), annual_rate=settings.annual_rate, days=days)
    at_cap = advice.economics(fc, cap_outlook(ipo, view), annual_rate=settings.annual_rate, days=days)
    low, high = fc.interval(interval_level)
    ratio = None if view.ratio_pct is None else view.ratio_pct / 100.0
    prop = None if ratio is None else breakeven_return(settings.annual_rate, days, ratio) * 100
    return Prediction(
        code=rf.row.code,
        apply_date=rf.row.apply_date,
        predicted_return_pct=fc.mean,
        interval_low_pct=low,
        interval_high_pct=high,
        interval_level=interval_level,
        p_break_issue=rf.p_break,
        freeze_days=days,
        expected_winning_rate_pct=view.ratio_pct,
        breakeven_return_pct=mine.breakeven_pct,
        p_beats_breakeven=mine.p_profit,
        expected_profit_per_10k=mine.per_10k,
        advice=advice.advise(p_break=rf.p_break, econ=mine, min_probability=settings.min_probability),
        train_size=rf.train_size,
        dropped_factors=tuple(f"{fx.FACTOR_LABELS[name]}：{reason}" for name, reason in rf.dropped),
        contributions=tuple((advice.factor_label(c), v) for c, v in contributions(rf.fit, rf.x)),
        actual_return_pct=rf.row.actual_return_pct,
        allocation=mine.outlook,
        expected_profit_cny=mine.expected_profit,
        cap_allocation=at_cap.outlook,
        cap_expected_profit_cny=at_cap.expected_profit,
        cap_p_profit=at_cap.p_profit,
        cap_advice=None
        if at_cap.outlook is None
        else advice.advise(p_break=rf.p_break, econ=at_cap, min_probability=settings.min_probability),
        proportional_breakeven_pct=prop,
        p_beats_proportional=None if prop is None else fc.prob_above(prop),
    )
