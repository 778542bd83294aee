"""Delivery against a misbehaving Bot API: slow replies, 5xx bursts, deadlines, resends (issue 11)."""

from __future__ import annotations

import collections
import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from reportbot.config import Config
from reportbot.domain import TZ, SubscriberSettings
from reportbot.kinds import Clock, DeliveryStatus, Event
from reportbot.pipeline import deadlines, delivery
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import subscribers as sub_store
from reportbot.tradingcal import calendar_for
from tests.conftest import TOKEN, fixed_now
from tests.fakes import FakeTelegramServer

EVE = date(2026, 8, 14)  # eve of 华大海天 (920288, subscribes Monday 2026-08-17)
SETTINGS = SubscriberSettings(capital_cny=500_000.0, annual_rate=0.03, min_probability=0.6)


def clock(*args: int) -> Clock:
    """A fixed Beijing-time clock."""
    moment = datetime(*args, tzinfo=TZ)  # type: ignore[misc]
    return lambda: moment


EVE_NOW = clock(2026, 8, 14, 20, 0)


def _subscribe(conn: sqlite3.Connection, chats: range) -> None:
    with db.transaction(conn):
        for chat in chats:
            sub_store.subscribe(conn, chat, f"用户{chat}", SETTINGS, now=fixed_now())


def _against(config: Config, server: FakeTelegramServer, **telegram: object) -> Config:
    t = dataclasses.replace(config.telegram, base_url=server.base_url, base_file_url=server.base_file_url, **telegram)
    return dataclasses.replace(config, telegram=t)


@pytest.fixture
def slow_server() -> Iterator[FakeTelegramServer]:
    """Every 5th reply after 1.5 s (the message itself arrives at once)."""
    with FakeTelegramServer(token=TOKEN, delay_every=5, delay_s=1.5) as server:
        yield server


def _per_chat(server: FakeTelegramServer) -> collections.Counter[int]:
    return collections.Counter(m.chat_id for m in server.sent() if m.chat_id < 900)  # 901, 902: admins


