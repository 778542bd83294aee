"""The per-IPO brief: terms and seed 002's subscription math for one IPO (no I/O).

Lots follow BSE's allocation rule (reportbot.model.allocation): whole lots by proportion, leftover lots
by quantity then time. Two break-evens are shown: the ex-ante one (before T, from the estimated
配售比例 and the lots it implies: what the advice used) and the realised one (from the published
配售比例 and the lots actually received: for review only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

from reportbot.domain import Ipo, LotOutlook, Prediction, SubscriberSettings
from reportbot.errors import ModelError
from reportbot.model.allocation import LOT, lots_by_proportion
from reportbot.model.subscription import breakeven_return, cash_at_cap, freeze_cost, freeze_days, refund_day
from reportbot.summary.comparables import Comparables
from reportbot.tradingcal import TradingCalendar

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class BriefLots:
    """Lots for the subscriber and at the cap, before T (estimated) and after the result (published)."""

    mine_ex_ante: LotOutlook | None
    cap_ex_ante: LotOutlook | None
    mine_realised: int | None  # whole lots by proportion at the published ratio
    cap_realised: int | None
    breakeven_mine_ex_ante: float | None
    breakeven_cap_ex_ante: float | None
    breakeven_mine_realised: float | None
    breakeven_cap_realised: float | None


@dataclass(frozen=True, kw_only=True)
class IpoBrief:
    """Everything the brief template shows; None → 暂缺 with the reason in ``notes``."""

    ipo: Ipo
    settings: SubscriberSettings
    refund_day: date | None
    refund_basis: str  # how the refund day was derived, in Chinese (empty when the source gave it)
    provisional_calendar: bool
    freeze_days: int | None
    cap_shares: float | None
    cap_cash: float | None
    capital_used: float | None  # the subscriber's capital, capped at the cash needed at the cap
    shares_applied: float | None  # shares the capital buys (lots of 100), at most the cap
    freeze_cost_cap: float | None
    freeze_cost_capital: float | None
    winning_rate_pct: float | None
    winning_rate_basis: str
    breakeven_pct: float | None
    first_day_profit_cap: float | None  # seed 002's 首日卖出收益 at the cap, when the outcome is known
    first_day_yield_pct: float | None  # that profit over the frozen cash
    prediction: Prediction | None
    prediction_reason: str
    notes: list[str]
    lots: BriefLots | None = None
    comparables: Comparables | None = None  # recent listings before T (the brief alone; not the monthly's rows)
    data_as_of: date | None
    generated_at: datetime


class _Freeze(TypedDict):
    refund_day: date | None
    refund_basis: str
    provisional_calendar: bool
    freeze_days: int | None


class _Cash(TypedDict):
    cap_shares: float | None
    cap_cash: float | None
    capital_used: float | None
    shares_applied: float | None
    freeze_cost_cap: float | None
    freeze_cost_capital: float | None


def build_brief(
    ipo: Ipo,
    calendar: TradingCalendar,
    settings: SubscriberSettings,
    prediction: Prediction | None,
    *,
    prediction_reason: str,
    refund_offset: int,
    data_as_of: date | None,
    generated_at: datetime,
) -> IpoBrief:
    """Work out the subscription math of ``ipo`` for ``settings`` (capital, cost of funds)."""
    notes: list[str] = []
    freeze = _freeze(ipo, calendar, refund_offset, notes)
    days = freeze["freeze_days"]
    cash = _cash(ipo, settings, days, notes)
    rate, basis = _winning_rate(ipo, prediction, prediction_reason)
    cap_shares = ipo.subscription_cap_shares
    expected = cap_shares * rate / 100 if cap_shares is not None and rate is not None else None
    profit, yield_pct = _first_day_profit(ipo, expected, cash["cap_cash"])
    return IpoBrief(
        ipo=ipo,
        settings=settings,
        **freeze,
        **cash,
        winning_rate_pct=rate,
        winning_rate_basis=basis,
        breakeven_pct=_breakeven_pct(settings.annual_rate, days, rate),
        first_day_profit_cap=profit,
        first_day_yield_pct=yield_pct,
        prediction=prediction,
        prediction_reason=reason_zh(prediction_reason) if prediction is None else "",
        notes=notes,
        lots=_lots(ipo, prediction, settings.annual_rate, days, cash["shares_applied"]),
        data_as_of=data_as_of,
        generated_at=generated_at,
    )


def _refund_basis(ipo: Ipo, refund: date | None, refund_offset: int) -> str:
    """Why the refund falls on that day: the source's date, the later 发行结果公告日, or T+N trading days."""
    if refund is None or ipo.refund_date is not None:
        return ""
    if ipo.issue_result_date is not None and refund == ipo.issue_result_date:
        return f"按发行结果公告日，晚于T+{refund_offset}交易日"
    return f"按T+{refund_offset}交易日推算"


def _freeze(ipo: Ipo, calendar: TradingCalendar, refund_offset: int, notes: list[str]) -> _Freeze:
    """Refund day, calendar days frozen and whether the calendar there is provisional (notes say why not)."""
    refund: date | None = None
    days: int | None = None
    if ipo.apply_date is None:
        notes.append("申购日暂缺：数据源未提供，无法计算冻结天数与成本。")
    else:
        try:
            refund = refund_day(calendar, ipo.apply_date, refund_offset, ipo.refund_date, ipo.issue_result_date)
            days = freeze_days(calendar, ipo.apply_date, refund_offset, refund)
        except ModelError as exc:
            log.warning("IPO %s: no freeze days: %s", ipo.code, exc)
            notes.append("冻结天数暂缺：数据源的退款日不晚于申购日，无法计算。")
            refund = None
    return _Freeze(
        refund_day=refund,
        refund_basis=_refund_basis(ipo, refund, refund_offset),
        provisional_calendar=refund is not None and calendar.is_provisional(refund),
        freeze_days=days,
    )


