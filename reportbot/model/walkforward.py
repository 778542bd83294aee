"""Walk-forward fitting: each IPO is predicted by a model fitted only on outcomes known before its T.

For a target with subscription day T the training rows are the IPOs (with a known T, so that their own
factors are defined) that listed strictly before T (the latest ``train_window`` of them when set: the
BSE's regimes differ, and old ones pull the fit away from the current one). A numeric factor is used
only when the target has it and at least ``coverage_min`` of the training rows have it; training then
uses the complete rows.

The outcome is y = log(1 + r) (r > −100 % always). OLS with HC3 covariance gives the centre; the scale
combines the residual variance of the latest ``RESIDUAL_WINDOW`` training rows (the BSE's regimes
differ in spread: 2022 vs the +200 % regime since 2024) with the parameter uncertainty, and is then
calibrated on earlier out-of-sample errors (:mod:`reportbot.model.predictive`).

Forecast combination (``recent3_weight`` w > 0): the centre is (1 − w) × the OLS centre + w × log(1 +
the mean of the last 3 known outcomes) (:data:`POOL_COLUMN`, the naive baseline's point on the log scale),
when the target has that mean. The fit shown is the pooled one (coefficients × (1 − w), robust covariance
× (1 − w)², and the fixed weight w as a column of its own), so the contributions still sum to the centre.

Industry (when configured): industries with at least ``industry_min_count`` training rows get a dummy,
and "industry unknown" is a category of its own like any other (it is not folded into the base group).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from reportbot.errors import ModelError
from reportbot.model import factors as fx
from reportbot.model.ols import CONST, FitResult, fit_ols
from reportbot.model.predictive import ReturnForecast, calibration_factor

INDUSTRY_PREFIX = "industry="
RESIDUAL_WINDOW = 30  # latest training rows whose residual spread sets the scale
POOL_COLUMN = "pool:recent3"  # log(1 + last-3 mean) pooled into the centre with a fixed weight


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """What to fit: the configured factor set and the walk-forward settings."""

    factors: tuple[str, ...]
    min_train_size: int = 30
    interval_level: float = 0.8
    industry_min_count: int = 8
    coverage_min: float = 0.9
    bse50_available: bool = False  # whether any 北证50 daily series exists at all
    train_window: int = 0  # fit on the latest this many known outcomes (0: all of them)
    recent3_weight: float = 0.0  # weight of log(1 + last-3 mean) in the centre (0: OLS alone)

    @property
    def training_note(self) -> str:
        """Which known outcomes each fit uses (and the pooling), in Chinese (for the report notes)."""
        note = f"申购日前最近{self.train_window}只已上市新股" if self.train_window else "申购日前全部已上市新股"
        if self.recent3_weight:
            note += f"，预测中心再与近3只新股首日涨幅均值（对数）按{self.recent3_weight * 100:g}%的权重合并"
        return note


@dataclass(frozen=True, kw_only=True)
class RowForecast:
    """One out-of-sample prediction with the fit behind it."""

    row: fx.FactorRow
    forecast: ReturnForecast
    fit: FitResult
    x: tuple[float, ...]
    dropped: tuple[tuple[str, str], ...]  # (factor, Chinese reason)
    train_size: int

    @property
    def p_break(self) -> float:
        """P(破发) = P(r < 0), from the one predictive distribution."""
        return self.forecast.prob_below(0.0)


def known_training_rows(rows: Sequence[fx.FactorRow], t: date) -> list[fx.FactorRow]:
    """Rows whose outcome was known before ``t`` (listed strictly before it), in listing order."""
    known = [r for r in rows if r.actual_return_pct is not None and r.listing_date is not None and r.listing_date < t]
    return sorted(known, key=_listing_key)


def _listing_key(r: fx.FactorRow) -> tuple[date, str]:
    return (r.listing_date or date.min, r.code)


def choose_factors(
    target: fx.FactorRow, train: Sequence[fx.FactorRow], spec: ModelSpec
) -> tuple[list[str], list[tuple[str, str]]]:
    """The numeric factors usable for ``target`` and the dropped factors with their reasons."""
    used: list[str] = []
    dropped: list[tuple[str, str]] = []
    for name in spec.factors:
        label = fx.FACTOR_LABELS[name]
        if name in fx.UNAVAILABLE:
            dropped.append((name, fx.UNAVAILABLE[name]))
        elif name == fx.INDUSTRY:
            continue
        elif name == fx.BSE50 and not spec.bse50_available:
            dropped.append((name, "无北证50日线数据（内置数据不含日线，需联网获取）"))
        elif target.values.get(name) is None:
            dropped.append((name, f"该股申购日前{label}暂缺"))
        else:
            share = sum(r.values.get(name) is not None for r in train) / max(len(train), 1)
            if share < spec.coverage_min:
                dropped.append((name, f"已知结果的样本中覆盖不足 {spec.coverage_min * 100:.0f}%（{share * 100:.0f}%）"))
            else:
                used.append(name)
    return used, dropped


def design(
    target: fx.FactorRow, train: Sequence[fx.FactorRow], spec: ModelSpec
) -> tuple[list[str], np.ndarray, list[float], list[float], list[tuple[str, str]]]:
    """Columns, training matrix, training outcomes, the target's row and the dropped factors."""
    used, dropped = choose_factors(target, train, spec)
    complete = [r for r in train if all(r.values.get(n) is not None for n in used)]
    industries: list[str] = []
    if fx.INDUSTRY in spec.factors:
        counts: dict[str, int] = {}
        for r in complete:
            counts[r.industry] = counts.get(r.industry, 0) + 1
        industries = sorted(k for k, v in counts.items() if v >= spec.industry_min_count)
        if len(industries) == len(counts):  # keep a base group so the dummies are not collinear with const
            industries = industries[:-1]
        if not industries:
            dropped.append((fx.INDUSTRY, f"没有行业在已知结果样本中达到 {spec.industry_min_count} 只"))
    columns = [CONST, *used, *(INDUSTRY_PREFIX + i for i in industries)]

    def as_row(r: fx.FactorRow) -> list[float]:
        return [1.0, *(float(r.values[n]) for n in used), *(1.0 if r.industry == i else 0.0 for i in industries)]  # type: ignore[arg-type]

    x = np.array([as_row(r) for r in complete], dtype=float).reshape(len(complete), len(columns))
    y = [math.log1p(float(r.actual_return_pct) / 100.0) for r in complete]  # type: ignore[arg-type]
    return columns, x, y, as_row(target), dropped


