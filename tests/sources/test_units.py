"""HTTP client pacing/backoff, month ends, bundled news points, merge tolerance and ranks."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date

import pytest

from reportbot.config import Config, SourcesConfig
from reportbot.domain import Ipo
from reportbot.errors import ConfigError
from reportbot.pipeline import manage
from reportbot.sources import registry
from reportbot.sources.http import HttpClient
from reportbot.store import db, fetches, market
from reportbot.store.merge import merge_ipos, source_rank
from reportbot.tradingcal import calendar_for, month_ends
from tests.conftest import fixed_now
from tests.sources.conftest import KLINE_PATH, Feeds


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.t = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.t += seconds

    def monotonic(self) -> float:
        return self.t


def test_client_paces_requests_and_backs_off_exponentially(server: tuple[str, Feeds], feeds: Feeds) -> None:
    settings = SourcesConfig(retries=3, backoff_s=1.0, pacing_s=0.5, timeout_s=5.0)
    clock = FakeTime()
    client = HttpClient(settings, sleep=clock.sleep, monotonic=clock.monotonic)
    url = server[0] + KLINE_PATH
    client.get("t", url)
    client.get("t", url)
    assert clock.sleeps == [0.5]  # the second request to the same host waits the pacing interval
    feeds.fail[KLINE_PATH] = [502, 503, 504]
    clock.sleeps.clear()
    page = client.get("t", url)
    assert page.status == 200 and b"899050" in page.body
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]  # pacing, then backoff 1 s, 2 s, 4 s (no extra pacing)
    client.close()


def test_month_ends_follow_the_exchange_calendar(config: Config) -> None:
    cal = calendar_for(config)
    days = month_ends(cal, date(2026, 9, 15), date(2026, 11, 21))
    assert days == [date(2026, 9, 30), date(2026, 10, 30), date(2026, 11, 20)]


def test_news_points_load_once(store: sqlite3.Connection) -> None:
    points = market.market_points(store)
    assert len(points) == 54  # the 4 backfilled 北证50 values dated before its launch are not loaded
    assert min(p.day for p in points if p.metric.startswith("bse50")) == date(2022, 11, 21)
    launch = [p for p in points if p.day == date(2022, 11, 21)]
    assert {(p.metric, p.value) for p in launch} == {("bse50_close", 1028.72), ("bse50_change_pct", 2.55)}
    approx = next(p for p in points if p.day == date(2025, 11, 14) and p.metric == "bse50_change_pct")
    assert approx.value == 50.0 and approx.note.startswith("approximate (~50)")
    assert manage.ensure_market_points(store, fixed_now) is None  # same version: skipped


def test_merge_tolerates_display_precision_and_ranks_sources(store: sqlite3.Connection) -> None:
    stamp = fixed_now()
    near = Ipo(code="920059", name="双英集团", online_winning_rate_pct=0.02793)  # stored 0.027934
    with db.transaction(store):
        first = merge_ipos(store, [near], source="em_ipoapply", rank=source_rank, now=stamp)
        assert first.conflicts == 0 and first.updated == 1  # only its name joins the row's sources
        assert merge_ipos(store, [near], source="em_ipoapply", rank=source_rank, now=stamp).unchanged == 1
        low = merge_ipos(
            store, [Ipo(code="920059", name="双英", issue_pe=13.5)], source="em_ipoapply", rank=source_rank, now=stamp
        )
    assert low.conflicts == 2  # name and issue_pe differ from the bundled values
    row = store.execute(
        "SELECT name, issue_pe, online_winning_rate_pct, sources FROM ipos WHERE code = '920059'"
    ).fetchone()
    assert tuple(row)[:3] == ("双英", 13.5, 0.027934) and row["sources"].endswith(
        " | em_ipoapply"
    )  # a live source outranks the bundled data, and says so in the log
    with db.transaction(store):
        merge_ipos(
            store,
            [Ipo(code="920059", name="双英集团", issue_pe=12.99)],
            source="bse_newshare",
            rank=source_rank,
            now=stamp,
        )
    row = store.execute("SELECT name, issue_pe FROM ipos WHERE code = '920059'").fetchone()
    assert tuple(row) == ("双英集团", 12.99)  # bse_newshare outranks em_ipoapply for both fields
    assert fetches.count_conflicts(store) == 4


def test_unknown_source_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown source 'nope'; known: em_issueinfo"):
        registry.get_source("nope")


def test_every_source_reads_its_base_url_from_config() -> None:
    keys = {f.name for f in dataclasses.fields(SourcesConfig)}
    assert all(src.config_key in keys for src in registry.SOURCES.values())
