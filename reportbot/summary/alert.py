"""Chinese subscription-alert text for one IPO (the preview every subscriber would get)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportbot import zhfmt
from reportbot.domain import Ipo, Prediction, SubscriberSettings
from reportbot.kinds import WEEKDAYS_ZH, Event
from reportbot.model.allocation import subscribed_shares
from reportbot.model.subscription import freeze_cost, freeze_days, refund_day
from reportbot.summary.brief import cap_cash_of
from reportbot.tradingcal import TradingCalendar


@dataclass(frozen=True, kw_only=True)
class AlertTerms:
    """Subscription terms of one IPO for one subscriber's capital and cost of funds."""

    ipo: Ipo
    refund_day: date
    freeze_days: int
    cap_cash: float | None
    cap_shares_text: str  # 申购上限 as stored, or derived from 顶格资金 ÷ 发行价 (and marked so)
    capital: float  # the subscriber's capital, at most the cash at the cap
    frozen: float  # cash actually frozen: whole lots of 100 shares
    annual_rate: float
    freeze_cost: float
    provisional_calendar: bool
    eve_title: str = "【北交所新股申购提醒·明日申购】"


def alert_terms(
    ipo: Ipo, calendar: TradingCalendar, *, capital: float, annual_rate: float, refund_offset: int = 2
) -> AlertTerms:
    """Work out the freeze period and its cost for ``capital`` (capped at the cash needed at the cap)."""
    if ipo.apply_date is None:
        raise ValueError(f"IPO {ipo.code} has no subscription date")
    refund = refund_day(calendar, ipo.apply_date, refund_offset, ipo.refund_date, ipo.issue_result_date)
    days = freeze_days(calendar, ipo.apply_date, refund_offset, refund)
    cap_cash = cap_cash_of(ipo)
    used = min(capital, cap_cash) if cap_cash is not None else capital
    frozen = used
    if ipo.issue_price:  # whole lots of 100 shares, at most the cap
        cap_shares = ipo.subscription_cap_shares or (cap_cash / ipo.issue_price if cap_cash else None)
        frozen = subscribed_shares(capital, ipo.issue_price, cap_shares) * ipo.issue_price
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
        frozen=frozen,
        annual_rate=annual_rate,
        freeze_cost=freeze_cost(frozen, annual_rate, days),
        provisional_calendar=calendar.is_provisional(refund),
        eve_title=eve_title(calendar, ipo.apply_date),
    )


def eve_title(calendar: TradingCalendar, t: date) -> str:
    """Title: "明日申购" only when T is the next calendar day after the eve, else the day and weekday of T."""
    eve = calendar.previous_trading_day(t)
    if (t - eve).days == 1:
        return "【北交所新股申购提醒·明日申购】"
    return f"【北交所新股申购提醒·下一交易日（{t.month}月{t.day}日，周{WEEKDAYS_ZH[t.weekday()]}）申购】"


def pe_line(ipo: Ipo) -> str:
    """发行市盈率 vs 行业市盈率 as one phrase."""
    text = f"发行市盈率 {zhfmt.with_unit(ipo.issue_pe, ' 倍')}，行业市盈率 {zhfmt.with_unit(ipo.industry_pe, ' 倍')}"
    if ipo.issue_pe is not None and ipo.industry_pe:
        text += f"（为行业的 {ipo.issue_pe / ipo.industry_pe * 100:.0f}%）"
    return text


# --- Per-subscriber alerts for the four events of an IPO ---

EVENTS: tuple[Event, ...] = (Event.EVE, Event.MORNING, Event.RESULT, Event.LISTING)  # scheduled, in order
EVENT_TITLES = {
    Event.BRIEF: "【北交所新股简报】",  # the /ipo brief: on request, not scheduled
    Event.EVE: "【北交所新股申购提醒·明日申购】",
    Event.MORNING: "【北交所新股申购提醒·今日申购】",
    Event.RESULT: "【北交所新股·中签率公布】",
    Event.LISTING: "【北交所新股·今日上市】",
}
NO_PREDICTION = "模型预测暂缺（此前已知结果的新股太少，模型无法给出预测）"
CLOSED_EVENTS = (Event.RESULT, Event.LISTING)  # subscription has closed: no 申购 advice


