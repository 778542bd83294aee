"""One predictive distribution on log(1 + r): bounds above −100 %, coherent probabilities, calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reportbot.model.predictive import CALIBRATION_MIN, ReturnForecast, calibration_factor


@pytest.mark.parametrize("loc,scale", [(-0.5, 3.0), (0.0, 10.0), (1.2, 0.4), (-2.0, 1.5)])
def test_interval_never_goes_below_minus_100(loc: float, scale: float) -> None:
    fc = ReturnForecast(loc=loc, scale=scale, df=5)
    low, high = fc.interval(0.8)
    assert -100.0 < low < fc.mean < high
    assert fc.prob_below(-100.0) == 0.0 and fc.prob_below(-150.0) == 0.0


@pytest.mark.parametrize("breakeven", [0.0, 5.0, 27.4, 150.0, 900.0])
@pytest.mark.parametrize("loc", [-0.4, 0.0, 0.3, 1.1])
def test_break_and_beating_breakeven_are_coherent(loc: float, breakeven: float) -> None:
    fc = ReturnForecast(loc=loc, scale=0.6, df=8, widen=1.3)
    p_break, p_beats = fc.prob_below(0.0), fc.prob_above(breakeven)
    assert p_break + p_beats <= 1.0 + 1e-12
    assert fc.prob_below(fc.mean) == pytest.approx(0.5)  # the point prediction is the median
    # P(破发) agrees with the interval: a lower bound below 0 means P(破发) above the tail share
    low, _ = fc.interval(0.8)
    assert (low < 0) == (p_break > 0.1)


def test_prediction_minus_eleven_percent_cannot_come_with_three_percent_break() -> None:
    # the old model printed −11.4 % next to P(破发) 3 %; with one distribution a negative median means ≥ 50 %
    fc = ReturnForecast(loc=math.log1p(-0.114), scale=0.3, df=30)
    assert fc.mean == pytest.approx(-11.4)
    assert fc.prob_below(0.0) > 0.5


def test_calibration_widens_an_overconfident_scale_to_nominal_coverage() -> None:
    rng = np.random.default_rng(5)
    truth = rng.standard_t(10, 4000) * 2.0  # errors twice as wide as the raw scale assumes
    assert calibration_factor(list(truth[: CALIBRATION_MIN - 1]), 10) == 1.0  # too few: no widening
    widen = calibration_factor(list(truth[:2000]), 10)
    assert widen == pytest.approx(2.0, rel=0.1)
    fc = ReturnForecast(loc=0.0, scale=1.0, df=10, widen=widen)
    low, high = fc.interval(0.8)
    lo, hi = math.log1p(low / 100), math.log1p(high / 100)
    covered = np.mean((truth[2000:] >= lo) & (truth[2000:] <= hi))
    assert covered == pytest.approx(0.8, abs=0.03)
