"""Point in time: a past month's report reads only what was known at the end of that month."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date
from pathlib import Path

from reportbot.config import Config
from reportbot.domain import Ipo
from reportbot.kinds import Month
from reportbot.marketdata import MarketPoint
from reportbot.pipeline import report as report_case
from reportbot.store import db
from reportbot.store import ipos as ipo_store
from reportbot.store import pointintime as pit
from tests.conftest import fixed_now


def _ipo(**kw: object) -> Ipo:
    base: dict[str, object] = {"code": "920999", "name": "测试新股", "issue_price": 10.0}
    base.update(kw)
    return Ipo(**base)  # type: ignore[arg-type]


def test_fields_appear_when_they_were_published() -> None:
    ipo = _ipo(
        first_announcement_date=date(2024, 12, 16),
        apply_date=date(2024, 12, 24),
        issue_result_date=date(2024, 12, 27),
        listing_date=date(2025, 1, 2),
        online_winning_rate_pct=0.03,
        first_day_return_pct=407.2,
    )
    assert pit.as_known_on(ipo, date(2024, 12, 15)) is None  # not yet announced
    before_result = pit.as_known_on(ipo, date(2024, 12, 26))
    assert before_result is not None and before_result.online_winning_rate_pct is None
    assert before_result.apply_date == date(2024, 12, 24) and before_result.issue_price == 10.0
    month_end = pit.as_known_on(ipo, date(2024, 12, 31))
    assert month_end is not None and month_end.online_winning_rate_pct == 0.03
    assert month_end.listing_date is None and month_end.first_day_return_pct is None
    assert pit.as_known_on(ipo, date(2025, 1, 2)) == ipo


def test_without_announcement_date_an_ipo_appears_two_days_before_its_subscription() -> None:
    ipo = _ipo(apply_date=date(2026, 9, 2))
    assert pit.as_known_on(ipo, date(2026, 8, 31)) is not None
    assert pit.as_known_on(ipo, date(2026, 8, 30)) is None


def test_index_values_before_the_launch_are_rejected() -> None:
    backfilled = MarketPoint(day=date(2022, 6, 28), metric="bse50_close", value=1195.94, unit="点", source="s", note="")
    launch = dataclasses.replace(backfilled, day=date(2022, 11, 21), value=1028.72)
    other = dataclasses.replace(backfilled, metric="listed_companies", value=100.0)
    assert pit.known_points([backfilled, launch, other], date(2022, 12, 31)) == [launch, other]
    assert pit.known_series([(date(2022, 11, 18), 1003.1), (date(2022, 11, 21), 1028.7)], date(2023, 1, 1)) == [
        (date(2022, 11, 21), 1028.7)
    ]


def _december_html(config: Config, store: sqlite3.Connection, cache: Path) -> str:
    fresh = dataclasses.replace(config, paths=dataclasses.replace(config.paths, cache_dir=cache))  # no cached model
    return report_case.monthly_html(fresh, store, fixed_now, Month(2024, 12)).html


def _later_facts(store: sqlite3.Connection) -> None:
    """A later IPO and later outcomes of an IPO that was still pending at the end of December."""
    with db.transaction(store):
        ipo_store.insert_row(
            store,
            ipo_store.to_row(
                _ipo(apply_date=date(2025, 1, 20), listing_date=date(2025, 2, 5), first_day_return_pct=900.0)
            ),
            source="test",
            now=fixed_now(),
        )
        changes = {"first_day_return_pct": -50.0, "online_winning_rate_pct": 0.5}  # published with the listing
        ipo_store.update_row(store, "920116", changes, source="test", now=fixed_now())  # 星图测控, listed 2025-01-02


def test_later_ipos_and_outcomes_do_not_change_a_past_month(
    config: Config, store: sqlite3.Connection, tmp_path: Path
) -> None:
    before = _december_html(config, store, tmp_path / "cache-before")
    assert "星图测控" in before  # subscribed in December, listed in January: an upcoming row
    _later_facts(store)
    assert _december_html(config, store, tmp_path / "cache-after") == before


def test_facts_of_the_month_do_change_it(config: Config, store: sqlite3.Connection, tmp_path: Path) -> None:
    before = _december_html(config, store, tmp_path / "cache-before")
    with db.transaction(store):
        changes = {"first_day_return_pct": -50.0}
        ipo_store.update_row(store, "920082", changes, source="test", now=fixed_now())  # 方正阀门, listed 2024-12-26
    after = _december_html(config, store, tmp_path / "cache-after")
    assert after != before and "−50.00%" in after
