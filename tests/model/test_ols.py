"""OLS recovers known coefficients (also through the walk-forward on log(1 + r)); intervals cover nominally."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import numpy as np
import pytest

from reportbot.errors import ModelError
from reportbot.model import factors as fx
from reportbot.model import walkforward as wf
from reportbot.model.ols import CONST, fit_ols

TRUE = {"const": 20.0, "x1": 1.5, "x2": -30.0}


def _synthetic(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(50, 40, n)
    x2 = rng.normal(2.3, 0.5, n)
    y = TRUE["const"] + TRUE["x1"] * x1 + TRUE["x2"] * x2 + rng.normal(0, 10, n)
    return np.column_stack([np.ones(n), x1, x2]), y


def test_fit_recovers_known_coefficients_with_robust_errors() -> None:
    x, y = _synthetic(2000)
    fit = fit_ols(y, x, [CONST, "x1", "x2"])
    assert fit.cov_type == "HC3"
    for name, value, se in zip(fit.columns, fit.params, fit.bse, strict=True):
        assert value == pytest.approx(TRUE[name], abs=4 * se)
        assert se > 0
    assert fit.params[1] == pytest.approx(1.5, abs=0.02)
    assert fit.r2 == pytest.approx(3825 / 3925, abs=0.01)  # signal variance 1.5² × 40² + 30² × 0.5², noise 10²


def _rows(n: int, seed: int) -> list[fx.FactorRow]:
    """Synthetic IPOs: y = log(1 + r) = 0.1 + 0.008 × recent3 − 0.2 × log price + N(0, 0.05²)."""
    rng = np.random.default_rng(seed)
    rows = []
    start = date(2022, 1, 3)
    for k in range(n):
        recent3, log_price = rng.normal(60, 50), rng.normal(2.3, 0.4)
        t = start + timedelta(days=3 * k)
        rows.append(
            fx.FactorRow(
                code=f"{k:06d}",
                apply_date=t,
                listing_date=t + timedelta(days=12),
                actual_return_pct=math.expm1(0.1 + 0.008 * recent3 - 0.2 * log_price + rng.normal(0, 0.05)) * 100,
                values={fx.RECENT3: recent3, fx.LOG_PRICE: log_price},
            )
        )
    return rows


SPEC = wf.ModelSpec(factors=(fx.RECENT3, fx.LOG_PRICE), min_train_size=30)


def test_walk_forward_recovers_coefficients_from_factor_rows() -> None:
    rows = _rows(200, 3)
    out = wf.walk_forward(rows, SPEC)
    assert out[0].train_size >= 30
    assert all(rf.row.listing_date is not None for rf in out)
    last = out[-1].fit
    assert last.params[1] == pytest.approx(0.008, abs=0.0005)
    assert last.params[2] == pytest.approx(-0.2, abs=0.04)
    assert len(out) == sum(1 for r in rows if len(wf.known_training_rows(rows, r.apply_date)) >= 30)


def test_walk_forward_intervals_cover_at_nominal_level() -> None:
    out = wf.walk_forward(_rows(600, 5), SPEC)
    scored = out[100:]  # after the calibration has enough earlier errors
    hits = 0
    for rf in scored:
        low, high = rf.forecast.interval(0.8)
        hits += low <= float(rf.row.actual_return_pct or 0.0) <= high
    assert hits / len(scored) == pytest.approx(0.8, abs=0.05)
    fc = scored[0].forecast
    assert fc.prob_below(fc.mean) == pytest.approx(0.5)  # the point prediction is the median


def test_train_window_fits_on_the_latest_known_outcomes_only() -> None:
    rows = _rows(200, 3)
    out = wf.walk_forward(rows, dataclasses.replace(SPEC, train_window=60))
    assert max(rf.train_size for rf in out) == 60
    assert out[-1].fit.n == 60
    assert out[-1].fit.params[1] == pytest.approx(0.008, abs=0.001)
    # without the window the last fit uses every known outcome
    assert wf.walk_forward(rows, SPEC)[-1].train_size > 150


def test_rank_deficient_design_is_an_error() -> None:
    x = np.column_stack([np.ones(50), np.arange(50.0), 2 * np.arange(50.0)])
    with pytest.raises(ModelError, match="rank-deficient"):
        fit_ols(np.arange(50.0), x, [CONST, "a", "b"])
