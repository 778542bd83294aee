"""The Chinese text of the monthly report's research sections (seed 000's structure), built by rules.

Each sentence is filled from :class:`~reportbot.summary.monthly.MonthStat` values (aggregates of stored
IPO fields) and the stored market data; comparisons are against the previous month (环比) and the
distribution of all earlier months (分位数). The ten headline items are ranked by significance
(summary/ranking.py); the industry part is in summary/industries.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from reportbot import zhfmt
from reportbot.domain import Ipo
from reportbot.summary import narrative as nr
from reportbot.summary import ranking
from reportbot.summary.industries import IndustryRow
from reportbot.summary.market import MarketView, point_text
from reportbot.summary.monthly import MonthStat

NO_RETURNS = "当月上市新股均无首日涨幅数据"

# Market figures the BSE market sections (summary/bse_market.py) already write as sentences.
_BSE_TEXT = ("成交金额", "成交量", "两融余额", "总市值", "流通市值", "全市场市盈率中位数", "上市公司数")


@dataclass(frozen=True, kw_only=True)
class Driver:
    """One 核心驱动 subsection: a title and its bullet sentences."""

    title: str
    bullets: list[str]


@dataclass(frozen=True, kw_only=True)
class Narrative:
    """All research text of one monthly report."""

    overview: str
    headlines: list[str]
    event: str
    drivers: list[Driver]
    industries: list[IndustryRow]
    industry_text: list[str]
    etf_text: list[str]
    risks: list[Driver]


@dataclass(frozen=True)
class _Metric:
    label: str
    get: Callable[[MonthStat], float | None]
    fmt: nr.Formatter
    absolute: bool = False
    flat: float = 5.0


RETURN = _Metric("新股首日平均涨幅", lambda s: s.mean_return_pct, nr.pct_fmt(), absolute=True, flat=5.0)
COUNT = _Metric("上市新股数量", lambda s: float(s.count), nr.count_fmt("只"))
RAISED = _Metric("募资总额", lambda s: s.raised_yi, nr.yi_fmt())
PE_RATIO = _Metric("发行市盈率与行业市盈率之比", lambda s: s.pe_ratio, nr.times_fmt())
WINNING = _Metric("网上平均中签率", lambda s: s.mean_winning_rate_pct, nr.pct_fmt(4))
MULTIPLE = _Metric("网上平均申购倍数", lambda s: s.mean_multiple, nr.times_fmt(0))
FROZEN = _Metric("单只新股平均冻结资金", lambda s: s.frozen_yi, nr.yi_fmt(0))
TURNOVER = _Metric("首日平均换手率", lambda s: s.mean_turnover_pct, nr.pct_fmt(), absolute=True, flat=3.0)


def _history(history: Sequence[MonthStat], metric: _Metric) -> list[float]:
    return [v for v in (metric.get(s) for s in history) if v is not None]


def metric_sentence(metric: _Metric, cur: MonthStat, prev: MonthStat | None, history: Sequence[MonthStat]) -> str:
    """The month's sentence on one metric, e.g. ``本月新股首日平均涨幅为127.70%，较上月下降176.14个百分点…``."""
    return nr.compare_sentence(
        f"本月{metric.label}为",
        metric.get(cur),
        metric.get(prev) if prev else None,
        metric.fmt,
        history=_history(history, metric),
        absolute=metric.absolute,
        flat=metric.flat,
        missing_reason=NO_RETURNS if metric is RETURN else "当月上市新股无该字段数据",
    )


# headline weights: what matters most to a subscriber comes first (see summary/ranking.py)
HEADLINE_METRICS = (
    ranking.Metric("新股首日平均涨幅", RETURN.get, RETURN.fmt, 1.0, points=True),
    ranking.Metric("网上平均中签率", WINNING.get, WINNING.fmt, 0.8, log_scale=True),
    ranking.Metric("上市新股数量", COUNT.get, COUNT.fmt, 0.7),
    ranking.Metric("发行市盈率与行业市盈率之比", PE_RATIO.get, PE_RATIO.fmt, 0.6, log_scale=True),
    ranking.Metric("网上平均申购倍数", MULTIPLE.get, MULTIPLE.fmt, 0.6, log_scale=True),
    ranking.Metric("募资总额", RAISED.get, RAISED.fmt, 0.5, log_scale=True),
    ranking.Metric("单只新股平均冻结资金", FROZEN.get, FROZEN.fmt, 0.5, log_scale=True),
    ranking.Metric("新股首日平均换手率", TURNOVER.get, TURNOVER.fmt, 0.4, points=True),
)
FIGURE_SURPRISE = 1.0  # a fetched market statistic (no history in the report to measure it against)
POINT_SURPRISE = 0.3  # a figure quoted in the news
UPCOMING_SURPRISE = 1.0  # the next subscriptions: what a subscriber acts on


