"""The month's IPOs by industry: one classification (CSRC) every month, the data's finer grouping as a sub-level."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from reportbot import zhfmt
from reportbot.domain import Ipo
from reportbot.summary import narrative as nr
from reportbot.summary.market import MarketView

UNCLASSIFIED = "行业暂缺（数据源未提供）"


@dataclass(frozen=True, kw_only=True)
class IndustryRow:
    """The month's IPOs of one industry."""

    industry: str  # CSRC industry (证监会行业分类)
    count: int
    mean_return_pct: float | None
    sub_groups: str = ""  # the finer custom grouping, where the data has it (a labelled sub-level)


def industries(listed: Sequence[Ipo]) -> list[IndustryRow]:
    """The month's IPOs grouped by CSRC industry (one classification every month), most IPOs first."""
    groups: dict[str, list[Ipo]] = {}
    for i in listed:
        groups.setdefault(i.csrc_industry or UNCLASSIFIED, []).append(i)
    rows = []
    for name, members in groups.items():
        rets = [m.first_day_return_pct for m in members if m.first_day_return_pct is not None]
        subs = "、".join(dict.fromkeys(m.industry_group_custom for m in members if m.industry_group_custom))
        mean = statistics.fmean(rets) if rets else None
        rows.append(IndustryRow(industry=name, count=len(members), mean_return_pct=mean, sub_groups=subs))
    return sorted(rows, key=lambda r: (r.industry == UNCLASSIFIED, -r.count, -(r.mean_return_pct or -1e9)))


def industry_text(rows: Sequence[IndustryRow], market: MarketView) -> tuple[list[str], list[str]]:
    """Sentences on industries and on 北证50-linked ETFs."""
    ranked = [r for r in rows if r.mean_return_pct is not None and r.industry != UNCLASSIFIED]
    text = []
    if ranked:
        top = max(ranked, key=lambda r: r.mean_return_pct or 0.0)
        low = min(ranked, key=lambda r: r.mean_return_pct or 0.0)
        text.append(
            f"本月新股分属{sum(1 for r in rows if r.industry != UNCLASSIFIED)}个证监会行业；"
            f"首日平均涨幅最高的行业为{top.industry}（{zhfmt.pct(top.mean_return_pct)}）。"
        )
        if low is not top:
            text.append(f"首日平均涨幅最低的行业为{low.industry}（{zhfmt.pct(low.mean_return_pct)}）。")
    elif rows:
        text.append(f"本月新股覆盖{len(rows)}个行业，首日涨幅{zhfmt.MISSING}，无法比较行业表现。")
    else:
        text.append("本月无新股上市，无行业分布可言。")
    unknown = sum(r.count for r in rows if r.industry == UNCLASSIFIED)
    if unknown:
        text.append(f"另有{unknown}只新股的行业{zhfmt.MISSING}（数据源未提供），未参与比较。")
    if market.bse50_change_pct is not None:
        etf = [f"跟踪北证50的指数基金本月表现与指数同向：北证50{nr.signed_move(market.bse50_change_pct)}。"]
    else:
        etf = [f"北证50相关ETF的影响无法评估：{market.bse50_reason}。"]
    return text, etf
