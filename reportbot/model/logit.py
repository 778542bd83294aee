"""Logit for P(破发): P(first-day return < 0) fitted directly on the 0/1 outcome.

Used for ``Prediction.p_break_issue`` because it calibrates better out of sample than the OLS predictive
distribution (whose one residual variance mixes the 2022 regime with the +200 % regime since 2024); the
walk-forward Brier scores of both are in the model notes. The probability of beating the break-even
stays with the OLS predictive distribution: its threshold depends on each subscriber's cost of funds,
and one distribution answers every threshold.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import statsmodels.api as sm

MIN_EVENTS = 5  # fewer 破发 (or non-破发) cases than this in training: no Logit


def fit_break_logit(returns: Sequence[float], x: np.ndarray) -> tuple[float, ...] | None:
    """Coefficients of P(return < 0) = logistic(x·β), or None when the fit is not usable.

    Not usable: fewer than :data:`MIN_EVENTS` cases of either class, no convergence, or (quasi-)perfect
    separation. The caller then falls back to the OLS predictive distribution.
    """
    y = np.asarray([1.0 if r < 0 else 0.0 for r in returns])
    events = int(y.sum())
    if events < MIN_EVENTS or len(y) - events < MIN_EVENTS:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence/separation warnings: judged below instead
        try:
            res = sm.Logit(y, x).fit(disp=0, maxiter=100)
        except (np.linalg.LinAlgError, ValueError, OverflowError):
            return None
    params = np.asarray(res.params, dtype=float)
    if not res.mle_retvals.get("converged", False) or not np.all(np.isfinite(params)):
        return None
    return tuple(float(v) for v in params)


def break_probability(params: Sequence[float], x: Sequence[float]) -> float:
    """logistic(x·β)."""
    z = sum(b * float(v) for b, v in zip(params, x, strict=True))
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