def headlines(
    cur: MonthStat,
    prev: MonthStat | None,
    history: Sequence[MonthStat],
    listed: Sequence[Ipo],
    market: MarketView,
    upcoming: int,
    limit: int = 10,
    earlier_returns: Sequence[float] = (),
) -> list[str]:
    """The ``limit`` most significant facts of the month, most significant first (see summary/ranking.py)."""
    months = len(history)
    items = [ranking.metric_candidate(m, cur, prev, history) for m in HEADLINE_METRICS if m.get(cur) is not None]
    items += ranking.ipo_candidates(listed, earlier_returns, months)
    if (breaks := ranking.break_candidate(cur, history)) is not None:
        items.append(breaks)
    if market.bse50_change_pct is not None:
        items.append(ranking.Candidate(f"北证50指数本月{nr.signed_move(market.bse50_change_pct)}。", 1.0, 0.8, 1.0))
    items += [
        ranking.Candidate(f"{f.text}（来源：{f.source}）。", FIGURE_SURPRISE, 0.5, 1.0)
        for f in market.figures
        if f.label not in _BSE_TEXT
    ]
    items += [ranking.Candidate(text, FIGURE_SURPRISE * score / 50, 0.5, 1.0) for score, text in market.bse.headlines]
    items += [ranking.Candidate(point_text(p) + "。", POINT_SURPRISE, 0.5, 1.0) for p in market.points]
    if upcoming:
        text = f"已申购待上市或随后申购的新股{upcoming}只，申购测算与建议见第四部分。"
        items.append(ranking.Candidate(text, UPCOMING_SURPRISE, 0.6, 1.0))
    return [c.text for c in ranking.top(items, limit)]


def overview(
    cur: MonthStat,
    prev: MonthStat | None,
    history: Sequence[MonthStat],
    market: MarketView,
    month_zh: str,
    partial_until: date | None = None,
) -> str:
    """主要话题与市场趋势概述: supply, first-day returns, market (``partial_until``: the month is not over)."""
    count_cmp = nr.Comparison(current=cur.count, previous=prev.count if prev else None)
    parts = [f"{month_zh}，北交所上市新股{cur.count}只，数量环比{nr.trend_word(count_cmp)}"]
    if cur.mean_return_pct is not None:
        position = nr.position_phrase(cur.mean_return_pct, _history(history, RETURN))
        ret_cmp = nr.Comparison(
            current=cur.mean_return_pct,
            previous=prev.mean_return_pct if prev else None,
            absolute=True,
        )
        parts.append(
            f"首日平均涨幅{zhfmt.pct(cur.mean_return_pct)}，环比{nr.trend_word(ret_cmp)}"
            + (f"，{position.split('，')[-1]}" if position else "")
        )
        parts.append(f"破发{cur.breaks}只" if cur.breaks else "无新股破发")
    else:
        parts.append(f"首日涨幅{zhfmt.MISSING}（{NO_RETURNS}）")
    text = "，".join(parts) + "。"
    if partial_until is not None:
        text = (
            f"（数据截至{partial_until.isoformat()}，{month_zh}尚未结束，以下为月内已上市新股的统计，环比仅供参考。）"
            + text
        )
    if market.bse50_change_pct is not None:
        text += f"北证50指数月内{nr.signed_move(market.bse50_change_pct)}。"
    else:
        text += f"北证50指数与市场成交数据{zhfmt.MISSING}（{market.bse50_reason or market.figures_reason}）。"
    return text


def event(cur: MonthStat, listed: Sequence[Ipo], month_zh: str) -> str:
    """事件或主题概述: what listed and how it was priced."""
    if not listed:
        return f"{month_zh}北交所无新股上市（数据中未记录该月上市的新股），本节无可概述的事件。"
    names = "、".join(f"{i.name}（{i.code}）" for i in listed)
    text = f"{month_zh}北交所共有{cur.count}只新股上市：{names}。"
    if cur.raised_yi is not None:
        text += f"合计募资{zhfmt.num(cur.raised_yi)}亿元"
        if cur.mean_issue_pe is not None:
            text += f"，平均发行市盈率{zhfmt.num(cur.mean_issue_pe)}倍"
        text += "。"
    if cur.returns_known < cur.count:
        text += f"其中{cur.count - cur.returns_known}只的首日涨幅{zhfmt.MISSING}（数据源未提供）。"
    return text


