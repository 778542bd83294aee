"""Chinese subscription-alert text for one IPO (the preview every subscriber would get)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportbot import zhfmt
from reportbot.domain import Ipo
from reportbot.model.subscription import cash_at_cap, freeze_cost, freeze_days, refund_date
from reportbot.tradingcal import TradingCalendar


@dataclass(frozen=True, kw_only=True)
class AlertTerms:
    """Subscription terms of one IPO for one subscriber's capital and cost of funds."""

    ipo: Ipo
    refund_day: date
    freeze_days: int
    cap_cash: float | None
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
    return AlertTerms(
        ipo=ipo,
        refund_day=refund,
        freeze_days=days,
        cap_cash=cap_cash,
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


def format_alert(terms: AlertTerms) -> str:
    """The alert text (plain text, Chinese)."""
    ipo = terms.ipo
    lines = [
        "【北交所新股申购提醒】",
        f"{ipo.name}（{ipo.code}）",
        f"申购代码：{ipo.apply_code or zhfmt.MISSING + '（数据源未提供）'}",
        f"申购日：{zhfmt.day_week(ipo.apply_date)}",
        f"发行价：{zhfmt.num(ipo.issue_price)} 元；{pe_line(ipo)}",
        f"申购上限：{zhfmt.shares(ipo.subscription_cap_shares)}；顶格申购需资金：{zhfmt.cny(terms.cap_cash)}",
        f"预计上市日：{zhfmt.day(ipo.listing_date)}",
        (
            f"资金冻结：{terms.freeze_days} 个自然日（退款日 {zhfmt.day_week(terms.refund_day)}"
            + ("，节假日安排未经交易所日历确认" if terms.provisional_calendar else "")
            + "）"
        ),
        (
            f"按申购资金 {zhfmt.cny(terms.capital)}、年化资金成本 {terms.annual_rate * 100:.2f}% 计，"
            f"冻结成本约 {zhfmt.cny(terms.freeze_cost)}"
        ),
        "本提醒基于公开数据整理，不构成投资建议。",
    ]
    return "\n".join(lines)
