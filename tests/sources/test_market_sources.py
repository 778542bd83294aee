"""Behaviour the issue asks of the adapters beyond the corpus: real units, unpriced offerings, the bse.cn
warm-up, sort-independent paging, charsets, Eastmoney's "no data" answer, point in time, data status."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.config import Config
from reportbot.errors import DataError
from reportbot.marketdata import IndexBar
from reportbot.pipeline import fetch, manage
from reportbot.sources import em_bse50
from reportbot.sources.http import RawPage
from reportbot.store import bse_stats, db, market
from tests.conftest import fixed_now
from tests.fixtures.make_broken import EM_EMPTY
from tests.sources import payloads
from tests.sources.conftest import DAILY_PATH, GOOD, LISTED_PATH, MARGIN_PATH, NEWSHARE_PATH, Feeds, live_config_file


@pytest.fixture
def conn(lconfig: Config) -> Iterator[sqlite3.Connection]:
    """A store with the bundled data, pointed at the local server."""
    c = manage.open_store(lconfig, fixed_now)
    yield c
    c.close()


def _ok(config: Config, conn: sqlite3.Connection, *names: str, since: date | None = None) -> fetch.FetchSummary:
    summary = fetch.refresh(config, conn, fixed_now, sources=list(names), since=since)
    assert summary.ok, [o.error for o in summary.failed]
    return summary


def test_margin_round_fields_are_wan_yuan(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    _ok(lconfig, conn, "bse_margin")
    by_day = {m.day: m for m in market.margin_series(conn)}
    # rzrqyeRound 592000.0 and rzyeRound 590000.0 (万元, as in akshare's stock_margin_bse sample) → CNY
    assert by_day[date(2026, 8, 31)].margin_balance_total == pytest.approx(5.92e9)
    assert by_day[date(2026, 8, 31)].financing_balance == pytest.approx(5.9e9)


def test_issue_num_is_wan_shares(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    _ok(lconfig, conn, "em_ipoapply")
    row = conn.execute("SELECT total_issue_shares_wan FROM ipos WHERE code = '920093'").fetchone()
    assert row[0] == pytest.approx(3600.0)  # ISSUE_NUM 3600.0 万股, not 0.36


def test_unpriced_offering_is_kept_and_a_row_without_fxcode_skipped(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    page = json.loads(re.sub(r"^\w+\((.*)\)$", r"\1", feeds.newshare[0].strip(), flags=re.S))
    rows = page[0]["listInfo"]["content"]
    rows[0]["issuePrice"] = 0  # 920999 not priced yet
    rows.append(dict(rows[0], fxCode=None, stockCode="874111", stockName="未定代码"))
    page[0]["listInfo"]["totalElements"] += 1
    feeds.put("bse_newshare", "p0", "reportbotNewShare(" + json.dumps(page, ensure_ascii=False) + ")")
    feeds.newshare[1] = feeds.newshare[1].replace('"totalElements": 3', '"totalElements": 4')
    _ok(lconfig, conn, "bse_newshare")
    row = conn.execute("SELECT name, issue_price FROM ipos WHERE code = '920999'").fetchone()
    assert row["name"] == "测试新股" and row["issue_price"] is None
    assert conn.execute("SELECT COUNT(*) FROM ipos WHERE legacy_code = '874111'").fetchone()[0] == 0


def test_bse_requests_load_the_landing_page_first_and_send_its_referer(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    _ok(lconfig, conn, "bse_listed")
    paths = [p for p, _ in feeds.headers]
    assert paths[0] == "/nq/listedcompany.html" and paths.count("/nq/listedcompany.html") == 1
    data = [h for p, h in feeds.headers if p == LISTED_PATH]
    assert len(data) == 2  # two pages, in code order
    assert all(h["Referer"].endswith("/nq/listedcompany.html") and "HMF_CI=warm" in h.get("Cookie", "") for h in data)


def test_anti_bot_landing_page_fails_in_one_line_and_asks_nothing_else(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    feeds.anti_bot_landing = True
    before = market.margin_series(conn)
    summary = fetch.refresh(lconfig, conn, fixed_now, sources=["bse_margin"])
    assert not summary.ok
    error = summary.failed[0].error
    assert error.startswith("bse_margin: field body='访问验证': anti-bot verification page") and "\n" not in error
    assert not [p for p, *_ in feeds.requests if p == MARGIN_PATH]
    assert market.margin_series(conn) == before


def test_paging_reads_every_page_when_the_server_ignores_the_sort_order(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    # The server answers oldest first (its documented default) whatever sorttype says.
    pages = [json.loads(re.sub(r"^\w+\((.*)\)$", r"\1", p.strip(), flags=re.S)) for p in feeds.newshare]
    rows = sorted((r for p in pages for r in p[0]["listInfo"]["content"]), key=lambda r: r["purchaseDate"]["time"])
    for number, page in enumerate(pages):
        page[0]["listInfo"]["content"] = rows[number * 2 : number * 2 + 2]
        feeds.newshare[number] = "reportbotNewShare(" + json.dumps(page, ensure_ascii=False) + ")"
    _ok(lconfig, conn, "bse_newshare", since=date(2026, 10, 1))
    asked = [q["page"] for p, q, _ in feeds.requests if p == NEWSHARE_PATH]
    assert asked == ["0", "1"]  # page 0 is the oldest: stopping there would miss the newest offering
    assert conn.execute("SELECT COUNT(*) FROM ipos WHERE code = '920999'").fetchone()[0] == 1


def test_a_declared_gbk_body_is_decoded(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    feeds.listed = [p.encode("gbk") for p in payloads.listed_pages()]
    feeds.charset[LISTED_PATH] = "GBK"
    _ok(lconfig, conn, "bse_listed")
    names = {c.code: c.name for c in bse_stats.companies(conn)}
    assert names["920001"] == "纬达光电" and len(names) == len(payloads.STOCKS)


def test_eastmoney_no_data_is_empty_only_for_an_incremental_query(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    feeds.em["RPT_IPO_INFOALLNEW"] = [json.dumps(EM_EMPTY, ensure_ascii=False)]
    summary = _ok(lconfig, conn, "em_ipo_review", since=date(2026, 11, 1))
    assert summary.outcomes[0].rows == 0
    failed = fetch.refresh(lconfig, conn, fixed_now, sources=["em_ipo_review"])
    assert failed.failed[0].error.startswith("em_ipo_review: field success=False: no data for a full-history query")


def test_daily_report_posts_each_trading_day_and_keeps_the_form(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    _ok(lconfig, conn, "bse_daily", since=date(2026, 9, 28))
    asked = [q["HQJSRQ"] for p, q, _ in feeds.requests if p == DAILY_PATH]
    assert asked[:2] == ["20260928", "20260929"] and "20261001" not in asked  # National Day holiday
    day = {d.day: d for d in bse_stats.market_days(conn)}[date(2026, 9, 28)]
    bse_row = payloads.daily_rows(date(2026, 9, 28))[1]
    assert (day.turnover, day.total_market_cap, day.listed_companies) == (
        bse_row["hqcjje"],
        bse_row["zsz"],
        bse_row["ssgsjs"],
    )
    urls = next(Path(lconfig.paths.raw_dir / "bse_daily").iterdir()) / "urls.txt"
    assert "dailyReport.do" in urls.read_text(encoding="utf-8")


def test_bse50_values_before_the_launch_are_rejected() -> None:
    body = json.dumps(
        {"rc": 0, "data": {"code": "899050", "name": "北证50", "klines": [
            "2022-11-18,1003.00,1003.15,1004.00,1001.00,100,1000.00,0.3",
            "2022-11-21,1003.15,1028.72,1030.00,1000.00,100,1000.00,2.9",
        ]}}
    ).encode()  # fmt: skip
    bars = em_bse50.parse([RawPage(url="file:bse50", body=body, status=200)]).bars
    assert [b.day for b in bars] == [date(2022, 11, 21)]


def test_store_refuses_a_bse50_bar_before_the_launch(config: Config) -> None:
    conn = db.connect(config.paths.database)
    bar = IndexBar(code="899050", day=date(2022, 6, 28), open=1.0e3, close=1.19e3, high=1.2e3, low=1.0e3)
    with pytest.raises(DataError, match="before the index existed"), db.transaction(conn):
        market.upsert_index_bars(conn, [bar], source="test")
    assert market.index_series(conn) == []
    conn.close()


def test_status_lists_every_source_with_success_failure_and_rows(
    tmp_path: Path, server: tuple[str, Feeds], feeds: Feeds
) -> None:
    cfg = live_config_file(tmp_path, server[0])
    CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "fetch", "--quiet", "--source", "bse_listed"])
    status = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "status"])
    assert status.exit_code == 0
    lines = status.stdout.splitlines()
    for name in ("bse_daily", "bse_listed", "em_bse_spot", "em_ipo_review", "bse_margin"):
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{name} "))
        assert "上次成功" in lines[at + 1] and "当前库中来自该源的记录" in lines[at + 1]
        assert "上次失败" in lines[at + 2]
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("bse_listed "))
    assert f"当前库中来自该源的记录：{len(payloads.STOCKS)}" in lines[at + 1]
    assert f"上市公司 {len(payloads.STOCKS)} 家" in status.stdout


def test_good_fixtures_record_the_client_they_follow() -> None:
    assert "akshare" in json.loads((GOOD / "em_ipoapply_p1.json").read_text(encoding="utf-8"))["_fixture"]


def test_a_long_per_day_fetch_reports_progress(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    said: list[str] = []
    summary = fetch.refresh(
        lconfig, conn, fixed_now, sources=["bse_daily"], since=date(2026, 6, 1), progress=said.append
    )
    assert summary.ok
    assert "bse_daily: 50 requests so far" in said and "bse_daily: 100 requests so far" in said


def test_every_real_bundled_name_passes_the_name_rule() -> None:
    """The name check rejects markup and giant names, not any of the 349 real BSE and 精选层 names."""
    from reportbot.sources import bundled
    from reportbot.sources.validate import Record

    ipos = bundled.load_bundled().ipos
    assert len(ipos) > 300
    for ipo in ipos:
        assert Record("t", {"n": ipo.name}, ("n",), "bundled").name("n") == ipo.name


def test_bse50_without_the_previous_month_says_why_the_change_is_missing() -> None:
    from reportbot.summary import market as market_view

    view = market_view.build_market_view("2026-08", [(date(2026, 8, 31), 1410.5)], [], [], [])
    assert view.bse50_close == 1410.5 and view.bse50_change_pct is None
    assert view.bse50_reason == "北证50日线不含2026年7月的交易日，无法计算本月涨跌"
