"""``reportbot model``: subscription math and the first-day-return model."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from reportbot import pipeline, zhfmt
from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup, pass_app
from reportbot.domain import MetricSet, ModelReport, SubscriberSettings
from reportbot.model.subscription import breakeven_return
from reportbot.pipeline import modeling


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
        "predictions": len(report.predictions),
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


def _metric_line(m: MetricSet) -> str:
    def f(v: float | None, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
        return zhfmt.MISSING if v is None else f"{v * scale:.{digits}f}{unit}"

    n = "未披露" if m.n == 0 else str(m.n)
    return (
        f"  {m.name:<16} n={n:<4} R²={f(m.r2)}  MAE={f(m.mae_pct, digits=1)}"
        f"  中位绝对误差={f(m.median_ae_pct, digits=1)}"
        f"  区间覆盖={f(m.interval_coverage, 100, 0, '%')}  破发精确率={f(m.break_precision, 100, 0, '%')}"
        f"  破发召回率={f(m.break_recall, 100, 0, '%')}  Brier(破发)={f(m.brier_break, digits=3)}"
        f"  Brier(超过盈亏平衡)={f(m.brier_beats_breakeven, digits=3)}"
    )


def _evaluation_lines(report: ModelReport) -> list[str]:
    lines = [f"滚动样本外预测 {len(report.predictions)} 只；使用因子：{'、'.join(report.factors_used)}"]
    for ev in report.evaluations:
        lines.append(f"【样本：{ev.sample}】（误差单位：首日涨幅百分点）")
        lines += [_metric_line(m) for m in (ev.model, *ev.baselines)]
        if ev.reference is not None:
            lines.append(_metric_line(ev.reference))
    lines.append("【策略回测（样本外）】")
    for b in report.backtest:
        year = "合计" if b.year is None else str(b.year)
        lines.append(
            f"  {b.strategy:<22} {year:<5} 申购 {b.subscribed:>3} 只  收益 {zhfmt.cny(b.profit_cny)}"
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
    ex = modeling.explain_ipo(app.config, conn, pipeline.find_ipo(conn, code), settings)
    for line in explain_lines(ex, settings):
        click.echo(line)


def explain_lines(ex: modeling.Explanation, settings: SubscriberSettings) -> list[str]:
    """The Chinese text of ``model explain``."""
    p, ipo = ex.prediction, ex.ipo
    level = f"{p.interval_level * 100:.0f}%"
    lines = [
        f"{ipo.name}（{ipo.code}）申购日 {zhfmt.day_week(p.apply_date)}，训练样本 {p.train_size} 只（申购日前已上市）",
        f"预测首日涨幅：{zhfmt.pct(p.predicted_return_pct, 1)}；{level} 预测区间 "
        f"[{zhfmt.pct(p.interval_low_pct, 1)}, {zhfmt.pct(p.interval_high_pct, 1)}]",
        f"破发概率 P(涨幅<0)：{zhfmt.pct(p.p_break_issue * 100, 1)}",
        f"资金冻结 {p.freeze_days} 个自然日（退款日 {zhfmt.day_week(ex.refund_day)}）；"
        f"预期中签率 {zhfmt.pct(p.expected_winning_rate_pct, 4)}（申购日前已公布的最近新股中位数）",
        f"盈亏平衡首日涨幅：{zhfmt.pct(p.breakeven_return_pct, 1)}（年化资金成本 {settings.annual_rate * 100:.2f}%）；"
        f"P(超过盈亏平衡)：{zhfmt.pct(None if p.p_beats_breakeven is None else p.p_beats_breakeven * 100, 1)}",
        f"每冻结1万元的期望收益：{zhfmt.cny(p.expected_profit_per_10k)}",
        f"建议：{p.advice}（申购资金 {zhfmt.cny(settings.capital_cny)}，概率阈值 {settings.min_probability:.2f}）",
        f"实际首日涨幅：{zhfmt.pct(p.actual_return_pct, 1)}",
        f"因子贡献（系数×取值，合计即预测值；OLS，{ex.cov_type} 稳健标准误，样本内 R² {ex.fit_r2:.2f}）：",
    ]
    contrib = dict(p.contributions)
    for label, coef, se, pvalue in ex.coefficients:
        lines.append(
            f"  {label:<24} 贡献 {contrib.get(label, 0.0) + 0.0:>9.2f}  系数 {coef:>9.3f}"
            f"  标准误 {se:>8.3f}  p={pvalue:.3f}"
        )
    lines.append("未使用的因子：" + ("无" if not p.dropped_factors else ""))
    lines += [f"  {d}" for d in p.dropped_factors]
    return lines
