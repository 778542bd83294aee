"""SIGKILL in the middle of a fan-out (real subprocesses, real clock, fake Bot API on 127.0.0.1).

The subprocesses run on the wall clock, so the test makes today a trading day (calendar override) and
adds an IPO subscribing on the next trading day: its eve alert is due today and timely until 09:15.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from reportbot.config import Config
from reportbot.domain import TZ, Ipo, SubscriberSettings
from reportbot.pipeline import manage
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import ipos as ipo_store
from reportbot.store import runs as run_store
from reportbot.store import subscribers as sub_store
from reportbot.tradingcal import calendar_for
from tests.conftest import TOKEN
from tests.fakes import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]
CODE = "920999"
ADMIN = 901
SETTINGS = SubscriberSettings(capital_cny=500_000.0, annual_rate=0.03, min_probability=0.6)


def _real_now() -> datetime:
    return datetime.now(TZ)


class World:
    """A database, a config file and a fake Bot API for reportbot subprocesses."""

    def __init__(self, tmp: Path, server: FakeTelegramServer, chats: range, *, rate: float) -> None:
        self.tmp, self.server, self.chats = tmp, server, chats
        today = _real_now().date()
        (tmp / "holidays.toml").write_text(f"closed = []\nopen = [{today.isoformat()}]\n", encoding="utf-8")
        (tmp / "schedules").mkdir()
        self.config_path = tmp / "config.toml"
        self.config_path.write_text(
            f'[paths]\ndatabase = "db.sqlite3"\noutput_dir = "out"\nraw_dir = "raw"\n\n'
            f'[calendar]\noverrides_file = "holidays.toml"\n\n'
            f'[schedule]\ndirectory = "schedules"\nlock_file = "serve.lock"\n\n'
            f'[telegram]\nbase_url = "{server.base_url}"\nbase_file_url = "{server.base_file_url}"\n'
            f"admin_chat_ids = [{ADMIN}]\nmax_messages_per_second = {rate}\nper_chat_interval_s = 0.0\n"
            "send_concurrency = 4\nbackoff_s = 0.05\n",
            encoding="utf-8",
        )
        from reportbot.config import load_config

        self.config: Config = load_config(self.config_path, env={})
        conn = manage.open_store(self.config, _real_now)
        cal = calendar_for(self.config)
        self.apply_day = cal.next_trading_day(today)
        self.eve = cal.previous_trading_day(self.apply_day)
        assert self.eve == today
        ipo = Ipo(code=CODE, name="测试新股", apply_date=self.apply_day, issue_price=10.0)
        with db.transaction(conn):
            ipo_store.upsert_ipos(conn, [ipo], source="test", now=_real_now())
            for chat in chats:
                sub_store.subscribe(conn, chat, f"用户{chat}", SETTINGS, now=_real_now())
        conn.close()
        self.env = {**os.environ, "REPORTBOT_TELEGRAM_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}

    def jobs(self, eve_trigger: str) -> None:
        """The schedule: the eve alert job with ``eve_trigger`` and the delivery resume job."""
        (self.tmp / "schedules" / "jobs.toml").write_text(
            f'[[jobs]]\nname = "alerts-eve"\ntarget = "alerts-eve"\ntrigger = {eve_trigger}\n\n'
            '[[jobs]]\nname = "deliveries-resume"\ntarget = "deliveries-resume"\n'
            'trigger = { minute = "*/15" }\n',
            encoding="utf-8",
        )

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        """``reportbot ARGS`` in its own process, stderr to ``log``."""
        cmd = [sys.executable, "-m", "reportbot", "--config", str(self.config_path), *args]
        with (self.tmp / log).open("ab") as err:
            return subprocess.Popen(cmd, cwd=self.tmp, env=self.env, stdout=subprocess.DEVNULL, stderr=err)

    def per_chat(self) -> collections.Counter[int]:
        """Messages the fake server accepted per subscriber."""
        return collections.Counter(m.chat_id for m in self.server.sent() if m.chat_id in self.chats)

    def ledger(self) -> dict[str, list[ledger.LedgerRow]]:
        """Ledger rows of the test IPO by status."""
        conn = db.connect(self.config.paths.database)
        try:
            rows = [r for r in ledger.list_rows(conn) if r.item == CODE]
        finally:
            conn.close()
        out: dict[str, list[ledger.LedgerRow]] = collections.defaultdict(list)
        for row in rows:
            out[row.status].append(row)
        return out

    def log(self, name: str) -> str:
        """A subprocess's stderr."""
        return (self.tmp / name).read_text(encoding="utf-8", errors="replace")