def cap_cash_of(ipo: Ipo) -> float | None:
    """Cash needed at the cap: cap × price, else the source's 顶格申购资金."""
    if ipo.issue_price is not None and ipo.subscription_cap_shares is not None:
        return cash_at_cap(ipo.issue_price, ipo.subscription_cap_shares)
    return None if ipo.top_apply_amount_wan is None else ipo.top_apply_amount_wan * 1e4


def _cash(ipo: Ipo, settings: SubscriberSettings, days: int | None, notes: list[str]) -> _Cash:
    """Cash at the cap, the subscriber's capital (at most that) and the shares it buys, and their freeze cost."""
    cap_shares = ipo.subscription_cap_shares
    cap_cash = cap_cash_of(ipo)
    if cap_cash is not None and cap_shares is None:
        notes.append("顶格申购资金取自数据源的“顶格申购需资金”字段（申购上限股数暂缺）。")
    capital = min(settings.capital_cny, cap_cash) if cap_cash is not None else None
    shares_applied = None
    if capital is not None and ipo.issue_price:
        shares_applied = float(int(capital / ipo.issue_price / 100) * 100)
        if cap_shares is not None:
            shares_applied = min(shares_applied, cap_shares)
    return _Cash(
        cap_shares=cap_shares,
        cap_cash=cap_cash,
        capital_used=capital,
        shares_applied=shares_applied,
        freeze_cost_cap=freeze_cost(cap_cash, settings.annual_rate, days) if cap_cash and days else None,
        freeze_cost_capital=freeze_cost(capital, settings.annual_rate, days) if capital and days else None,
    )


def _breakeven_pct(annual_rate: float, days: int | None, winning_rate_pct: float | None) -> float | None:
    """Seed 002's break-even first-day return (%) at the cap, from the winning rate."""
    if not winning_rate_pct or days is None:
        return None
    return breakeven_return(annual_rate, days, winning_rate_pct / 100) * 100


def _first_day_profit(ipo: Ipo, expected: float | None, cap_cash: float | None) -> tuple[float | None, float | None]:
    """Seed 002's 首日卖出收益 at the cap and its yield on the frozen cash, once the first day is known."""
    if expected is None or ipo.issue_price is None or ipo.first_day_return_pct is None or not cap_cash:
        return None, None
    profit = expected * ipo.issue_price * ipo.first_day_return_pct / 100
    return profit, profit / cap_cash * 100


def _winning_rate(ipo: Ipo, prediction: Prediction | None, reason: str) -> tuple[float | None, str]:
    if ipo.online_winning_rate_pct is not None:
        return ipo.online_winning_rate_pct, "实际网上中签率（发行结果公告）"
    if prediction is not None and prediction.expected_winning_rate_pct is not None:
        return prediction.expected_winning_rate_pct, "模型按近期可比新股估计的中签率"
    if prediction is None:
        return None, f"中签率暂缺：发行结果尚未公布，且{reason or '模型未给出估计'}"
    return None, "中签率暂缺：发行结果尚未公布，模型也无可比新股估计"


def reason_zh(reason: str) -> str:
    """The reason a prediction is absent, in plain Chinese (the model's errors are English)."""
    if not reason:
        return "模型未给出预测"
    if "no subscription date" in reason:
        return "模型未给出预测：申购日暂缺，无法确定申购日前已知的信息"
    if "fewer than" in reason:
        return "模型未给出预测：申购日前已知首日结果的新股太少，模型无法可靠拟合"
    if reason.isascii() or any("a" <= ch.lower() <= "z" for ch in reason):
        return "模型未给出预测：所需数据不足"
    return reason


def _breakeven(cost: float | None, lots: float | None, price: float | None) -> float | None:
    if cost is None or not lots or not price:
        return None
    return cost / (lots * LOT * price) * 100


def _lots(
    ipo: Ipo, prediction: Prediction | None, rate: float, days: int | None, shares_applied: float | None
) -> BriefLots | None:
    """Ex-ante lots (the prediction's) and realised lots (the published ratio's), with their break-evens."""
    mine = None if prediction is None else prediction.allocation
    cap = None if prediction is None else prediction.cap_allocation
    price = ipo.issue_price
    published = ipo.online_winning_rate_pct / 100 if ipo.online_winning_rate_pct else None
    if mine is None and published is None:
        return None
    mine_shares = mine.shares if mine is not None else shares_applied
    cap_shares = cap.shares if cap is not None else ipo.subscription_cap_shares
    mine_real = lots_by_proportion(mine_shares, published) if published and mine_shares else None
    cap_real = lots_by_proportion(cap_shares, published) if published and cap_shares else None

    def cost(shares: float | None) -> float | None:
        return freeze_cost(shares * price, rate, days) if shares and price and days else None

    return BriefLots(
        mine_ex_ante=mine,
        cap_ex_ante=cap,
        mine_realised=mine_real,
        cap_realised=cap_real,
        breakeven_mine_ex_ante=None if mine is None else _breakeven(cost(mine.shares), mine.by_proportion, price),
        breakeven_cap_ex_ante=None if cap is None else _breakeven(cost(cap.shares), cap.by_proportion, price),
        breakeven_mine_realised=_breakeven(cost(mine_shares), mine_real, price),
        breakeven_cap_realised=_breakeven(cost(cap_shares), cap_real, price),
    )
