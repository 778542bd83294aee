"""The monthly report's BSE market sections (pure): 流动性, 估值, 行业层面, 审核进度, and their headline items.

Input: the month's stored statistics (``market_monthly``), the industry returns, the review history and
the month's stock moves; output: Chinese sentences and table rows. Absent data gives 暂缺 with the reason
in plain Chinese (what the offline data lacks), never a command name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reportbot import zhfmt
from reportbot.marketdata import IndustryReturn, MarketFigure, ReviewEvent, ReviewState, StockQuote
from reportbot.summary import narrative, review
from reportbot.summary.monthly import month_bounds

NO_DAILY = "离线数据未含北交所市场日报（成交金额、成交量、市值）"
NO_MARGIN = "离线数据未含北交所两融汇总"
NO_SPOT = "离线数据未含全市场行情快照，无法计算市盈率中位数"
NO_INDUSTRY = "离线数据未含上市公司行业名录与两个月末的行情快照"
NO_REVIEW = "离线数据未含IPO审核状态"
BSE50_PE_NOTE = f"北证50市盈率{zhfmt.MISSING}：现有数据源不提供该指标，估值以全市场市盈率（动态，剔除亏损股）中位数衡量"


@dataclass(frozen=True, kw_only=True)
class MarketExtras:
    """What the store holds beyond the monthly figures: industry returns, review history, stock moves."""

    industries: list[IndustryReturn] = field(default_factory=list)
    reviews: list[ReviewState] = field(default_factory=list)
    moves: list[tuple[StockQuote, float]] = field(default_factory=list)  # best first


@dataclass(frozen=True, kw_only=True)
class BseMarketText:
    """Sentences and rows for the report's market sections."""

    liquidity: list[str] = field(default_factory=list)
    valuation: list[str] = field(default_factory=list)
    industry: list[str] = field(default_factory=list)
    industry_rows: list[IndustryReturn] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    review_rows: list[ReviewEvent] = field(default_factory=list)
    headlines: list[tuple[int, str]] = field(default_factory=list)


def _value(figures: Sequence[MarketFigure], metric: str) -> float | None:
    return next((f.value for f in figures if f.metric == metric), None)


def _yi(v: float) -> str:
    return f"{zhfmt.num(v)}亿元"


def liquidity(cur: Sequence[MarketFigure], prev: Sequence[MarketFigure]) -> tuple[list[str], list[tuple[int, str]]]:
    """Market turnover and volume with 环比, and the month-end margin balance."""
    lines: list[str] = []
    heads: list[tuple[int, str]] = []
    turnover, volume = _value(cur, "turnover_yi"), _value(cur, "volume_yi_shares")
    if turnover is None:
        lines.append(f"北交所全市场成交金额{zhfmt.MISSING}：{NO_DAILY}。")
    else:
        cmp = narrative.Comparison(current=turnover, previous=_value(prev, "turnover_yi"))
        text = f"北交所本月成交金额{_yi(turnover)}，{narrative.change_phrase(cmp, _yi)}"
        if volume is not None:
            vol = narrative.Comparison(current=volume, previous=_value(prev, "volume_yi_shares"))
            text += f"；成交量{zhfmt.num(volume)}亿股，{narrative.change_phrase(vol, lambda v: f'{zhfmt.num(v)}亿股')}"
        lines.append(text + "（来源：北交所市场日报）。")
        heads.append(
            (45 + int(min(30, abs(cmp.relative_pct or 0.0))), f"北交所本月成交金额{_yi(turnover)}，环比{_move(cmp)}。")
        )
    margin = _value(cur, "margin_balance_yi")
    if margin is None:
        lines.append(f"两融余额{zhfmt.MISSING}：{NO_MARGIN}。")
    else:
        cmp = narrative.Comparison(current=margin, previous=_value(prev, "margin_balance_yi"), flat=2.0)
        lines.append(f"月末两融余额{_yi(margin)}，{narrative.change_phrase(cmp, _yi, prev_label='上月末')}。")
        heads.append(
            (40 + int(min(25, 2 * abs(cmp.relative_pct or 0.0))), f"月末两融余额{_yi(margin)}，较上月末{_move(cmp)}。")
        )
    return lines, heads


def _move(cmp: narrative.Comparison) -> str:
    if cmp.relative_pct is None:
        return "无可比数据"
    if cmp.direction == narrative.FLAT:
        return "基本持平"
    return f"{cmp.direction}{zhfmt.pct(abs(cmp.relative_pct), 1)}"