def event_date(ipo: Ipo, event: str, calendar: TradingCalendar) -> date | None:
    """The day an event's alert is due: eve = trading day before T, morning = T, result, listing."""
    if event == Event.EVE:
        return calendar.previous_trading_day(ipo.apply_date) if ipo.apply_date else None
    if event == Event.MORNING:
        return ipo.apply_date
    if event == Event.RESULT:  # the announced result day, else the refund day (T+2 trading days)
        if ipo.issue_result_date is None and ipo.apply_date is not None:
            return ipo.refund_date or calendar.add_trading_days(ipo.apply_date, 2)
        return ipo.issue_result_date
    if event == Event.LISTING:
        return ipo.listing_date
    raise ValueError(f"unknown alert event {event!r}; known: {', '.join(EVENTS)}")


def forecast_line(p: Prediction) -> str:
    """Predicted first-day return, its interval and P(破发) (one predictive distribution)."""
    level = f"{p.interval_level * 100:.0f}%"
    return (
        f"预测首日涨幅：{zhfmt.pct(p.predicted_return_pct, 1, signed=True)}"
        f"（{level} 区间 {zhfmt.pct(p.interval_low_pct, 1, signed=True)} ~ "
        f"{zhfmt.pct(p.interval_high_pct, 1, signed=True)}）；破发概率 {p.p_break_issue * 100:.0f}%"
    )


def lots_lines(p: Prediction, *, advice: bool = True) -> list[str]:
    """The subscriber's lots under BSE's allocation rule, and what the cap requires and gives.

    ``advice=False`` (subscription closed) leaves out the cap subscriber's 申购 advice.
    """
    o = p.allocation
    if o is None:
        return [f"获配手数：{zhfmt.MISSING}（发行价或配售比例暂缺，无法按配售规则计算）"]
    kind = "已公布" if o.ratio_published else "申购日前估计"
    lines = [
        f"配售比例（{kind}）：{o.ratio * 100:.4f}%；您可申购 {zhfmt.num(o.shares, 0)} 股，冻结 {zhfmt.cny(o.cash)}"
    ]
    if o.shares == 0:
        lines.append(
            f"您的资金不足1手（100股），无法申购；按比例获配1手需申购资金约 {zhfmt.cny(o.capital_for_one_lot)}"
        )
    elif o.by_proportion == 0:
        lines.append(
            f"按比例配售您将获配 0 手：按比例获配1手至少需申购资金约 {zhfmt.cny(o.capital_for_one_lot)}，"
            f"顶格申购需资金 {zhfmt.cny(o.cash_for_cap)}。剩余股份按申购数量优先、数量相同时间优先逐手分配，"
            "先分给顶格等更大的申购，能否轮到您公开数据无法推算，故不计入"
        )
    else:
        extra = ""
        if o.at_cap and o.p_extra_high > 0:
            extra = f"，另有 {o.p_extra_low * 100:.0f}%~100% 的概率按时间优先多获配1手"
        lines.append(f"按比例配售您将获配 {o.by_proportion} 手（{o.by_proportion * 100} 股）{extra}")
    c = p.cap_allocation
    if c is not None and not o.at_cap:
        lines.append(
            f"顶格申购（{zhfmt.cny(c.cash)}）：按比例获配 {c.by_proportion} 手，另有 {c.p_extra_low * 100:.0f}%~100% "
            f"的概率多获配1手，期望至少 {c.expected_lots:.2f} 手；预期收益 {zhfmt.cny(p.cap_expected_profit_cny)}"
            + (f"，建议：{p.cap_advice}" if p.cap_advice and advice else "")
        )
    lines.append(f"依据：{o.basis}")
    return lines


def profit_lines(p: Prediction) -> list[str]:
    """Break-even and profit of the lots actually received."""
    o = p.allocation
    if o is not None and o.expected_lots == 0:
        return [f"预期收益（扣除冻结成本）：{zhfmt.cny(p.expected_profit_cny)}（不获配时只承担资金冻结成本）"]
    beats = zhfmt.MISSING if p.p_beats_breakeven is None else f"{p.p_beats_breakeven * 100:.0f}%"
    return [
        f"盈亏平衡首日涨幅（按您的获配手数）：{zhfmt.pct(p.breakeven_return_pct, 1)}；获利概率：{beats}",
        f"预期收益（按预测涨幅中位数、扣除冻结成本）：{zhfmt.cny(p.expected_profit_cny)}"
        f"（每万元冻结资金 {zhfmt.num(p.expected_profit_per_10k)} 元）",
    ]


