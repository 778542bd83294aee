"""``reportbot model``: subscription math and the first-day-return model."""

from __future__ import annotations

import dataclasses
import json
import math
import unicodedata
from typing import Any

import click

from reportbot import zhfmt
from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup, pass_app
from reportbot.domain import Evaluation, LotOutlook, MetricSet, ModelReport, Prediction, SubscriberSettings
from reportbot.model.evaluation import BASELINE_RECENT
from reportbot.model.forecasts import Explanation
from reportbot.model.subscription import breakeven_return
from reportbot.pipeline import modeling
from reportbot.pipeline.manage import find_ipo
from reportbot.summary import alert


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def model() -> None:
    """Model evaluation and subscription math."""


@model.command("breakeven", context_settings=CONTEXT_SETTINGS)
@click.option("--rate", type=float, required=True, help="Annual cost of funds as a fraction (0.05 = 5%).")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Calendar days the cash is frozen.")
@click.option("--winning-rate", type=float, required=True, help="Winning rate as a fraction (0.002 = 0.2%).")
def breakeven_cmd(rate: float, days: int, winning_rate: float) -> None:
    """Print the first-day return that pays for the frozen cash (seed 003: 5%, 4 days, 0.2% → 27.4%)."""
    value = breakeven_return(rate, days, winning_rate)
    click.echo(f"盈亏平衡首日涨幅：{value * 100:.1f}%")