def drivers(cur: MonthStat, prev: MonthStat | None, history: Sequence[MonthStat], market: MarketView) -> list[Driver]:
    """核心驱动与影响分析: liquidity, supply and pricing, valuation, sentiment."""

    def s(metric: _Metric) -> str:
        return metric_sentence(metric, cur, prev, history)

    liquidity = [s(FROZEN), s(MULTIPLE)]
    if cur.frozen_known and cur.frozen_known < cur.count:
        liquidity.append(f"冻结资金仅覆盖{cur.frozen_known}/{cur.count}只新股（其余数据源未提供）。")
    liquidity += market.bse.liquidity
    supply = [s(COUNT), s(RAISED), s(PE_RATIO)]
    valuation = [f.text + "。" for f in market.figures if f.label == "北证50市盈率"] + market.bse.valuation
    if not valuation:
        valuation.append(f"北证50市盈率{zhfmt.MISSING}：{market.figures_reason or '本月未获取该指标'}。")
    valuation.append(pricing_sentence(cur))
    sentiment = [s(RETURN), s(TURNOVER), s(WINNING)]
    if market.bse50_change_pct is not None:
        sentiment.append(f"北证50指数本月{nr.signed_move(market.bse50_change_pct)}（{market.bse50_days}个交易日）。")
    else:
        sentiment.append(f"北证50指数{zhfmt.MISSING}：{market.bse50_reason}。")
    return [
        Driver(title="流动性", bullets=liquidity),
        Driver(title="新股供给与定价", bullets=supply),
        Driver(title="估值", bullets=valuation),
        Driver(title="市场情绪", bullets=sentiment),
    ]


def pricing_sentence(cur: MonthStat) -> str:
    """New-issue pricing; the discount is said to have helped only when no IPO of the month broke issue."""
    if cur.pe_ratio is None:
        return f"新股定价方面，发行市盈率与行业市盈率之比{zhfmt.MISSING}（当月新股无该字段数据）。"
    text = f"新股定价方面，本月发行市盈率平均为行业市盈率的{zhfmt.pct(cur.pe_ratio * 100, 0)}"
    if cur.pe_ratio >= 1:
        return text + "，整体未折价发行。"
    if cur.returns_known and cur.breaks == 0:
        return text + "，折价发行，有首日数据的新股均未破发。"
    if cur.breaks:
        return text + f"，虽为折价发行，仍有{cur.breaks}只新股首日破发，折价未能保证首日收益。"
    return text + "，为折价发行。"


def _return_risk(value: float, ret_hist: Sequence[float]) -> str:
    median = f"历史月度均值的中位数为{zhfmt.pct(statistics.median(ret_hist))}"
    position = nr.position_phrase(value, ret_hist)
    if not position:
        return f"本月首日平均涨幅{zhfmt.pct(value)}，{median}；可比历史不足{nr.MIN_HISTORY}个月，不作高低判断。"
    rank = nr.percentile_rank(value, ret_hist) or 0.0
    tail = "；高位之后收益可能均值回归。" if rank >= 70 else "；首日收益随市场情绪波动较大。"
    return f"本月首日平均涨幅{zhfmt.pct(value)}，{position}，{median}{tail}"


def risks(
    cur: MonthStat,
    history: Sequence[MonthStat],
    model_mae_pct: float | None,
    model_reason: str = "",
    missing: Sequence[str] = (),
) -> list[Driver]:
    """主要风险与不确定性, each tied to a figure where the data has one."""
    ret_hist = _history(history, RETURN)
    out = []
    if cur.mean_return_pct is not None and ret_hist:
        out.append(Driver(title="首日收益回落风险", bullets=[_return_risk(cur.mean_return_pct, ret_hist)]))
    broke = sum(s.breaks for s in history)
    known = sum(s.returns_known for s in history)
    if known:
        text = f"历史上有首日数据的{known}只新股中{broke}只首日破发（{zhfmt.pct(broke / known * 100, 1)}）。"
        out.append(Driver(title="破发风险", bullets=[text]))
    out.append(Driver(title="模型与数据不确定性", bullets=_model_risk(model_mae_pct, model_reason, missing)))
    out.append(Driver(title="流动性与政策风险", bullets=["发行节奏与监管政策的变化可能影响新股供给与打新情绪。"]))
    return out


def _model_risk(model_mae_pct: float | None, model_reason: str, missing: Sequence[str]) -> list[str]:
    """The model's out-of-sample error this month (or why there is none) and the data the report lacks."""
    if model_mae_pct is not None:
        mae = zhfmt.num(model_mae_pct)
        bullets = [f"本月上市新股的模型样本外平均绝对误差为{mae}个百分点，单只新股的预测区间较宽。"]
    else:
        bullets = [f"{model_reason or '本月新股无样本外预测'}，本报告不含本月预测误差评估。"]
    if missing:
        bullets.append(f"{'、'.join(missing)}在现有数据中缺失，相关结论以“暂缺”标注。")
    return bullets