def valuation(cur: Sequence[MarketFigure]) -> tuple[list[str], list[tuple[int, str]]]:
    """Market median PE and its percentile among the stored snapshots; caps; the 北证50 PE note."""
    lines: list[str] = []
    heads: list[tuple[int, str]] = []
    pe, rank = _value(cur, "median_pe"), _value(cur, "median_pe_pctile")
    snaps = _value(cur, "median_pe_snapshots")
    if pe is None or rank is None:
        lines.append(f"全市场市盈率中位数{zhfmt.MISSING}：{NO_SPOT}。")
    else:
        count = f"{snaps:.0f}个" if snaps is not None else ""
        lines.append(
            f"月末全市场市盈率（动态，剔除亏损股）中位数为{zhfmt.num(pe)}倍，在已存的{count}行情快照中位于"
            f"{rank:.0f}%分位，{narrative.level_phrase(rank)}。"
        )
        heads.append((40 + int(abs(rank - 50) / 2), f"北交所市盈率中位数{zhfmt.num(pe)}倍，位于{rank:.0f}%分位。"))
    total, floating = _value(cur, "total_market_cap_yi"), _value(cur, "float_market_cap_yi")
    listed = _value(cur, "listed_companies")
    if total is not None:
        text = f"月末总市值{_yi(total)}" + (f"，流通市值{_yi(floating)}" if floating is not None else "")
        text += f"，上市公司{listed:.0f}家" if listed is not None else ""
        lines.append(text + "（来源：北交所市场日报）。")
    if _value(cur, "bse50_pe") is None:
        lines.append(BSE50_PE_NOTE + "。")
    return lines, heads


def industry(month: str, rows: Sequence[IndustryReturn], moves: Sequence[tuple[StockQuote, float]]) -> list[str]:
    """Best and worst CSRC industries of the month, and the leading and lagging stocks."""
    if not rows:
        return [f"行业月度涨跌{zhfmt.MISSING}：{NO_INDUSTRY}。"]
    ranked = sorted(rows, key=lambda r: -r.return_pct)
    top = "、".join(f"{r.industry}（{zhfmt.pct(r.return_pct, 2, signed=True)}，{r.stocks}只）" for r in ranked[:3])
    lines = [f"按证监会行业分类（月末收盘价相对上月末，等权平均），本月表现居前的行业为{top}。"]
    if len(ranked) > 3:
        low = "、".join(f"{r.industry}（{zhfmt.pct(r.return_pct, 2, signed=True)}）" for r in ranked[-2:])
        lines.append(f"表现居后的行业为{low}。")
    gains = [(q, r) for q, r in moves if r > 0][:3]
    losses = [(q, r) for q, r in reversed(moves) if r < 0][:3]
    if gains or losses:
        up = "、".join(f"{q.name}（{zhfmt.pct(r, 2, signed=True)}）" for q, r in gains) or "无"
        down = "、".join(f"{q.name}（{zhfmt.pct(r, 2, signed=True)}）" for q, r in losses) or "无"
        lines.append(f"个股方面，涨幅居前的有{up}；跌幅居前的有{down}。")
    return lines


def review_text(
    month: str, history: Sequence[ReviewState]
) -> tuple[list[str], list[ReviewEvent], list[tuple[int, str]]]:
    """The month's review transitions counted from the stored states."""
    if not history:
        return [f"IPO审核进度{zhfmt.MISSING}：{NO_REVIEW}。"], [], []
    first, last = month_bounds(month)
    events = review.month_events(history, first, last)
    counts = review.stage_counts(events)
    parts = "，".join(f"{stage}{counts[stage]}家" for stage in review.STAGES)
    line = f"本月北交所IPO审核进度（按已记录的状态变化计）：{parts}。"
    heads = []
    if counts[review.PASSED] or counts[review.REGISTERED]:
        heads.append(
            (
                55,
                f"本月{counts[review.PASSED]}家企业通过上市委审议，{counts[review.REGISTERED]}家注册生效，新股供给有望延续。",
            )
        )
    return [line], events, heads


def build(month: str, cur: Sequence[MarketFigure], prev: Sequence[MarketFigure], extras: MarketExtras) -> BseMarketText:
    """Every market sentence of the month."""
    liq, liq_heads = liquidity(cur, prev)
    val, val_heads = valuation(cur)
    rev, events, rev_heads = review_text(month, extras.reviews)
    rows = sorted((r for r in extras.industries if r.month == month), key=lambda r: -r.return_pct)
    heads = liq_heads + val_heads + rev_heads
    if rows:
        best = rows[0]
        heads.append((45, f"本月表现最好的行业为{best.industry}（{zhfmt.pct(best.return_pct, 2, signed=True)}）。"))
    return BseMarketText(
        liquidity=liq,
        valuation=val,
        industry=industry(month, rows, extras.moves),
        industry_rows=rows,
        review=rev,
        review_rows=events,
        headlines=heads,
    )
