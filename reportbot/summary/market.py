"""The market side of the monthly report (北证50, monthly statistics, dated news figures), 暂缺 when absent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlparse

from reportbot import zhfmt
from reportbot.marketdata import MarketFigure, MarketPoint
from reportbot.summary import bse_market, narrative
from reportbot.summary.monthly import month_bounds, previous_month

FETCH_HINT = "离线数据未含该数据，联网更新数据后补齐"
BSE50_MISSING = "离线数据未含北证50日线"
FIGURES_MISSING = "离线数据未含北交所月度市场统计（成交额、总市值、两融余额、北证50市盈率）"

# Who published a stored figure, in the reader's words (the store keeps our source names).
SOURCE_ZH = {
    "em_bse50": "东方财富北证50日K线",
    "bse_margin": "北交所融资融券汇总",
    "ipos": "新股数据库",
    "bse_daily": "北交所市场日报",
    "em_bse_spot": "东方财富全市场行情快照",
    "em_ipo_review": "东方财富IPO审核数据",
    "em_issueinfo": "东方财富新股发行数据",
    "em_ipoapply": "东方财富新股申购数据",
    "bse_newshare": "北交所新股发行信息",
}
_SOURCE_NAME = re.compile(r"^([a-z0-9_]+)(?:（(.*)）)?$")


def source_zh(source: str) -> str:
    """``em_bse50（北证50日K计算）`` → ``东方财富北证50日K线（北证50日K计算）``: no internal source name in a report."""
    match = _SOURCE_NAME.match(source)
    if match is None:
        return source
    name, detail = SOURCE_ZH.get(match.group(1), "公开数据源"), match.group(2)
    return f"{name}（{detail}）" if detail and detail not in name else name


METRIC_LABELS = {
    "turnover_yi": ("成交金额", "亿元"),
    "volume_yi_shares": ("成交量", "亿股"),
    "total_market_cap_yi": ("总市值", "亿元"),
    "listed_companies": ("上市公司数", "家"),
    "new_listings": ("新增上市公司", "家"),
    "margin_balance_yi": ("两融余额", "亿元"),
    "bse50_change_pct": ("北证50月度涨跌幅", "%"),
    "bse50_pe": ("北证50市盈率", "倍"),
    "float_market_cap_yi": ("流通市值", "亿元"),
    "median_pe": ("全市场市盈率中位数", "倍"),
}


POINT_LABELS = {
    "bse50_close": "北证50收盘点位",
    "bse50_change_pct": "北证50涨跌幅（报道口径，区间见来源）",
    "listed_companies": "上市公司数",
    "turnover_day": "单日成交额",
    "turnover_week": "周成交额",
    "turnover_period": "区间成交额",
    "avg_daily_turnover": "日均成交额",
    "avg_daily_turnover_week": "周日均成交额",
    "total_market_value": "总市值",
    "investors": "合格投资者",
    "margin_balance": "两融余额",
    "median_pe_ttm": "市盈率（TTM）中位数",
    "cumulative_ipo_funds_raised": "累计新股募资",
    "ipo_count_ytd": "年内新股数量",
    "ipo_count_year": "全年新股数量",
    "ipo_first_day_return_note": "新股首日涨幅（报道）",
    "ipo_first_day_return_mean_ytd": "年内新股首日平均涨幅",
    "ipo_first_day_return_mean_year": "全年新股首日平均涨幅",
    "ipo_first_day_return_mean_q1": "一季度新股首日平均涨幅",
    "ipo_frozen_funds_record": "新股冻结资金纪录",
    "ipo_issue_pe_mean_year": "全年平均发行市盈率",
    "ipo_issue_pe_mean_q1": "一季度平均发行市盈率",
    "ipo_winning_rate_mean_year": "全年平均中签率",
    "ipo_winning_rate_mean_q1": "一季度平均中签率",
}
_UNITS = {"x": "倍", "count": ""}


def point_text(point: MarketPoint) -> str:
    """``2025-11-14 新闻报道：总市值 9,008.30亿元（来源：reportify.ai）``; the raw note is not shown."""
    label = POINT_LABELS.get(point.metric, point.metric)
    unit = _UNITS.get(point.unit, point.unit)
    if point.unit == "count":
        value = f"{point.value:,.0f}"
    elif unit == "%":
        value = zhfmt.pct(point.value)
        unit = ""
    else:
        value = zhfmt.num(point.value)
    host = urlparse(point.source).netloc or point.source
    return f"{point.day.isoformat()} 新闻报道：{label} {value}{unit}（来源：{host}）"


@dataclass(frozen=True, kw_only=True)
class FigureLine:
    """One monthly statistic with its change against the previous month and its source."""

    label: str
    text: str
    source: str
    as_of: date


@dataclass(frozen=True, kw_only=True)
class MarketView:
    """What the report can say about the market this month."""

    bse50_close: float | None
    bse50_change_pct: float | None  # month-end close vs previous month-end close, percent
    bse50_days: int
    bse50_reason: str  # why the series is absent ("" when present)
    figures: list[FigureLine]
    figures_reason: str
    points: list[MarketPoint]
    bse: bse_market.BseMarketText = field(default_factory=bse_market.BseMarketText)


def _month_end_close(series: Sequence[tuple[date, float]], month: str) -> float | None:
    first, last = month_bounds(month)
    closes = [c for d, c in series if first <= d <= last]
    return closes[-1] if closes else None


def _figure_text(fig: MarketFigure, prev: MarketFigure | None) -> str:
    label, unit = METRIC_LABELS.get(fig.metric, (fig.metric, fig.unit))
    if unit == "%":
        value = zhfmt.pct(fig.value, 2, signed=True)
        prev_value = None if prev is None else prev.value
        cmp = narrative.Comparison(current=fig.value, previous=prev_value, absolute=True, flat=0.5)
        return f"{label}{value}，" + narrative.change_phrase(cmp, narrative.pct_fmt())
    cmp = narrative.Comparison(current=fig.value, previous=None if prev is None else prev.value)
    return f"{label}{zhfmt.num(fig.value)}{unit}，" + narrative.change_phrase(cmp, lambda v: f"{zhfmt.num(v)}{unit}")


def build_market_view(
    month: str,
    series: Sequence[tuple[date, float]],
    figures: Sequence[MarketFigure],
    previous_figures: Sequence[MarketFigure],
    points: Sequence[MarketPoint],
    extras: bse_market.MarketExtras | None = None,
) -> MarketView:
    """Summarise the stored market data of ``month`` (each part absent → a reason)."""
    close = _month_end_close(series, month)
    prev_close = _month_end_close(series, previous_month(month))
    first, last = month_bounds(month)
    lines = _figure_lines(figures, previous_figures)
    return MarketView(
        bse50_close=close,
        bse50_change_pct=(close / prev_close - 1) * 100 if close is not None and prev_close else None,
        bse50_days=sum(1 for d, _ in series if first <= d <= last),
        bse50_reason=_bse50_reason(series, month, close, prev_close),
        figures=lines,
        figures_reason="" if lines else FIGURES_MISSING,
        points=[p for p in points if first <= p.day <= last],
        bse=bse_market.build(month, figures, previous_figures, extras or bse_market.MarketExtras()),
    )


def _bse50_reason(
    series: Sequence[tuple[date, float]], month: str, close: float | None, prev_close: float | None
) -> str:
    """Why the month's 北证50 close or change is absent (empty when both are there)."""
    if not series:
        return BSE50_MISSING
    if close is None:
        return f"北证50日线不含{zhfmt.month_zh(month)}的交易日：{FETCH_HINT}"
    if prev_close is None:
        return f"北证50日线不含{zhfmt.month_zh(previous_month(month))}的交易日，无法计算本月涨跌"
    return ""


def _figure_lines(figures: Sequence[MarketFigure], previous_figures: Sequence[MarketFigure]) -> list[FigureLine]:
    """One line per stored market figure we know how to name, compared with the previous month."""
    prev_by_metric = {f.metric: f for f in previous_figures}
    return [
        FigureLine(
            label=METRIC_LABELS.get(f.metric, (f.metric, f.unit))[0],
            text=_figure_text(f, prev_by_metric.get(f.metric)),
            source=source_zh(f.source),
            as_of=f.as_of,
        )
        for f in figures
        if f.metric in METRIC_LABELS
    ]
