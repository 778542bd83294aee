"""Chinese subscription-alert text for one IPO (the preview every subscriber would get)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportbot import zhfmt
from reportbot.domain import Ipo, Prediction, SubscriberSettings
from reportbot.model.subscription import cash_at_cap, freeze_cost, freeze_days, refund_date
from reportbot.tradingcal import TradingCalendar


@dataclass(frozen=True, kw_only=True)
class AlertTerms:
    """Subscription terms of one IPO for one subscriber's capital and cost of funds."""

    ipo: Ipo
    refund_day: date
    freeze_days: int
    cap_cash: float | None
    cap_shares_text: str  # 申购上限 as stored, or derived from 顶格资金 ÷ 发行价 (and marked so)
    capital: float
    annual_rate: float
    freeze_cost: float
    provisional_calendar: bool


def alert_terms(
    ipo: Ipo, calendar: TradingCalendar, *, capital: float, annual_rate: float, refund_offset: int = 2
) -> AlertTerms:
    """Work out the freeze period and its cost for ``capital`` (capped at the cash needed at the cap)."""
    if ipo.apply_date is None:
        raise ValueError(f"IPO {ipo.code} has no subscription date")
    refund = ipo.refund_date or refund_date(calendar, ipo.apply_date, refund_offset)
    days = freeze_days(calendar, ipo.apply_date, refund_offset, ipo.refund_date)
    cap_cash = None
    if ipo.issue_price is not None and ipo.subscription_cap_shares is not None:
        cap_cash = cash_at_cap(ipo.issue_price, ipo.subscription_cap_shares)
    elif ipo.top_apply_amount_wan is not None:
        cap_cash = ipo.top_apply_amount_wan * 1e4
    used = min(capital, cap_cash) if cap_cash is not None else capital
    cap_text = zhfmt.shares(ipo.subscription_cap_shares)
    if ipo.subscription_cap_shares is None and cap_cash is not None and ipo.issue_price:
        cap_text = f"约{zhfmt.shares(cap_cash / ipo.issue_price)}（由顶格申购资金÷发行价推算）"
    return AlertTerms(
        ipo=ipo,
        refund_day=refund,
        freeze_days=days,
        cap_cash=cap_cash,
        cap_shares_text=cap_text,
        capital=used,
        annual_rate=annual_rate,
        freeze_cost=freeze_cost(used, annual_rate, days),
        provisional_calendar=calendar.is_provisional(refund),
    )


def pe_line(ipo: Ipo) -> str:
    """发行市盈率 vs 行业市盈率 as one phrase."""
    text = f"发行市盈率 {zhfmt.num(ipo.issue_pe)} 倍，行业市盈率 {zhfmt.num(ipo.industry_pe)} 倍"
    if ipo.issue_pe is not None and ipo.industry_pe:
        text += f"（为行业的 {ipo.issue_pe / ipo.industry_pe * 100:.0f}%）"
    return text


# --- Per-subscriber alerts for the four events of an IPO ---

EVENT_EVE = "eve"
EVENT_MORNING = "morning"
EVENT_RESULT = "result"
EVENT_LISTING = "listing"
EVENT_BRIEF = "brief"  # the /ipo brief: not a scheduled event
EVENTS: tuple[str, ...] = (EVENT_EVE, EVENT_MORNING, EVENT_RESULT, EVENT_LISTING)
EVENT_TITLES = {
    EVENT_BRIEF: "【北交所新股简报】",
    EVENT_EVE: "【北交所新股申购提醒·明日申购】",
    EVENT_MORNING: "【北交所新股申购提醒·今日申购】",
    EVENT_RESULT: "【北交所新股·中签率公布】",
    EVENT_LISTING: "【北交所新股·今日上市】",
}
NO_PREDICTION = "模型预测暂缺（此前已知结果的新股太少，模型无法给出预测）"


def event_date(ipo: Ipo, event: str, calendar: TradingCalendar) -> date | None:
    """The day an event's alert is due: eve = trading day before T, morning = T, result, listing."""
    if event == EVENT_EVE:
        return calendar.previous_trading_day(ipo.apply_date) if ipo.apply_date else None
    if event == EVENT_MORNING:
        return ipo.apply_date
    if event == EVENT_RESULT:  # the announced result day, else T+3 trading days (as in the bundled data)
        if ipo.issue_result_date is None and ipo.apply_date is not None:
            return calendar.add_trading_days(ipo.apply_date, 3)
        return ipo.issue_result_date
    if event == EVENT_LISTING:
        return ipo.listing_date
    raise ValueError(f"unknown alert event {event!r}; known: {', '.join(EVENTS)}")