def test_slow_replies_with_default_timeouts_no_duplicate_none_lost(
    tg_config: Config, slow_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """Issue 11 case 2: a 1.5 s reply is not a timeout with the default timeouts."""
    _subscribe(store, range(100, 150))
    default_timeout = dataclasses.replace(Config().telegram).timeout_s
    config = _against(tg_config, slow_server, timeout_s=default_timeout)
    summary = delivery.send_alerts(config, store, EVE_NOW, as_of=EVE)
    per_chat = _per_chat(slow_server)
    assert sorted(per_chat) == list(range(100, 150)) and set(per_chat.values()) == {1}
    assert (summary.sent, summary.in_doubt, summary.failed) == (50, 0, 0)


def test_read_timeout_is_in_doubt_never_a_duplicate(
    tg_config: Config, slow_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """With a 1 s timeout the 1.5 s replies time out: in doubt and listed, not resent (they had arrived)."""
    _subscribe(store, range(200, 250))
    config = _against(tg_config, slow_server, timeout_s=1.0)
    summary = delivery.send_alerts(config, store, EVE_NOW, as_of=EVE)
    per_chat = _per_chat(slow_server)
    assert sorted(per_chat) == list(range(200, 250)) and set(per_chat.values()) == {1}  # 0 duplicates, 0 lost
    assert summary.in_doubt >= 10 and summary.sent + summary.in_doubt == 50  # more only on a very busy machine
    assert len(summary.doubts) == summary.in_doubt and all("in doubt: timeout" in line for line in summary.doubts)
    assert ledger.counts(store) == {"sent": summary.sent, "in_doubt": summary.in_doubt}
    [notice] = slow_server.messages_to(901)  # the admins get the in-doubt chats
    assert f"第 {summary.run_id} 次运行" in (notice.text or "") and "未确认是否送达、不会自动重发的会话：" in (
        notice.text or ""
    )
    again = delivery.send_alerts(config, store, EVE_NOW, as_of=EVE)
    assert again.sent == 0  # a rerun does not resend in-doubt rows
    assert len([m for m in slow_server.sent() if m.chat_id < 900]) == 50


def test_in_doubt_rows_are_resent_on_request(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    _subscribe(store, range(300, 303))
    tg_server.inject("timeout", chat_id=301)  # held past the 0.5 s timeout, then not recorded
    summary = delivery.send_alerts(tg_config, store, EVE_NOW, as_of=EVE)
    assert summary.in_doubt == 1 and [m.chat_id for m in tg_server.messages_to(301)] == []
    again = delivery.resend(tg_config, store, EVE_NOW, summary.run_id, status=DeliveryStatus.IN_DOUBT)
    assert again.in_doubt == 0 and len(tg_server.messages_to(301)) == 1
    assert ledger.counts(store) == {"sent": 3}


def test_5xx_burst_every_message_delivered_once_in_one_run(tg_config: Config, store: sqlite3.Connection) -> None:
    """Issue 11 case 4: 40 % of sends answered 500; retries (and one retry pass) deliver everything once."""
    _subscribe(store, range(400, 500))
    with FakeTelegramServer(token=TOKEN, error_rate=0.4) as server:
        config = _against(tg_config, server, max_attempts=5, backoff_s=0.02)
        summary = delivery.send_alerts(config, store, EVE_NOW, as_of=EVE)
        per_chat = _per_chat(server)
        assert server.state.rejected["500"] > 30
    assert sorted(per_chat) == list(range(400, 500)) and set(per_chat.values()) == {1}
    assert (summary.sent, summary.failed) == (100, 0)


def test_rerun_retries_retryable_failures_and_lists_them(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """Issue 11 case 4: an outage's failures are listed by chat, and a rerun of the event sends them."""
    _subscribe(store, range(500, 503))
    tg_server.inject("500", count=100, chat_id=501)
    first = delivery.send_alerts(tg_config, store, EVE_NOW, as_of=EVE)
    assert (first.sent, first.failed) == (2, 1)
    [failure] = first.failures
    assert failure.startswith("telegram:501 920288/eve: server error")
    [row] = ledger.by_run(store, first.run_id, DeliveryStatus.FAILED)
    assert row.retryable
    tg_server.reset()
    again = delivery.send_alerts(tg_config, store, EVE_NOW, as_of=EVE)
    assert (again.planned, again.sent, again.failed) == (0, 1, 0)
    assert [m.chat_id for m in tg_server.sent()] == [501]


def test_pending_rows_resume_before_the_deadline_and_expire_after(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """Issue 11 case 1: what a killed eve run left is sent the next morning before 09:15, not expired."""
    _subscribe(store, range(600, 604))
    limit = deadlines.deadline(Event.EVE, EVE, calendar_for(tg_config))
    assert limit == datetime(2026, 8, 17, 9, 15, tzinfo=TZ)
    planned = [
        ledger.PlannedDelivery(
            channel="telegram", recipient=str(c), item="920288", event="eve", event_date=EVE, deadline=limit
        )
        for c in range(600, 604)
    ]
    with db.transaction(store):
        ledger.plan(store, planned[:2], now=EVE_NOW())
    delivery.resume(tg_config, store, clock(2026, 8, 17, 8, 30))  # Monday morning, before 09:15
    assert sorted(m.chat_id for m in tg_server.sent()) == [600, 601]
    with db.transaction(store):
        ledger.plan(store, planned[2:], now=EVE_NOW())
    [result] = delivery.resume(tg_config, store, clock(2026, 8, 17, 9, 20))  # too late for the eve alert
    assert result.expired == 2 and "expired 2" in result.line()
    assert sorted(m.chat_id for m in tg_server.sent() if 600 <= m.chat_id < 700) == [600, 601]
    [notice] = tg_server.messages_to(901)
    assert "已过截止时间、不再发送的会话：602、603" in (notice.text or "")
    assert "过期 2" in (notice.text or "")


def test_one_message_per_subscriber_carries_every_ipo_of_the_event(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """2026-08-17 has a morning, a result and a listing alert: one message per event, each with its IPOs."""
    _subscribe(store, range(700, 702))
    summary = delivery.send_alerts(tg_config, store, clock(2026, 8, 17, 8, 0), as_of=date(2026, 8, 17))
    assert summary.sent == 6  # 2 subscribers × 3 events
    assert len(tg_server.messages_to(700)) == 3


def test_dry_run_reads_only_the_day(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    _subscribe(store, range(800, 802))
    delivery.send_alerts(tg_config, store, EVE_NOW, as_of=EVE)
    dry = delivery.send_alerts(tg_config, store, EVE_NOW, as_of=EVE, dry_run=True)
    assert dry.messages == ()  # both already sent


def test_pacing_margin_never_trips_a_strict_sliding_window(tg_config: Config, store: sqlite3.Connection) -> None:
    """Issue 11 case 6: pacing at the limit less the margin gets no 429 from a strict 30-per-second window."""
    _subscribe(store, range(900_000, 900_060))
    with FakeTelegramServer(token=TOKEN, window_limit=30) as server:
        config = _against(server=server, config=tg_config, max_messages_per_second=30.0, send_concurrency=8)
        summary = delivery.send_alerts(config, store, EVE_NOW, as_of=EVE)
        assert server.state.rejected == {}
        assert summary.sent == 60


def test_a_backoff_does_not_idle_the_worker(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """Issue 11 case 6: while one chat waits for its retry, the same worker sends to the others."""
    _subscribe(store, range(1000, 1005))
    tg_server.inject("500", chat_id=1000)
    config = _against(tg_config, tg_server, send_concurrency=1, backoff_s=1.0)
    summary = delivery.send_alerts(config, store, EVE_NOW, as_of=EVE)
    order = [m.chat_id for m in tg_server.sent() if m.chat_id >= 1000]
    assert summary.sent == 5 and order == [1001, 1002, 1003, 1004, 1000]
