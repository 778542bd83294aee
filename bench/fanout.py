"""Fan-out benchmark: the figures issue 11 asks for, each scenario run through ``reportbot alerts send``.

The fake Telegram Bot API (tests/fakes/telegram_api.py) runs in its own process; the sender is the real
CLI in its own process on the wall clock, so the benchmark makes today a trading day (calendar override)
and adds an IPO subscribing on the next trading day: its eve alert is due today.

1. ``window``: 10,000 subscribers against a strict 30 msg/s sliding window: sustained rate, 429s after
   the first second (goal >= 28.5 msg/s, 0);
2. ``errors``: 40 % of sends answered 500: delivered once each, failures left (goal: all, 0, 0);
3. ``slow``: 500 subscribers, every 5th answer after 1.5 s, default timeouts: duplicates, lost (0, 0);
4. ``kill``: SIGKILL of the sending process mid-send, immediate rerun: duplicates (0), and
   subscribers neither delivered nor listed in doubt (0);
5. ``plan``: 100,000 subscribers at 30 msg/s on a simulated clock: each event's start and end against
   its deadline, and the planner's time and peak memory over a ledger history of ``--history`` rows.

Usage: ``.venv/bin/python bench/fanout.py [--only window,errors,slow,kill,plan] [--subscribers 10000]``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportbot.config import Config, load_config  # noqa: E402
from reportbot.domain import TZ, Ipo  # noqa: E402
from reportbot.kinds import Event  # noqa: E402
from reportbot.pipeline import deadlines, manage  # noqa: E402
from reportbot.store import db  # noqa: E402
from reportbot.store import deliveries as ledger  # noqa: E402
from reportbot.store import ipos as ipo_store  # noqa: E402
from reportbot.tradingcal import calendar_for  # noqa: E402

TOKEN = "987654:BENCH-TOKEN"
CODE = "920999"
FIRST = 10_000_000  # first chat id


def now() -> datetime:
    """The wall clock in Beijing time."""
    return datetime.now(TZ)


def start_server(*flags: str) -> tuple[subprocess.Popen[str], int]:
    """The fake Bot API in a child process; returns it and its port."""
    cmd = [sys.executable, "-c", "from tests.fakes.telegram_serve import main; main()", "--token", TOKEN, *flags]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        raise RuntimeError("fake Telegram server did not start")
    return proc, int(line[1])


def stats(port: int) -> dict[str, object]:
    """Counters from the fake server."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/stats", timeout=60) as response:
        data: dict[str, object] = json.load(response)
        return data


def prepare(work: Path, port: int, subscribers: int, **telegram: object) -> Path:
    """Config, calendar override and database with ``subscribers`` subscribers and one IPO due today."""
    work.mkdir(parents=True, exist_ok=True)
    today = now().date()
    (work / "holidays.toml").write_text(f"closed = []\nopen = [{today.isoformat()}]\n", encoding="utf-8")
    settings = {"max_messages_per_second": 30.0, "per_chat_interval_s": 1.0, "send_concurrency": 8, "backoff_s": 0.2}
    settings.update(telegram)
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in settings.items())
    path = work / "config.toml"
    path.write_text(
        f'[paths]\ndatabase = "db.sqlite3"\noutput_dir = "out"\nraw_dir = "raw"\n\n'
        f'[calendar]\noverrides_file = "holidays.toml"\n\n'
        f'[telegram]\nbase_url = "http://127.0.0.1:{port}/bot"\n{lines}\n',
        encoding="utf-8",
    )
    config = load_config(path, env={})
    conn = manage.open_store(config, now)
    cal = calendar_for(config)
    ipo = Ipo(code=CODE, name="测试新股", apply_date=cal.next_trading_day(today), issue_price=10.0)
    with db.transaction(conn):
        ipo_store.upsert_ipos(conn, [ipo], source="bench", now=now())
        conn.executemany(
            "INSERT INTO subscribers (chat_id, capital_cny, annual_rate, min_probability, created_at, updated_at)"
            " VALUES (?, 1000000, 0.05, 0.5, ?, ?)",
            ((FIRST + i, now().isoformat(), now().isoformat()) for i in range(subscribers)),
        )
    conn.close()
    return path


