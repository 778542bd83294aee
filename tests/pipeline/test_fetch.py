"""The real adapters against a local server: filling, merging, pagination, retries, idempotence, offline."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reportbot.config import Config
from reportbot.domain import Ipo
from reportbot.errors import SourceError
from reportbot.pipeline import alerting, fetch, manage
from reportbot.store import db, fetches, market
from reportbot.store import ipos as ipo_store
from tests.conftest import fixed_now
from tests.sources.conftest import EM_PATH, KLINE_PATH, MARGIN_PATH, NEWSHARE_PATH, Feeds, dump, live_config


@pytest.fixture
def conn(lconfig: Config) -> Iterator[sqlite3.Connection]:
    """A store with the bundled data, pointed at the local server."""
    c = manage.open_store(lconfig, fixed_now)
    yield c
    c.close()


def _row(conn: sqlite3.Connection, code: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM ipos WHERE code = ?", (code,)).fetchone()
    assert row is not None, code
    return row  # type: ignore[no-any-return]


def test_fetch_fills_the_store_and_logs_conflicts(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    summary = fetch.refresh(lconfig, conn, fixed_now)
    assert summary.ok, [o.error for o in summary.failed]
    by = {o.source: o for o in summary.outcomes}
    assert by["em_issueinfo"].rows == 5 and by["em_issueinfo"].inserted == 1  # 920999 is new
    new = _row(conn, "920999")
    assert new["apply_date"] == "2026-11-24"  # Beijing midnight epoch-ms, not shifted to the 23rd
    assert new["legacy_code"] == "874999" and new["total_issue_shares_wan"] == 2000.0
    assert new["apply_code"] == "889999" and new["issue_pe"] == 14.5
    mapped = _row(conn, "920371")  # came as legacy code 839371
    assert mapped["apply_code"] == "889371" and mapped["legacy_code"] == "839371"
    filled = _row(conn, "920059")
    assert filled["apply_code"] == "889059" and filled["refund_date"] == "2026-08-12"
    assert filled["online_valid_shares"] == 115697108500.0
    assert _row(conn, "920010")["apply_date"] == "2020-07-08"  # 精选层 gap filled
    assert _row(conn, "920093")["issue_pe"] == 9.25  # em_issueinfo outranks bundled and em_ipoapply
    pe = {(c.kept_source, c.other_source, c.resolution) for c in fetches.list_conflicts(conn) if c.field == "issue_pe"}
    assert pe == {
        ("em_issueinfo", "bundled", "replaced"),
        ("em_issueinfo", "em_ipoapply", "kept"),
        ("em_issueinfo", "bse_newshare", "kept"),
    }


def test_pagination_user_agent_and_raw_files(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    fetch.refresh(lconfig, conn, fixed_now, sources=["em_issueinfo", "bse_newshare"])
    em_pages = [q["pageNumber"] for p, q, _ in feeds.requests if p == EM_PATH]
    assert em_pages == ["1", "2"]
    assert [q["page"] for p, q, _ in feeds.requests if p == NEWSHARE_PATH] == ["0", "1"]
    assert {ua for _, _, ua in feeds.requests} == {lconfig.sources.user_agent}
    health = fetches.source_health(conn, "em_issueinfo")
    assert health.last_success is not None
    raw = Path(health.last_success.raw_dir)
    assert sorted(p.name for p in raw.iterdir()) == ["page-000.raw", "page-001.raw", "urls.txt"]
    assert (
        json.loads((raw / "page-001.raw").read_text(encoding="utf-8"))["result"]["data"][0]["SECURITY_CODE"] == "920999"
    )


def test_market_series_and_monthly_statistics(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    summary = fetch.refresh(lconfig, conn, fixed_now, sources=["em_bse50", "bse_margin"], since=date(2026, 8, 1))
    assert summary.ok, [o.error for o in summary.failed]
    days = [q["transDate"] for p, q, _ in feeds.requests if p == MARGIN_PATH]
    assert days == ["2026-08-31", "2026-09-30", "2026-10-30", "2026-11-20"]  # month ends from the calendar
    assert [d for d, _ in market.index_series(conn)] == [
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 30),
        date(2026, 11, 20),
    ]
    sept = {f.metric: f for f in market.monthly_figures(conn, "2026-09")}
    assert sept["bse50_change_pct"].value == pytest.approx((1450.20 / 1410.50 - 1) * 100, abs=1e-6)
    assert sept["margin_balance_yi"].value == pytest.approx(61.2)
    assert sept["margin_balance_yi"].as_of == date(2026, 9, 30) and "bse_margin" in sept["margin_balance_yi"].source
    assert "turnover_yi" not in sept and "total_market_cap_yi" not in sept and "bse50_pe" not in sept  # no source: 暂缺
    assert {f.metric for f in market.monthly_figures(conn, "2026-08")} >= {
        "bse50_close",
        "new_listings",
        "margin_balance_yi",
    }
    assert "bse50_change_pct" not in {f.metric for f in market.monthly_figures(conn, "2026-08")}  # no July close


def test_second_fetch_changes_nothing(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    first = fetch.refresh(lconfig, conn, fixed_now, since=date(2026, 8, 1))
    assert first.ok
    before = dump(conn)
    second = fetch.refresh(lconfig, conn, fixed_now, since=date(2026, 8, 1))
    assert second.ok and second.monthly_changed == 0
    assert all(o.inserted == 0 and o.updated == 0 and o.conflicts == 0 for o in second.outcomes), second.outcomes
    assert dump(conn) == before


def test_retries_5xx_then_succeeds(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    feeds.fail[KLINE_PATH] = [503, 502]
    summary = fetch.refresh(lconfig, conn, fixed_now, sources=["em_bse50"])
    assert summary.ok
    assert len([p for p, _, _ in feeds.requests if p == KLINE_PATH]) == 3


def test_persistent_5xx_and_4xx_fail_clearly(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    feeds.fail[KLINE_PATH] = [500, 500, 500]
    feeds.fail[NEWSHARE_PATH] = [403]
    summary = fetch.refresh(lconfig, conn, fixed_now, sources=["em_bse50", "bse_newshare"])
    errors = {o.source: o.error for o in summary.failed}
    assert "em_bse50: " in errors["em_bse50"] and "unreachable after 3 attempts (HTTP 500)" in errors["em_bse50"]
    assert "bse_newshare: HTTP 403 from" in errors["bse_newshare"]
    assert len([p for p, _, _ in feeds.requests if p == NEWSHARE_PATH]) == 1  # 4xx is not retried


def test_legacy_keyed_row_is_rekeyed_to_920(lconfig: Config, conn: sqlite3.Connection, feeds: Feeds) -> None:
    with db.transaction(conn):
        ipo_store.upsert_ipos(conn, [Ipo(code="874777", name="旧码公司")], source="bundled", now=fixed_now())
    page = json.loads(feeds.newshare[1].removeprefix("reportbotNewShare(").removesuffix(")"))
    page[0]["listInfo"]["content"][0].update(fxCode="920777", stockCode="874777", stockName="旧码公司")
    feeds.newshare[1] = "reportbotNewShare(" + json.dumps(page, ensure_ascii=False) + ")"
    assert fetch.refresh(lconfig, conn, fixed_now, sources=["bse_newshare"]).ok
    assert conn.execute("SELECT COUNT(*) FROM ipos WHERE code = '874777'").fetchone()[0] == 0
    row = _row(conn, "920777")
    assert row["legacy_code"] == "874777" and row["apply_date"] == "2026-06-03"


def test_offline_fetch_fails_clearly_and_reports_still_render(tmp_path: Path) -> None:
    config = live_config(tmp_path, "http://127.0.0.1:9")  # discard port: nothing listens
    conn = manage.open_store(config, fixed_now)
    try:
        before = dump(conn)
        summary = fetch.refresh(config, conn, fixed_now)
        assert not summary.ok and len(summary.failed) == 9
        for outcome in summary.failed:
            assert outcome.error.startswith(f"{outcome.source}: 127.0.0.1:9 unreachable after 3 attempts")
            assert "\n" not in outcome.error and "Connection refused" in outcome.error
        assert {k: v for k, v in dump(conn).items() if k != "market_monthly"} == {
            k: v for k, v in before.items() if k != "market_monthly"
        }
        preview = alerting.preview_alerts(config, conn, date(2026, 9, 11))
        assert preview.texts  # alerts still come from the stored data
    finally:
        conn.close()


def test_failed_fetch_can_be_replayed_from_its_raw_files(
    lconfig: Config, conn: sqlite3.Connection, feeds: Feeds
) -> None:
    feeds.put("em_bse50", "k", feeds.kline.replace('"899050"', '"899001"'))
    summary = fetch.refresh(lconfig, conn, fixed_now, sources=["em_bse50"])
    failure = fetches.source_health(conn, "em_bse50").last_failure
    assert failure is not None and failure.error == summary.failed[0].error
    with pytest.raises(SourceError) as caught:
        fetch.replay(conn, "em_bse50", failure.id)
    assert str(caught.value) == failure.error