@model.command("evaluate", context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON (keys in the README).")
@pass_app
def evaluate_cmd(app: AppContext, as_json: bool) -> None:
    """Walk-forward (out-of-sample) metrics with baselines and seed 003, and the strategy backtest."""
    report = modeling.model_report(app.config, app.store())
    if as_json:
        click.echo(json.dumps(report_json(app, report), ensure_ascii=False, indent=2))
        return
    for line in _evaluation_lines(report):
        click.echo(line)


def report_json(app: AppContext, report: ModelReport) -> dict[str, Any]:
    """The JSON document of ``model evaluate --json``."""
    defaults = app.config.subscriber_defaults
    with_outcome = [p for p in report.predictions if p.actual_return_pct is not None]
    return {
        "predictions": [prediction_json(p) for p in report.predictions],
        "predictions_count": len(report.predictions),
        "predictions_with_outcome": len(with_outcome),
        "first_prediction": report.predictions[0].apply_date.isoformat() if report.predictions else None,
        "last_prediction": report.predictions[-1].apply_date.isoformat() if report.predictions else None,
        "interval_level": app.config.model.interval_level,
        "evaluations": [dataclasses.asdict(e) for e in report.evaluations],
        "backtest": [dataclasses.asdict(b) for b in report.backtest],
        "backtest_assumption": {
            "capital_cny_per_ipo": defaults.capital_cny,
            "annual_rate": defaults.annual_rate,
            "min_probability": defaults.min_probability,
        },
        "factors_used": list(report.factors_used),
        "notes": list(report.notes),
    }


def _lots_json(o: LotOutlook | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "shares": o.shares,
        "cash_cny": o.cash,
        "ratio_pct": o.ratio * 100,
        "ratio_published": o.ratio_published,
        "lots_by_proportion": o.by_proportion,
        "p_extra_lot_low": o.p_extra_low,
        "p_extra_lot_high": o.p_extra_high,
        "expected_lots": o.expected_lots,
    }


def prediction_json(p: Prediction) -> dict[str, Any]:
    """One walk-forward prediction as ``model evaluate --json`` lists it."""
    return {
        "code": p.code,
        "apply_date": p.apply_date.isoformat(),
        "predicted_return_pct": p.predicted_return_pct,
        "interval_low_pct": p.interval_low_pct,
        "interval_high_pct": p.interval_high_pct,
        "p_break": p.p_break_issue,
        "breakeven_pct": p.proportional_breakeven_pct,
        "p_beats_breakeven": p.p_beats_proportional,
        "default_subscriber": {
            **(_lots_json(p.allocation) or {}),
            "breakeven_pct": p.breakeven_return_pct,
            "p_profit": p.p_beats_breakeven,
            "expected_profit_cny": p.expected_profit_cny,
            "advice": p.advice,
        },
        "cap_subscriber": None
        if p.cap_allocation is None
        else {
            **(_lots_json(p.cap_allocation) or {}),
            "p_profit": p.cap_p_profit,
            "expected_profit_cny": p.cap_expected_profit_cny,
            "advice": p.cap_advice,
        },
        "actual_return_pct": p.actual_return_pct,
    }


def _metric_line(m: MetricSet) -> str:
    def f(v: float | None, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
        return zhfmt.MISSING if v is None else f"{v * scale:.{digits}f}{unit}"

    n = "未披露" if m.n == 0 else str(m.n)
    line = (
        f"  {m.name:<16} n={n:<4} R²={f(m.r2)}  MAE={f(m.mae_pct, digits=1)}"
        f"  中位绝对误差={f(m.median_ae_pct, digits=1)}"
        f"  区间覆盖={f(m.interval_coverage, 100, 1, '%')}  破发精确率={f(m.break_precision, 100, 0, '%')}"
        f"  破发召回率={f(m.break_recall, 100, 0, '%')}  Brier(破发)={f(m.brier_break, digits=3)}"
        f"  Brier(超过盈亏平衡)={f(m.brier_beats_breakeven, digits=3)}"
    )
    if m.bounds_below_minus_100 is not None:
        line += f"  区间下限<−100%：{m.bounds_below_minus_100} 只"
    if m.incoherent is not None:
        line += f"  P(破发)+P(超过盈亏平衡)>1：{m.incoherent} 只"
    if m.coverage_by_year:
        line += "\n      分年覆盖：" + "  ".join(f"{y} {c * 100:.1f}%" for y, c in m.coverage_by_year)
    return line


def _mae_ratio_line(ev: Evaluation) -> str | None:
    """The model's MAE as a multiple of the last-3 baseline's on the same IPOs."""
    base = next((b for b in ev.baselines if b.name == BASELINE_RECENT), None)
    if base is None or not base.mae_pct or ev.model.mae_pct is None:
        return None
    return f"  MAE / 近3只新股均值 MAE = {ev.model.mae_pct / base.mae_pct:.3f}"


def _evaluation_lines(report: ModelReport) -> list[str]:
    lines = [f"滚动样本外预测 {len(report.predictions)} 只；使用因子：{'、'.join(report.factors_used)}"]
    for ev in report.evaluations:
        lines.append(f"【样本：{ev.sample}】（误差单位：首日涨幅百分点）")
        lines += [_metric_line(m) for m in (ev.model, *ev.baselines)]
        if (ratio := _mae_ratio_line(ev)) is not None:
            lines.append(ratio)
        if ev.reference is not None:
            lines.append(_metric_line(ev.reference))
    lines.append("【策略回测（样本外）】")
    for b in report.backtest:
        year = "合计" if b.year is None else str(b.year)
        lines.append(
            f"  {b.strategy:<24} {year:<5} 申购 {b.subscribed:>3} 只  收益 {zhfmt.cny(b.profit_cny)}"
            f"  资金占用 {b.capital_days / 1e4:,.0f} 万元·天  年化 {zhfmt.pct(b.return_on_frozen_pct)}"
        )
    lines.append("【说明】")
    lines += [f"  {n}" for n in report.notes]
    return lines


@model.command("explain", context_settings=CONTEXT_SETTINGS)
@click.argument("code")
@click.option("--capital", type=float, default=None, help="Capital in CNY (default: [subscriber_defaults]).")
@click.option("--rate", type=float, default=None, help="Annual cost of funds as a fraction (default: config).")
@click.option("--min-probability", type=float, default=None, help="Threshold for 申购 (default: config).")
@pass_app
def explain_cmd(
    app: AppContext, code: str, capital: float | None, rate: float | None, min_probability: float | None
) -> None:
    """Prediction, interval, factor contributions, break-even and advice for one IPO (by code)."""
    d = app.config.subscriber_defaults
    settings = SubscriberSettings(
        capital_cny=d.capital_cny if capital is None else capital,
        annual_rate=d.annual_rate if rate is None else rate,
        min_probability=d.min_probability if min_probability is None else min_probability,
    )
    conn = app.store()
    ex = modeling.explain_ipo(app.config, conn, find_ipo(conn, code), settings)
    for line in explain_lines(ex, settings):
        click.echo(line)


def explain_lines(ex: Explanation, settings: SubscriberSettings) -> list[str]:
    """The Chinese text of ``model explain``."""
    p, ipo = ex.prediction, ex.ipo
    lines = [
        f"{ipo.name}（{ipo.code}）申购日 {zhfmt.day_week(p.apply_date)}，训练样本 {p.train_size} 只（申购日前已上市）",
        alert.forecast_line(p) + "（预测值为预测分布的中位数，区间与破发概率取自同一分布）",
        f"资金冻结 {p.freeze_days} 个自然日（退款日 {zhfmt.day_week(ex.refund_day)}）；"
        f"年化资金成本 {settings.annual_rate * 100:.2f}%；申购资金 {zhfmt.cny(settings.capital_cny)}",
        *alert.lots_lines(p),
        *alert.profit_lines(p),
        f"按比例配售的盈亏平衡首日涨幅：{zhfmt.pct(p.proportional_breakeven_pct, 1)}；"
        f"超过它的概率：{zhfmt.pct(None if p.p_beats_proportional is None else p.p_beats_proportional * 100, 1)}",
        f"建议：{p.advice}（获利概率阈值 {settings.min_probability:.2f}）",
        f"实际首日涨幅：{zhfmt.pct(p.actual_return_pct, 1)}",
        "因子贡献（对数收益 log(1+涨幅) 尺度：系数×取值，合计为预测中位数的 log(1+涨幅)；"
        f"OLS，{ex.cov_type} 稳健标准误，样本内 R² {ex.fit_r2:.2f}）：",
    ]
    contrib = dict(p.contributions)
    width = max((display_width(c[0]) for c in ex.coefficients), default=0)
    for label, coef, se, pvalue in ex.coefficients:
        inference = "（固定权重，无标准误）" if math.isnan(pvalue) else f"  标准误 {se:>8.4f}  p={pvalue:.3f}"
        lines.append(
            f"  {pad_display(label, width)} 贡献 {contrib.get(label, 0.0) + 0.0:>9.4f}  系数 {coef:>9.4f}{inference}"
        )
    lines.append("未使用的因子：" + ("无" if not p.dropped_factors else ""))
    lines += [f"  {d}" for d in p.dropped_factors]
    return lines


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (wide and full-width characters, e.g. Chinese, take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad_display(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(width - display_width(text), 0)