def send(config: Path) -> subprocess.Popen[bytes]:
    """``reportbot alerts send --event eve`` in its own process."""
    env = {**os.environ, "REPORTBOT_TELEGRAM_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "reportbot", "--config", str(config), "-q", "alerts", "send", "--event", "eve"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ledger_counts(config: Path) -> dict[str, int]:
    """Ledger rows per status."""
    conn = db.connect(load_config(config, env={}).paths.database)
    try:
        return ledger.counts(conn)
    finally:
        conn.close()


def outcome(port: int, n: int) -> tuple[int, int, int]:
    """(subscribers delivered, duplicates, subscribers with nothing) from the server's view."""
    per_chat = {int(k): v for k, v in stats(port)["per_chat"].items() if int(k) >= FIRST}  # type: ignore[union-attr]
    return len(per_chat), sum(v - 1 for v in per_chat.values()), n - len(per_chat)


def scenario_window(work: Path, n: int) -> None:
    """Strict 30 msg/s sliding window."""
    server, port = start_server("--window-limit", "30")
    try:
        config = prepare(work / "window", port, n)
        started = time.monotonic()
        send(config).wait()
        elapsed = time.monotonic() - started
        s = stats(port)
        first, last, delivered = float(s["first_at"]), float(s["last_at"]), int(s["delivered"])  # type: ignore[arg-type]
        late_429 = sum(1 for t in s["limited_at"] if t > first + 1.0)  # type: ignore[union-attr]
        rate = (delivered - 1) / (last - first)
        print(
            f"window: {n} subscribers, strict 30/s sliding window: {delivered} delivered, "
            f"{rate:.2f} msg/s first to last message, 429 after the first second: {late_429} "
            f"(all 429: {len(s['limited_at'])}), run {elapsed:.0f} s, ledger {ledger_counts(config)}",  # type: ignore[arg-type]
            flush=True,
        )
    finally:
        server.kill()


def scenario_errors(work: Path, n: int) -> None:
    """40 % of sends answered 500."""
    server, port = start_server("--error-rate", "0.4")
    try:
        config = prepare(work / "errors", port, n, max_messages_per_second=0.0, per_chat_interval_s=0.0)
        send(config).wait()
        got, dup, missing = outcome(port, n)
        rejected = stats(port)["rejected"]
        print(
            f"errors: {n} subscribers, 40 % of sends answered 500 ({rejected}): one run: delivered {got}, "
            f"duplicates {dup}, missing {missing}, ledger {ledger_counts(config)}",
            flush=True,
        )
    finally:
        server.kill()


def scenario_slow(work: Path, n: int) -> None:
    """Every 5th answer after 1.5 s, default timeouts."""
    server, port = start_server("--delay-every", "5", "--delay-s", "1.5")
    try:
        config = prepare(work / "slow", port, n)
        send(config).wait()
        got, dup, missing = outcome(port, n)
        print(
            f"slow: {n} subscribers, every 5th answer after 1.5 s: delivered {got}, duplicates {dup}, "
            f"lost {missing}, ledger {ledger_counts(config)}",
            flush=True,
        )
    finally:
        server.kill()


def scenario_kill(work: Path, n: int, kill_after: int) -> None:
    """SIGKILL of the sending process mid-send, immediate rerun."""
    server, port = start_server()
    try:
        config = prepare(work / "kill", port, n, max_messages_per_second=200.0)
        first = send(config)
        while int(stats(port)["delivered"]) < kill_after:  # type: ignore[call-overload]
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        send(config).wait()
        got, dup, missing = outcome(port, n)
        counts = ledger_counts(config)
        unlisted = max(0, missing - counts.get("in_doubt", 0))
        print(
            f"kill: {n} subscribers, sender SIGKILLed after {kill_after}, immediate rerun: "
            f"delivered {got}, duplicates {dup}, missing {missing} (in doubt and listed: {counts.get('in_doubt', 0)},"
            f" missing and not listed: {unlisted}), ledger {counts}",
            flush=True,
        )
    finally:
        server.kill()


def scenario_plan(work: Path, n: int, history: int) -> None:
    """100,000 subscribers on a simulated clock, and the planner over a large ledger."""
    config: Config = load_config(None, env={})
    rate = deadlines.pacing_rate(config)
    cal = calendar_for(config)
    day = cal.next_trading_day(now().date())
    print(f"plan: {n:,} subscribers at {rate:g} msg/s (30 less the 5 % margin), simulated clock, {day}:")
    for event, configured in (
        ("eve", clock_time(20)),
        ("morning", clock_time(8, 30)),
        ("result", clock_time(9)),
        ("listing", clock_time(8, 30)),
    ):
        at = deadlines.latest_start(event, configured, n, rate, config.delivery.start_margin_s)
        start = datetime.combine(day, at, tzinfo=TZ)
        end = start + timedelta(seconds=deadlines.send_duration_s(n, rate))
        limit = deadlines.deadline(event, day, cal)
        assert limit is not None
        ok = end <= limit
        print(
            f"  {event:8s} configured {configured:%H:%M}, starts {at:%H:%M:%S}, ends {end:%m-%d %H:%M:%S}, "
            f"deadline {limit:%m-%d %H:%M}: {'in time' if ok else 'LATE'}, "
            f"{(limit - end).total_seconds() / 60:.0f} min to spare"
        )
    _planner(work / "plan", n, history)


def _planner(work: Path, n: int, history: int) -> None:
    work.mkdir(parents=True, exist_ok=True)
    conn = db.connect(work / "db.sqlite3")
    stamp = now().isoformat(timespec="seconds")
    with db.transaction(conn):  # history: earlier events, all sent
        conn.executemany(
            "INSERT INTO deliveries (channel, recipient, item, event, event_date, status, created_at, updated_at)"
            " VALUES ('telegram', ?, ?, 'eve', '2026-01-01', 'sent', ?, ?)",
            ((str(FIRST + i % n), f"h{i // n}", stamp, stamp) for i in range(history)),
        )
    day = now().date()
    planned = [
        ledger.PlannedDelivery(
            channel="telegram",
            recipient=str(FIRST + i),
            item=CODE,
            event="eve",
            event_date=day,
            deadline=datetime.combine(day, clock_time(23, 59), tzinfo=TZ),
        )
        for i in range(n)
    ]
    tracemalloc.start()
    started = time.perf_counter()
    with db.transaction(conn):
        ledger.plan(conn, planned, now=now())
        rows = ledger.sendable(conn, ("eve",), now=now())
    plan_s = time.perf_counter() - started
    started = time.perf_counter()
    done = ledger.delivered_keys(conn, day, (Event.EVE,))
    dry_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    conn.close()
    print(
        f"  planner over a ledger of {history:,} earlier rows: planned and listed {len(rows):,} rows in "
        f"{plan_s:.2f} s; the dry run's lookup of the day {dry_s * 1000:.0f} ms ({len(done)} done); "
        f"peak Python memory {peak / 2**20:.0f} MiB",
        flush=True,
    )


def main() -> None:
    """Run the chosen scenarios and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="window,errors,slow,kill,plan")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--slow-subscribers", type=int, default=500)
    parser.add_argument("--kill-after", type=int, default=4_000)
    parser.add_argument("--plan-subscribers", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=2_200_000)
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="reportbot-fanout-") as tmp:
        work = Path(tmp)
        if "window" in chosen:
            scenario_window(work, args.subscribers)
        if "errors" in chosen:
            scenario_errors(work, args.subscribers)
        if "slow" in chosen:
            scenario_slow(work, args.slow_subscribers)
        if "kill" in chosen:
            scenario_kill(work, args.subscribers, args.kill_after)
        if "plan" in chosen:
            scenario_plan(work, args.plan_subscribers, args.history)


if __name__ == "__main__":
    main()
