"""The monthly report's view model: statistics, research text, market, model and upcoming IPOs (no I/O)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reportbot import zhfmt
from reportbot.domain import BacktestRow, Evaluation, Ipo, ModelReport, Prediction
from reportbot.model.factors import FACTOR_LABELS
from reportbot.summary import industries, sections
from reportbot.summary.brief import IpoBrief
from reportbot.summary.market import MarketView
from reportbot.summary.monthly import (
    STAT_DEFINITIONS,
    MonthlyIpoRow,
    MonthStat,
    ipo_rows,
    listed_in,
    missing_notes,
    month_bounds,
    month_series,
)

MODEL_MISSING = "模型结果暂缺：模型未给出结果"


@dataclass(frozen=True, kw_only=True)
class StrategyLine:
    """One strategy across the backtest years: profit per year (CNY, None where it took no part) and total."""

    strategy: str
    profits: list[float | None]
    total: BacktestRow | None


def strategy_lines(rows: Sequence[BacktestRow]) -> tuple[list[int], list[StrategyLine]]:
    """Pivot backtest rows into years (columns) and strategies (rows), in the model's order."""
    years = sorted({r.year for r in rows if r.year is not None})
    names = list(dict.fromkeys(r.strategy for r in rows))
    lines = []
    for name in names:
        mine = [r for r in rows if r.strategy == name]
        by_year = {r.year: r.profit_cny for r in mine if r.year is not None}
        total = next((r for r in mine if r.year is None), None)
        lines.append(StrategyLine(strategy=name, profits=[by_year.get(y) for y in years], total=total))
    return years, lines


@dataclass(frozen=True, kw_only=True)
class ModelView:
    """The model's published results, or the reason they are absent."""

    available: bool
    reason: str
    evaluations: list[Evaluation]
    backtest: list[BacktestRow]
    backtest_years: list[int]
    strategies: list[StrategyLine]
    factors: list[str]
    notes: list[str]
    month_mae_pct: float | None
    month_predicted: int
    scatter: list[tuple[float, float]]  # (predicted, actual) over every out-of-sample prediction


@dataclass(frozen=True, kw_only=True)
class MonthlyReport:
    """Everything the monthly template shows; every number comes from stored data."""

    month: str
    month_zh: str
    stat: MonthStat
    previous: MonthStat | None
    history: list[MonthStat]  # every month before ``month`` since the first listing
    rows: list[MonthlyIpoRow]
    narrative: sections.Narrative
    market: MarketView
    model: ModelView
    upcoming: list[IpoBrief]
    missing_notes: list[str]
    definitions: tuple[str, ...]
    data_as_of: date | None
    data_sources: list[str]
    generated_at: datetime


def model_view(report: ModelReport | None, reason: str, listed: Sequence[Ipo], ipos: Sequence[Ipo]) -> ModelView:
    """Summarise ``report`` for the month's IPOs (an empty view with ``reason`` when there is none)."""
    if report is None:
        return ModelView(
            available=False,
            reason=reason or MODEL_MISSING,
            evaluations=[],
            backtest=[],
            backtest_years=[],
            strategies=[],
            factors=[],
            notes=[],
            month_mae_pct=None,
            month_predicted=0,
            scatter=[],
        )
    actual = {i.code: i.first_day_return_pct for i in ipos if i.first_day_return_pct is not None}
    preds = {p.code: p for p in report.predictions}
    errors = [
        abs(actual[i.code] - preds[i.code].predicted_return_pct) for i in listed if i.code in preds and i.code in actual
    ]
    years, lines = strategy_lines(report.backtest)
    return ModelView(
        available=True,
        reason="",
        evaluations=list(report.evaluations),
        backtest=list(report.backtest),
        backtest_years=years,
        strategies=lines,
        factors=[FACTOR_LABELS.get(f, f) for f in report.factors_used],
        notes=list(report.notes),
        month_mae_pct=statistics.fmean(errors) if errors else None,
        month_predicted=sum(1 for i in listed if i.code in preds),
        scatter=[(p.predicted_return_pct, actual[p.code]) for p in report.predictions if p.code in actual],
    )


def _narrative(
    stat: MonthStat,
    history: list[MonthStat],
    listed: list[Ipo],
    market: MarketView,
    mview: ModelView,
    upcoming: int,
    month_zh: str,
    partial_until: date | None,
    earlier_ipos: Sequence[Ipo],
) -> sections.Narrative:
    previous = history[-1] if history else None
    earlier = [i.first_day_return_pct for i in earlier_ipos if i.first_day_return_pct is not None]
    rows = industries.industries(listed)
    industry_text, etf_text = industries.industry_text(rows, market)
    return sections.Narrative(
        overview=sections.overview(stat, previous, history, market, month_zh, partial_until),
        headlines=sections.headlines(stat, previous, history, listed, market, upcoming, earlier_returns=earlier),
        event=sections.event(stat, listed, month_zh),
        drivers=sections.drivers(stat, previous, history, market),
        industries=rows,
        industry_text=industry_text,
        etf_text=etf_text,
        risks=sections.risks(stat, history, mview.month_mae_pct, mview.reason, _missing_parts(listed, market)),
    )


def _missing_parts(listed: Sequence[Ipo], market: MarketView) -> list[str]:
    """The kinds of data this month's report lacks (named in the risk section)."""
    parts = []
    if any(i.apply_code is None for i in listed):
        parts.append("申购代码")
    if any(i.frozen_funds_yi is None for i in listed):
        parts.append("冻结资金")
    if market.bse50_reason:
        parts.append("北证50日线")
    if market.figures_reason:
        parts.append("月度市场统计")
    return parts


def build_monthly_report(
    ipos: Sequence[Ipo],
    month: str,
    *,
    market: MarketView,
    model: ModelReport | None,
    model_reason: str,
    upcoming: Sequence[IpoBrief],
    data_as_of: date | None,
    data_sources: list[str],
    generated_at: datetime,
) -> MonthlyReport:
    """Summarise the IPOs listed in ``month`` (YYYY-MM) against the previous month and all earlier months."""
    series = month_series(ipos, month)
    stat, history = series[-1], series[:-1]
    listed = listed_in(ipos, month)
    predictions: dict[str, Prediction] = {p.code: p for p in model.predictions} if model else {}
    mview = model_view(model, model_reason, listed, ipos)
    month_zh = zhfmt.month_zh(month)
    first_day, month_end = month_bounds(month)
    partial = data_as_of if data_as_of is not None and data_as_of < month_end else None
    earlier = [i for i in ipos if i.listing_date is not None and i.listing_date < first_day]
    narrative = _narrative(stat, history, listed, market, mview, len(upcoming), month_zh, partial, earlier)
    return MonthlyReport(
        month=month,
        month_zh=month_zh,
        stat=stat,
        previous=history[-1] if history else None,
        history=history,
        rows=ipo_rows(listed, predictions),
        narrative=narrative,
        market=market,
        model=mview,
        upcoming=list(upcoming),
        missing_notes=missing_notes(listed),
        definitions=STAT_DEFINITIONS,
        data_as_of=data_as_of,
        data_sources=data_sources,
        generated_at=generated_at,
    )