def _prediction_lines(p: Prediction | None, note: str, threshold: str, event: str) -> list[str]:
    if p is None:
        if event in CLOSED_EVENTS:
            return [f"首日涨幅预测：{note}"]
        return [f"首日涨幅预测：{note}", f"建议：{zhfmt.MISSING}（无模型预测，无法按您的设置给出建议）"]
    lines = [forecast_line(p), *lots_lines(p, advice=event not in CLOSED_EVENTS)]
    if event == Event.RESULT and (p.allocation is None or not p.allocation.ratio_published):
        lines.append("配售比例尚未公布：以上按申购日前的估计计算")
    lines += profit_lines(p)
    if event in CLOSED_EVENTS:
        lines.append("申购已结束，本提醒不再给出申购建议")
    else:
        lines.append(f"建议：{p.advice}（按您的设置：获利概率阈值 {threshold}）")
    return lines


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
    lines = [
        terms.eve_title if event == Event.EVE else EVENT_TITLES[Event(event)],
        *_terms_lines(terms, _winning_line(ipo, prediction, event)),
        *_prediction_lines(prediction, prediction_note, f"{settings.min_probability * 100:.0f}%", event),
    ]
    if event == Event.LISTING:
        lines.append(f"上市日：{zhfmt.day_week(ipo.listing_date)}")
        if ipo.first_day_return_pct is not None:
            lines.append(f"首日涨幅（实际）：{zhfmt.pct(ipo.first_day_return_pct, 2, signed=True)}")
    else:
        listing = zhfmt.day(ipo.listing_date) if ipo.listing_date else f"{zhfmt.MISSING}（上市日尚未公告）"
        lines.append(f"预计上市日：{listing}")
    lines.append("本提醒基于公开数据与统计模型，不构成投资建议。/settings 可修改资金、资金成本与概率阈值。")
    return "\n".join(lines)


def _winning_line(ipo: Ipo, prediction: Prediction | None, event: str) -> str:
    """The announced online winning rate once published, else the model's estimate."""
    if event in CLOSED_EVENTS and ipo.online_winning_rate_pct is not None:
        return f"网上中签率（已公布）：{zhfmt.pct(ipo.online_winning_rate_pct, 4)}"
    winning = None if prediction is None else prediction.expected_winning_rate_pct
    return f"预计中签率：{zhfmt.pct(winning, 4)}" + ("" if winning is not None else "（模型预测暂缺）")


def _terms_lines(terms: AlertTerms, winning_line: str) -> list[str]:
    """The IPO's terms and the subscriber's freeze period and cost."""
    ipo = terms.ipo
    return [
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
            f"整手申购冻结 {zhfmt.cny(terms.frozen)}，冻结成本约 {zhfmt.cny(terms.freeze_cost)}"
        ),
    ]


def upcoming_line(ipo: Ipo, prediction: Prediction | None, note: str) -> str:
    """One IPO in the upcoming list, with the lots logic behind its advice."""
    head = f"• {zhfmt.day_week(ipo.apply_date)} {ipo.name}（{ipo.code}）发行价 {zhfmt.num(ipo.issue_price)} 元，"
    if prediction is None:
        return head + f"建议：{zhfmt.MISSING}（{note}）"
    o, c = prediction.allocation, prediction.cap_allocation
    lots = "获配手数暂缺" if o is None else f"按比例获配 {o.by_proportion} 手"
    if c is not None and (o is None or not o.at_cap):
        lots += f"（顶格 {c.by_proportion} 手，另有 {c.p_extra_low * 100:.0f}%~100% 的概率多1手）"
    return (
        head
        + f"预测首日涨幅 {zhfmt.pct(prediction.predicted_return_pct, 1, signed=True)}，"
        + f"{lots}，建议：{prediction.advice}"
    )