def _wait(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    """A fake Bot API without limits."""
    with FakeTelegramServer(token=TOKEN) as fake:
        yield fake


def _assert_exactly_once_or_listed(world: World) -> list[str]:
    per_chat = world.per_chat()
    assert max(per_chat.values()) == 1, "a subscriber got the alert twice"
    rows = world.ledger()
    doubts = [r.recipient for r in rows["in_doubt"]]
    assert len(rows["sent"]) + len(doubts) == len(world.chats), {k: len(v) for k, v in rows.items()}
    missing = [c for c in world.chats if per_chat[c] == 0]
    assert set(map(str, missing)) <= set(doubts), "a subscriber was lost without being listed"
    return doubts


def test_serve_killed_mid_send_resumes_on_restart_exactly_once(tmp_path: Path, server: FakeTelegramServer) -> None:
    """Issue 11 case 1: SIGKILL of serve mid-send, restart inside the deadline: the rest goes out once."""
    world = World(tmp_path, server, range(20_000, 20_300), rate=60.0)
    world.jobs('{ second = "*/2" }')
    first = world.start("serve", "--no-bot", log="serve1.log")
    try:
        _wait(lambda: len(world.per_chat()) >= 60, 90, "the first serve to send 60 alerts\n" + world.log("serve1.log"))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    sent_before = len(world.per_chat())
    assert sent_before < 300
    conn = db.connect(world.config.paths.database)
    [running] = [r for r in run_store.last_runs(conn).values() if r.job == "alerts-eve"]
    conn.close()
    assert running.outcome == "running"  # what the kill left
    world.jobs("{ year = 2099 }")  # the eve job will not run again: only the resume at start can finish
    second = world.start("serve", "--no-bot", log="serve2.log")
    try:
        _wait(lambda: len(world.per_chat()) >= 300 - 8, 90, "the restart to finish\n" + world.log("serve2.log"))
        _wait(lambda: not world.ledger()["pending"], 30, "no pending rows")
        time.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    doubts = _assert_exactly_once_or_listed(world)
    conn = db.connect(world.config.paths.database)
    interrupted = [r for r in run_store.runs_since(conn, running.started_at) if r.id == running.id]
    conn.close()
    assert interrupted[0].outcome == "interrupted" and interrupted[0].error.startswith("interrupted")
    if doubts:
        notices = " ".join(m.text or "" for m in server.messages_to(ADMIN))
        assert all(chat in notices for chat in doubts[:50]), notices


def test_send_killed_mid_fanout_and_an_immediate_rerun_duplicates_nothing(
    tmp_path: Path, server: FakeTelegramServer
) -> None:
    """Issue 11 case 5: SIGKILL of ``alerts send`` mid-send (as the OOM killer does), immediate rerun: 0 duplicates."""
    world = World(tmp_path, server, range(30_000, 30_400), rate=40.0)
    args = ("alerts", "send", "--event", "eve")
    first = world.start(*args, log="send1.log")
    try:
        _wait(lambda: len(world.per_chat()) >= 40, 90, "the first run to send 40 alerts\n" + world.log("send1.log"))
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    rerun = world.start(*args, log="send2.log")
    assert rerun.wait(120) == 0, world.log("send2.log")
    time.sleep(0.3)
    assert len(world.per_chat()) >= 400 - 8
    _assert_exactly_once_or_listed(world)
