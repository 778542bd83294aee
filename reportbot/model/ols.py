"""OLS with heteroskedasticity-robust (HC3) standard errors.

The fit keeps what the predictive distribution needs (:mod:`reportbot.model.walkforward`): the
coefficients, their robust (HC3) covariance V (the parameter uncertainty x'V x of a prediction) and the
residual degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from reportbot.errors import ModelError

CONST = "const"


@dataclass(frozen=True, kw_only=True)
class FitResult:
    """A fitted OLS: coefficients with robust standard errors, fit statistics, what prediction needs."""

    columns: tuple[str, ...]
    params: tuple[float, ...]
    bse: tuple[float, ...]  # robust standard errors
    pvalues: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]  # robust covariance of the coefficients
    df_resid: float
    n: int
    r2: float
    cov_type: str


def fit_ols(y: Sequence[float], x: np.ndarray, columns: Sequence[str], cov_type: str = "HC3") -> FitResult:
    """Fit y = Xβ + ε by OLS; ``x`` already holds the constant column named :data:`CONST`.

    Raises:
        ModelError: fewer rows than columns + 2, or a rank-deficient design.
    """
    y_arr = np.asarray(y, dtype=float)
    n, k = x.shape
    if n < k + 2:
        raise ModelError(f"OLS: {n} rows for {k} columns ({', '.join(columns)}); need at least {k + 2}")
    if np.linalg.matrix_rank(x) < k:
        raise ModelError(f"OLS: design matrix is rank-deficient (columns: {', '.join(columns)})")
    res = sm.OLS(y_arr, x).fit(cov_type=cov_type)
    cov = np.asarray(res.cov_params())
    if not np.all(np.isfinite(cov)):  # HC3 divides by 1 - leverage; a leverage of 1 makes it infinite
        cov_type = "HC1"
        res = sm.OLS(y_arr, x).fit(cov_type=cov_type)
        cov = np.asarray(res.cov_params())
    return FitResult(
        columns=tuple(columns),
        params=tuple(float(v) for v in res.params),
        bse=tuple(float(v) for v in res.bse),
        pvalues=tuple(float(v) for v in res.pvalues),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        df_resid=float(res.df_resid),
        n=n,
        r2=float(res.rsquared),
        cov_type=cov_type,
    )


def contributions(fit: FitResult, x: Sequence[float]) -> tuple[tuple[str, float], ...]:
    """Each column's coefficient × value (they sum to the prediction)."""
    return tuple((c, b * float(v)) for c, b, v in zip(fit.columns, fit.params, x, strict=True))
