"""send_alerts against the fake Bot API: once per subscriber × IPO × event, resume, 403, dry run."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.config import Config
from reportbot.domain import TZ, SubscriberSettings
from reportbot.errors import NotifyError
from reportbot.kinds import DeliveryStatus, Event
from reportbot.pipeline import alerting, delivery
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import subscribers as sub_store
from tests.conftest import fixed_now
from tests.fakes import FakeTelegramServer

EVE = date(2026, 8, 14)  # the trading day before 华大海天 (920288) subscribes on 2026-08-17
EVE_NOW = datetime(2026, 8, 14, 20, 0, tzinfo=TZ)  # when the eve job runs
SETTINGS = SubscriberSettings(capital_cny=500_000.0, annual_rate=0.03, min_probability=0.6)


def eve_now() -> datetime:
    """The clock of the eve job."""
    return EVE_NOW


def _subscribe(conn: sqlite3.Connection, *chat_ids: int) -> None:
    with db.transaction(conn):
        for chat in chat_ids:
            sub_store.subscribe(conn, chat, f"用户{chat}", SETTINGS, now=fixed_now())


def _plan_eve(conn: sqlite3.Connection, *chat_ids: int) -> None:
    """Subscribers with their 920288 eve rows planned, as a run leaves them before it sends."""
    _subscribe(conn, *chat_ids)
    due = [
        ledger.PlannedDelivery(channel="telegram", recipient=str(c), item="920288", event="eve", event_date=EVE)
        for c in chat_ids
    ]
    with db.transaction(conn):
        ledger.plan(conn, due, now=fixed_now())


def test_due_alerts_cover_the_four_events(config: Config, store: sqlite3.Connection) -> None:
    due = {(e, i.code) for e, i in alerting.due_alerts(config, store, EVE)}
    assert due == {("eve", "920288")}
    # 2026-08-17: 华大海天 subscribes (morning), 信胜科技's winning rate is published (result), 恒兴股份 lists.
    due = {(e, i.code) for e, i in alerting.due_alerts(config, store, date(2026, 8, 17))}
    assert due == {("morning", "920288"), ("result", "920093"), ("listing", "920107")}


def test_each_subscriber_gets_each_alert_once(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    _subscribe(store, 11, 12, 13)
    summary = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert (summary.due, summary.planned, summary.sent, summary.failed) == (1, 3, 3, 0)
    for chat in (11, 12, 13):
        [message] = tg_server.messages_to(chat)
        assert "华大海天（920288）" in (message.text or "")
        assert "按您的申购资金 50.00万元、年化资金成本 3.00%" in (message.text or "")
    again = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert (again.planned, again.sent) == (0, 0)
    assert len(tg_server.sent()) == 3
    assert ledger.counts(store) == {"sent": 3}


def test_blocked_subscriber_is_marked_inactive(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    _subscribe(store, 21, 22)
    tg_server.blocked_chats.add(22)
    summary = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert (summary.sent, summary.failed, summary.deactivated) == (1, 0, 1)  # churn, not a failure
    blocked = sub_store.get_subscriber(store, 22)
    assert blocked is not None and not blocked.active and "403" in blocked.inactive_reason
    [row] = ledger.list_rows(store, status=DeliveryStatus.FAILED)
    assert row.recipient == "22" and "403" in row.reason


def test_retries_and_429_are_recorded_and_delivered_once(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    _subscribe(store, 31)
    tg_server.inject("429", retry_after=1)
    tg_server.inject("502")
    summary = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert summary.sent == 1
    assert len(tg_server.messages_to(31)) == 1
    [row] = ledger.list_rows(store)
    assert row.status == "sent" and row.attempts == 3


def test_restart_resumes_without_duplicates(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """State a killed run leaves behind: one row sent, one on the wire (in doubt), one pending."""
    _plan_eve(store, 41, 42, 43)
    first, second, _ = ledger.list_rows(store)
    ledger.mark_sending(store, first.id, 1, now=fixed_now())
    ledger.mark_part_sent(store, first.id, 1, 1, now=fixed_now())
    ledger.mark_sending(store, second.id, 1, now=fixed_now())  # killed here: Telegram may have it
    summary = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert (summary.in_doubt, summary.sent) == (1, 1)
    assert [m.chat_id for m in tg_server.sent() if m.chat_id < 900] == [43]
    assert "未确认是否送达、不会自动重发的会话：42" in (tg_server.messages_to(901)[0].text or "")
    rows = {r.recipient: r for r in ledger.list_rows(store)}
    assert rows["42"].status == "in_doubt" and rows["42"].reason == ledger.IN_DOUBT_REASON


def test_multi_part_alert_in_doubt_at_the_part_on_the_wire(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    with db.transaction(store):
        ledger.plan(
            store,
            [ledger.PlannedDelivery(channel="telegram", recipient="51", item="A", event="eve", event_date=EVE)],
            now=fixed_now(),
        )
    [row] = ledger.list_rows(store)
    ledger.mark_sending(store, row.id, 3, now=fixed_now())
    ledger.recover_in_doubt(store, now=fixed_now(), events=(Event.EVE,))
    [row] = ledger.list_rows(store)
    assert (row.status, row.parts_sent) == ("in_doubt", 0)  # a resend starts at that part


def test_unknown_event_is_a_usage_error(config: Config, store: sqlite3.Connection) -> None:
    with pytest.raises(Exception, match="unknown alert event 'noon'"):
        delivery.send_alerts(config, store, eve_now, as_of=EVE, event="noon")


def test_cli_dry_run_prints_the_bundled_alert(config: Config, tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "config.toml"  # type: ignore[operator]
    path.write_text(f'[paths]\ndatabase = "{config.paths.database}"\noutput_dir = "{config.paths.output_dir}"\n')
    result = CliRunner().invoke(
        cli, ["--config", str(path), "-q", "alerts", "send", "--as-of", "2026-08-14", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "华大海天（920288）" in result.output
    assert "申购代码：暂缺（数据源未提供）" in result.output
    assert "申购日：2026-08-17（周一）" in result.output
    assert "退款日 2026-08-19（周三）" in result.output
    assert "试运行" in result.output


def test_cli_nothing_due_exits_3(config: Config, tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "config.toml"  # type: ignore[operator]
    path.write_text(f'[paths]\ndatabase = "{config.paths.database}"\n')
    result = CliRunner().invoke(
        cli, ["--config", str(path), "-q", "alerts", "send", "--as-of", "2026-08-15", "--dry-run"]
    )
    assert result.exit_code == 3


def test_a_second_run_of_the_same_event_waits_for_the_first(tg_config: Config, store: sqlite3.Connection) -> None:
    from reportbot.pipeline import delivery_common as module

    with module.delivery_lock(tg_config, "eve"):
        original = module.LOCK_WAIT_S
        module.LOCK_WAIT_S = 0.2
        try:
            with pytest.raises(NotifyError, match=r"another delivery run has held .*delivery-eve\.lock"):
                delivery.send_alerts(tg_config, store, eve_now, as_of=EVE, event="eve")
        finally:
            module.LOCK_WAIT_S = original


def test_a_row_left_sending_is_in_doubt_and_a_retracted_one_is_sent(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """A killed run's ledger: 81 was on the wire (sending), 82's only attempt got a 5xx (pending), 83 never left."""
    _plan_eve(store, 81, 82, 83)
    ids = {r.recipient: r.id for r in ledger.list_rows(store)}
    ledger.mark_sending(store, ids["81"], 1, now=fixed_now())
    ledger.mark_sending(store, ids["82"], 1, now=fixed_now())
    ledger.mark_pending(store, ids["82"], "server error: Internal Server Error", now=fixed_now())
    summary = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert (summary.in_doubt, summary.sent) == (1, 2)
    assert sorted(m.chat_id for m in tg_server.sent() if m.chat_id < 900) == [82, 83]
    assert ledger.counts(store) == {"sent": 2, "in_doubt": 1}


def test_each_attempt_is_committed_sending_before_it_leaves(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """While the server handles a request its row is already ``sending`` in the database (kill-safe)."""
    _subscribe(store, 85)
    seen: list[str] = []
    original = tg_server._answer

    def answer(method: str, params: dict[str, object]) -> object:
        if method == "sendMessage":
            probe = db.connect(tg_config.paths.database)
            seen.append(probe.execute("SELECT status FROM deliveries").fetchone()[0])
            probe.close()
        return original(method, params)

    tg_server._answer = answer  # type: ignore[method-assign]
    tg_server.inject("502")
    assert delivery.send_alerts(tg_config, store, eve_now, as_of=EVE).sent == 1
    assert seen == ["sending"]  # the 502 attempt never reached _answer; the second did, as "sending"
    [row] = ledger.list_rows(store)
    assert row.attempts == 2


def test_independent_events_do_not_wait_for_each_other(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """Issue 11 case 3: a long eve send holds only the eve lock; the morning alert goes out beside it."""
    from reportbot.pipeline import delivery_common as module

    _subscribe(store, 91, 92)
    morning = date(2026, 8, 17)
    with module.delivery_lock(tg_config, "eve", wait_s=0):
        summary = delivery.send_alerts(
            tg_config, store, lambda: datetime(2026, 8, 17, 8, 30, tzinfo=TZ), as_of=morning, event="morning"
        )
    assert summary.sent == 2 and summary.events == ("morning",)


def test_a_token_revoked_mid_run_stops_it_and_leaves_the_row_pending(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """Telegram answered 401: nothing was delivered, so the row is sent by the next run, not listed in doubt."""
    _subscribe(store, 95)
    tg_server.inject("401")
    with pytest.raises(NotifyError, match="the bot token was rejected"):
        delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    [row] = ledger.list_rows(store)
    assert row.status == "pending"
    again = delivery.send_alerts(tg_config, store, eve_now, as_of=EVE)
    assert (again.sent, again.in_doubt) == (1, 0) and len(tg_server.messages_to(95)) == 1