def forecast_row(target: fx.FactorRow, train: Sequence[fx.FactorRow], spec: ModelSpec) -> RowForecast | None:
    """Fit on ``train`` and predict ``target``; None when fewer than ``min_train_size`` complete rows."""
    columns, x, y, x_target, dropped = design(target, train, spec)
    if len(y) < max(spec.min_train_size, len(columns) + 2):
        return None
    try:
        fit = fit_ols(y, x, columns)
    except ModelError:
        return None
    recent = (np.asarray(y) - x @ np.asarray(fit.params))[-RESIDUAL_WINDOW:]
    if spec.recent3_weight and target.recent3 is not None:
        fit = pooled(fit, spec.recent3_weight)
        x_target = [*x_target, math.log1p(target.recent3 / 100.0)]
    params = np.asarray(fit.params)
    xv = np.asarray(x_target)
    var = float(np.mean(recent**2)) * len(y) / fit.df_resid + float(xv @ np.asarray(fit.cov) @ xv)
    return RowForecast(
        row=target,
        forecast=ReturnForecast(loc=float(xv @ params), scale=math.sqrt(max(var, 1e-12)), df=fit.df_resid),
        fit=fit,
        x=tuple(x_target),
        dropped=tuple(dropped),
        train_size=len(y),
    )


def pooled(fit: FitResult, weight: float) -> FitResult:
    """``fit`` combined with the column :data:`POOL_COLUMN` at the fixed ``weight`` (no standard error or p)."""
    keep = 1.0 - weight
    k = len(fit.params)
    cov = (*((*(keep * keep * v for v in row), 0.0) for row in fit.cov), (0.0,) * (k + 1))
    return dataclasses.replace(
        fit,
        columns=(*fit.columns, POOL_COLUMN),
        params=(*(keep * b for b in fit.params), weight),
        bse=(*(keep * b for b in fit.bse), 0.0),
        pvalues=(*fit.pvalues, math.nan),
        cov=cov,
    )


def walk_forward(rows: Sequence[fx.FactorRow], spec: ModelSpec) -> list[RowForecast]:
    """Predict every row (in subscription order) from the rows whose outcomes were known before its T."""
    raw = []
    for target in sorted(rows, key=lambda r: (r.apply_date, r.code)):
        train = known_training_rows(rows, target.apply_date)
        result = forecast_row(target, train[-spec.train_window :] if spec.train_window else train, spec)
        if result is not None:
            raw.append(result)
    return calibrate(raw)


def calibrate(raw: Sequence[RowForecast]) -> list[RowForecast]:
    """Widen each forecast by the errors of earlier forecasts whose outcomes were known before its T."""
    errors = sorted(
        (rf.row.listing_date, rf.forecast.standardised(rf.row.actual_return_pct))
        for rf in raw
        if rf.row.listing_date is not None and rf.row.actual_return_pct is not None
    )
    days = [d for d, _ in errors]
    out = []
    for rf in raw:
        past = [z for _, z in errors[: bisect.bisect_left(days, rf.row.apply_date)]]
        widen = calibration_factor(past, rf.forecast.df)
        out.append(dataclasses.replace(rf, forecast=dataclasses.replace(rf.forecast, widen=widen)))
    return out
