"""One predictive distribution of the first-day return r, on the log scale log(1 + r).

The model predicts y = log(1 + r/100). Its predictive distribution is Student-t with centre ``loc``,
scale ``scale`` and ``df`` degrees of freedom; every figure shown to a user comes from it, so they are
coherent: the point prediction is its median exp(loc) − 1, the interval is its central quantiles mapped
back (always above −100 %), P(破发) = P(r < 0) and P(r > break-even) are its tail probabilities (for a
break-even ≥ 0 they cannot sum to more than 1).

Calibration (split-conformal in time): the raw scale is multiplied by ``widen``, the ratio of the 80 %
quantile of |standardised errors| of earlier out-of-sample predictions (outcomes known before T) to the
t quantile the raw scale assumed. See :func:`calibration_factor`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CALIBRATION_MIN = 20  # earlier out-of-sample errors needed before widening applies
CALIBRATION_LEVEL = 0.8
WIDEN_FLOOR = 0.5


@dataclass(frozen=True, kw_only=True)
class ReturnForecast:
    """Predictive distribution of a first-day return (percent), t on log(1 + r)."""

    loc: float
    scale: float
    df: float
    widen: float = 1.0

    @property
    def mean(self) -> float:
        """The point prediction (percent): the distribution's median, exp(loc) − 1."""
        return math.expm1(self.loc) * 100.0

    @property
    def sd(self) -> float:
        """Calibrated scale on the log scale."""
        return self.scale * self.widen

    def interval(self, level: float) -> tuple[float, float]:
        """Central predictive interval of r (percent) at ``level``."""
        q = float(stats.t.ppf(0.5 + level / 2.0, self.df))
        return math.expm1(self.loc - q * self.sd) * 100.0, math.expm1(self.loc + q * self.sd) * 100.0

    def prob_below(self, threshold_pct: float) -> float:
        """P(r < threshold) (0 for a threshold at or below −100 %)."""
        if threshold_pct <= -100.0:
            return 0.0
        z = (math.log1p(threshold_pct / 100.0) - self.loc) / self.sd
        return float(stats.t.cdf(z, self.df))

    def prob_above(self, threshold_pct: float) -> float:
        """P(r > threshold)."""
        return 1.0 - self.prob_below(threshold_pct)

    def standardised(self, actual_pct: float) -> float:
        """The raw (uncalibrated) standardised error of an outcome, for later calibration."""
        return (math.log1p(actual_pct / 100.0) - self.loc) / self.scale


def calibration_factor(past_z: Sequence[float], df: float) -> float:
    """Widening of the raw scale from earlier standardised errors (1 with fewer than 20 of them)."""
    if len(past_z) < CALIBRATION_MIN:
        return 1.0
    q = float(np.quantile(np.abs(np.asarray(past_z)), CALIBRATION_LEVEL))
    return max(q / float(stats.t.ppf(0.5 + CALIBRATION_LEVEL / 2.0, df)), WIDEN_FLOOR)
