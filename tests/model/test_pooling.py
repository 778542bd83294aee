"""Forecast combination: the centre pools the fit with log(1 + last-3 mean) at a fixed weight."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from reportbot.model import factors as fx
from reportbot.model import walkforward as wf
from reportbot.model.ols import contributions

T = date(2024, 6, 3)
SPEC = wf.ModelSpec(factors=(), min_train_size=2, recent3_weight=0.25)


def _train() -> list[fx.FactorRow]:
    """Four outcomes with log(1 + r) = 0.1, 0.2, 0.3, 0.6 (mean 0.3), all listed before T."""
    return [
        fx.FactorRow(
            code=f"92000{k}",
            apply_date=T - timedelta(days=30 - k),
            listing_date=T - timedelta(days=20 - k),
            actual_return_pct=math.expm1(y) * 100.0,
        )
        for k, y in enumerate((0.1, 0.2, 0.3, 0.6))
    ]


def _target(recent3: float | None) -> fx.FactorRow:
    return fx.FactorRow(code="920100", apply_date=T, listing_date=None, actual_return_pct=None, recent3=recent3)


def test_centre_is_the_weighted_mean_of_the_fit_and_the_log_last3_mean() -> None:
    rf = wf.forecast_row(_target(100.0), _train(), SPEC)
    assert rf is not None
    # constant-only OLS: the mean of log(1 + r) = 0.3; last-3 mean +100 % → log 2
    assert rf.forecast.loc == pytest.approx(0.75 * 0.3 + 0.25 * math.log(2.0))
    assert rf.fit.columns == ("const", wf.POOL_COLUMN)
    assert rf.fit.params == pytest.approx((0.75 * 0.3, 0.25))
    assert sum(v for _, v in contributions(rf.fit, rf.x)) == pytest.approx(rf.forecast.loc)
    assert math.isnan(rf.fit.pvalues[-1]) and rf.fit.bse[-1] == 0.0
    # the parameter uncertainty of the pooled centre is (1 − w)² × that of the fit
    plain = wf.forecast_row(_target(100.0), _train(), wf.ModelSpec(factors=(), min_train_size=2))
    assert plain is not None and plain.forecast.loc == pytest.approx(0.3)
    assert rf.fit.cov[0][0] == pytest.approx(0.75**2 * plain.fit.cov[0][0])


def test_without_a_last3_mean_the_fit_stands_alone() -> None:
    rf = wf.forecast_row(_target(None), _train(), SPEC)
    assert rf is not None and rf.forecast.loc == pytest.approx(0.3)
    assert wf.POOL_COLUMN not in rf.fit.columns


def test_training_note_names_the_weight() -> None:
    assert "7.5%" in wf.ModelSpec(factors=(), train_window=80, recent3_weight=0.075).training_note
    assert "权重" not in wf.ModelSpec(factors=(), train_window=80).training_note