def _prediction_lines(terms: AlertTerms, prediction: Prediction | None, note: str, threshold: str) -> list[str]:
    if prediction is None:
        return [f"首日涨幅预测：{note}", f"建议：{zhfmt.MISSING}（无模型预测，无法按您的设置给出建议）"]
    p = prediction
    level = f"{p.interval_level * 100:.0f}%"
    profit = None
    if p.expected_profit_per_10k is not None:
        profit = p.expected_profit_per_10k * terms.capital / 1e4
    beats = zhfmt.MISSING if p.p_beats_breakeven is None else f"{p.p_beats_breakeven * 100:.0f}%"
    return [
        (
            f"预测首日涨幅：{zhfmt.pct(p.predicted_return_pct, 1, signed=True)}"
            f"（{level} 区间 {zhfmt.pct(p.interval_low_pct, 1, signed=True)} ~ "
            f"{zhfmt.pct(p.interval_high_pct, 1, signed=True)}）；破发概率 {p.p_break_issue * 100:.0f}%"
        ),
        f"盈亏平衡首日涨幅：{zhfmt.pct(p.breakeven_return_pct, 1)}；超过盈亏平衡的概率：{beats}",
        f"预期收益（扣除冻结成本）：{zhfmt.cny(profit)}（每万元冻结资金 {zhfmt.num(p.expected_profit_per_10k)} 元）",
        f"建议：{p.advice}（按您的设置：超过盈亏平衡的概率阈值 {threshold}）",
    ]


def format_subscriber_alert(
    terms: AlertTerms,
    prediction: Prediction | None,
    settings: SubscriberSettings,
    *,
    event: str,
    prediction_note: str = NO_PREDICTION,
) -> str:
    """One subscriber's alert for one IPO and event (plain Chinese text; may exceed 4096 characters)."""
    ipo = terms.ipo
    winning = None if prediction is None else prediction.expected_winning_rate_pct
    winning_line = f"预计中签率：{zhfmt.pct(winning, 4)}" + ("" if winning is not None else "（模型预测暂缺）")
    if event in (EVENT_RESULT, EVENT_LISTING) and ipo.online_winning_rate_pct is not None:
        winning_line = f"网上中签率（已公布）：{zhfmt.pct(ipo.online_winning_rate_pct, 4)}"
    lines = [
        EVENT_TITLES[event],
        f"{ipo.name}（{ipo.code}）",
        f"申购代码：{ipo.apply_code or zhfmt.MISSING + '（数据源未提供）'}",
        f"申购日：{zhfmt.day_week(ipo.apply_date)}",
        f"发行价：{zhfmt.num(ipo.issue_price)} 元；{pe_line(ipo)}",
        f"申购上限：{terms.cap_shares_text}；顶格申购需资金：{zhfmt.cny(terms.cap_cash)}",
        winning_line,
        (
            f"资金冻结：{terms.freeze_days} 个自然日（退款日 {zhfmt.day_week(terms.refund_day)}"
            + ("，节假日安排未经交易所日历确认" if terms.provisional_calendar else "")
            + "）"
        ),
        (
            f"按您的申购资金 {zhfmt.cny(terms.capital)}、年化资金成本 {terms.annual_rate * 100:.2f}% 计，"
            f"冻结成本约 {zhfmt.cny(terms.freeze_cost)}"
        ),
    ]
    lines += _prediction_lines(terms, prediction, prediction_note, f"{settings.min_probability * 100:.0f}%")
    if event == EVENT_LISTING:
        lines.append(f"上市日：{zhfmt.day_week(ipo.listing_date)}")
        if ipo.first_day_return_pct is not None:
            lines.append(f"首日涨幅（实际）：{zhfmt.pct(ipo.first_day_return_pct, 2, signed=True)}")
    else:
        lines.append(f"预计上市日：{zhfmt.day(ipo.listing_date)}")
    lines.append("本提醒基于公开数据与统计模型，不构成投资建议。/settings 可修改资金、资金成本与概率阈值。")
    return "\n".join(lines)
