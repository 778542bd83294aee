"""No look-ahead: an outcome only reaches predictions of IPOs subscribing after it listed."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date

import pytest

from reportbot.config import Config
from reportbot.domain import Ipo, SubscriberSettings
from reportbot.model import factors as fx
from reportbot.model import walkforward as wf
from reportbot.model.winning_rate import WinningRates
from reportbot.pipeline import modeling
from reportbot.store import db
from reportbot.store import ipos as ipo_store
from tests.conftest import FIXED_NOW

OLD_FACTORS = ("recent3_mean_return", "log_issue_price", "pe_relative", "industry")
OLD_SPEC = wf.ModelSpec(factors=OLD_FACTORS, min_train_size=30)
DEFAULT = Config().model
DEFAULT_SPEC = wf.ModelSpec(
    factors=DEFAULT.factors, min_train_size=30, train_window=DEFAULT.train_window, recent3_weight=DEFAULT.recent3_weight
)


def _perturbed(ipos: list[Ipo], code: str, delta: float) -> list[Ipo]:
    return [
        dataclasses.replace(i, first_day_return_pct=(i.first_day_return_pct or 0.0) + delta) if i.code == code else i
        for i in ipos
    ]


def _by_code(forecasts: list[wf.RowForecast]) -> dict[str, float]:
    return {rf.row.code: rf.forecast.mean for rf in forecasts}


@pytest.mark.parametrize("spec", [OLD_SPEC, DEFAULT_SPEC], ids=["old-factors", "default"])
def test_perturbing_an_outcome_leaves_earlier_predictions_unchanged(
    store: sqlite3.Connection, spec: wf.ModelSpec
) -> None:
    ipos = ipo_store.list_ipos(store)
    victim = next(i for i in ipos if i.apply_date and i.apply_date.year == 2023 and i.first_day_return_pct is not None)
    assert victim.listing_date is not None
    before = _by_code(wf.walk_forward(fx.factor_rows(ipos), spec))
    after = _by_code(wf.walk_forward(fx.factor_rows(_perturbed(ipos, victim.code, 500.0)), spec))
    t_of = {i.code: i.apply_date for i in ipos}
    not_yet_known = [c for c in before if t_of[c] <= victim.listing_date]  # type: ignore[operator]
    later = [c for c in before if t_of[c] > victim.listing_date]  # type: ignore[operator]
    assert len(not_yet_known) > 30 and later
    assert all(before[c] == after[c] for c in not_yet_known)
    # the same perturbation does reach predictions made after the listing (so the check above can fail)
    assert any(abs(before[c] - after[c]) > 1e-6 for c in later)


def test_predict_ipo_ignores_outcomes_listed_on_or_after_t(config: Config, store: sqlite3.Connection) -> None:
    ipos = ipo_store.list_ipos(store)
    target = next(i for i in ipos if i.apply_date and i.apply_date.year == 2024)
    assert target.apply_date is not None
    settings = SubscriberSettings(capital_cny=1e6, annual_rate=0.05, min_probability=0.5)
    first = modeling.stored_model(config, store, extra=target).predict(target, settings)
    later = [
        i for i in ipos if i.listing_date and i.listing_date >= target.apply_date and i.first_day_return_pct is not None
    ]
    changed = [dataclasses.replace(i, first_day_return_pct=-99.0, online_winning_rate_pct=50.0) for i in later]
    with db.transaction(store):
        ipo_store.upsert_ipos(store, changed, source="test", now=FIXED_NOW)
    second = modeling.stored_model(config, store, extra=target).predict(target, settings)
    assert second == first
    assert second.actual_return_pct == target.first_day_return_pct  # the target's own outcome is shown, not used


def test_winning_rate_counts_only_once_published() -> None:
    base = Ipo(code="1", name="a", online_winning_rate_pct=1.0)
    rates = WinningRates(
        [
            dataclasses.replace(base, code="1", issue_result_date=date(2026, 1, 5), online_winning_rate_pct=0.5),
            dataclasses.replace(base, code="2", listing_date=date(2026, 1, 10), online_winning_rate_pct=0.1),
            dataclasses.replace(base, code="3", issue_result_date=date(2026, 1, 12), online_winning_rate_pct=0.3),
        ]
    )
    assert rates.expected_before(date(2026, 1, 5), 5) is None  # published that day: not before T
    assert rates.expected_before(date(2026, 1, 6), 5) == 0.5
    assert rates.expected_before(date(2026, 1, 11), 5) == 0.3  # median of 0.5 and 0.1
    assert rates.expected_before(date(2026, 1, 13), 2) == 0.2  # the last two: 0.1 and 0.3


def test_recent_average_gain_uses_only_outcomes_listed_before_t(store: sqlite3.Connection) -> None:
    ipos = ipo_store.list_ipos(store)
    target = next(i for i in ipos if i.apply_date and i.apply_date.year == 2024)
    t = target.apply_date
    assert t is not None

    def value(records: list[Ipo]) -> float | None:
        row = next(r for r in fx.factor_rows(records) if r.code == target.code)
        return row.values[fx.RECENT_MEAN_CALENDAR]

    first = value(ipos)
    assert first is not None
    on_or_after = {i.code for i in ipos if i.listing_date and i.listing_date >= t}
    moved = [dataclasses.replace(i, first_day_return_pct=900.0) if i.code in on_or_after else i for i in ipos]
    assert on_or_after and value(moved) == first
    known = [i for i in ipos if i.listing_date and i.listing_date < t and i.first_day_return_pct is not None]
    before = max(known, key=lambda i: (i.listing_date, i.code))
    assert value(_perturbed(ipos, before.code, 500.0)) != first  # an outcome known before T does count
