"""Subscription math from seeds 002/003: cash frozen by BSE's full-payment rule and its cost.

BSE online subscription freezes the full amount from the subscription day T until the refund on the
second trading day after T (T+2): 2 calendar days for Mon–Wed, 4 for Thu–Fri, longer over holidays.
"""

from __future__ import annotations

from datetime import date

from reportbot.errors import ModelError
from reportbot.tradingcal import TradingCalendar


def refund_date(calendar: TradingCalendar, apply_date: date, offset_trading_days: int = 2) -> date:
    """The refund day: ``offset_trading_days`` trading days after the subscription day T."""
    if offset_trading_days < 1:
        raise ModelError(f"refund offset must be >= 1 trading day, got {offset_trading_days}")
    return calendar.add_trading_days(apply_date, offset_trading_days)


def freeze_days(
    calendar: TradingCalendar,
    apply_date: date,
    offset_trading_days: int = 2,
    source_refund_date: date | None = None,
) -> int:
    """Calendar days the cash is frozen: from T to the refund day (the source's refund date if given)."""
    end = source_refund_date or refund_date(calendar, apply_date, offset_trading_days)
    days = (end - apply_date).days
    if days <= 0:
        raise ModelError(f"refund date {end} is not after subscription date {apply_date}")
    return days


def freeze_cost(capital: float, annual_rate: float, days: int) -> float:
    """Cost of freezing ``capital`` CNY for ``days`` calendar days at ``annual_rate`` (simple, /365)."""
    return capital * annual_rate * days / 365.0


def breakeven_return(annual_rate: float, days: int, winning_rate: float) -> float:
    """First-day return (fraction) at which the expected gain pays for the frozen cash.

    cost / (capital × winning rate) = annual_rate × days / 365 / winning_rate. ``winning_rate`` is a
    fraction (0.002 = 0.2 %). Seed 003's example: 5 %/yr, 4 days, 0.2 % → 0.274 (27.4 %).
    """
    if not 0 < winning_rate <= 1:
        raise ModelError(f"winning rate must be a fraction in (0, 1], got {winning_rate!r}")
    return annual_rate * days / 365.0 / winning_rate


def cash_at_cap(issue_price: float, cap_shares: float) -> float:
    """Cash (CNY) needed to subscribe at the cap (申购上限 × 发行价)."""
    return issue_price * cap_shares


def refund_day(
    calendar: TradingCalendar,
    apply_date: date,
    offset_trading_days: int = 2,
    source_refund_date: date | None = None,
    result_date: date | None = None,
) -> date:
    """The refund day, never before the announced issue-result day (the cash stays frozen until then).

    The source's refund date when given, else ``offset_trading_days`` trading days after T; an
    announced 发行结果公告日 that is later moves the refund to that day.
    """
    end = source_refund_date or refund_date(calendar, apply_date, offset_trading_days)
    return max(end, result_date) if result_date is not None else end
