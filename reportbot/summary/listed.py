"""The bot's view of an IPO that has listed: its actual outcome, and no subscription advice."""

from __future__ import annotations

from reportbot import zhfmt
from reportbot.domain import Ipo


def listed_brief(ipo: Ipo) -> str:
    """A listed IPO: its actual outcome, and no subscription advice (the subscription is over)."""
    missing = f"{zhfmt.MISSING}（数据源未提供）"
    close = f"{zhfmt.num(ipo.first_day_close)} 元" if ipo.first_day_close is not None else missing
    ret = zhfmt.pct(ipo.first_day_return_pct, 1, signed=True) if ipo.first_day_return_pct is not None else missing
    rate = zhfmt.pct(ipo.online_winning_rate_pct, 4) if ipo.online_winning_rate_pct is not None else missing
    price = f"{zhfmt.num(ipo.issue_price)} 元" if ipo.issue_price is not None else missing
    return "\n".join(
        [
            "【北交所新股·已上市】",
            f"{ipo.name}（{ipo.code}）",
            f"申购日：{zhfmt.day_week(ipo.apply_date)}；上市日：{zhfmt.day_week(ipo.listing_date)}",
            f"发行价：{price}",
            f"首日收盘价：{close}",
            f"首日涨跌幅：{ret}",
            f"网上中签率：{rate}",
            "该股已上市，申购已结束，不再给出申购建议。",
        ]
    )
