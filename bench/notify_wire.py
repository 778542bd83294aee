"""Does delivery need its own HTTP wire layer? The figures issue 15 asks for, in one run.

1. ``outcomes``: each way a Bot API request can fail, against servers on 127.0.0.1 that know whether the
   request reached them; the Telegram adapter (PTB's plain HTTPXRequest) classifies each attempt as
   retry / in doubt. Counted: in-doubt outcomes whose request never reached the server (a wire layer
   could at best resolve those) and retry outcomes whose request had reached it (a duplicate).
2. ``ledger``: what committing each message ``sending`` before its request and ``sent`` after its answer
   costs (WAL, synchronous=NORMAL), against the paced rates: is a separate append-only journal needed?
3. ``throughput``: one unpaced fan-out process through ``reportbot alerts send`` against the fake Bot API
   (is a pool of sender processes needed to reach the rates Telegram allows?).

Usage: ``.venv/bin/python bench/notify_wire.py [--only outcomes,ledger,throughput] [--repeat 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fanout as fanout_bench  # noqa: E402  # bench/fanout.py: the fake server process and the CLI runs

from reportbot.config import Config, load_config  # noqa: E402
from reportbot.domain import TZ  # noqa: E402
from reportbot.kinds import Channel, Event  # noqa: E402
from reportbot.notify.base import Message  # noqa: E402
from reportbot.notify.telegram import TelegramNotifier  # noqa: E402
from reportbot.store import db  # noqa: E402
from reportbot.store import deliveries as ledger  # noqa: E402
from tests.fakes import FakeTelegramServer  # noqa: E402

TOKEN = "987654:BENCH-TOKEN"
Send = Callable[[Config, str], Awaitable[str]]  # (config, chat) -> "ok" | "retry" | "in_doubt" | other


async def adapter_send(config: Config, chat: str) -> str:
    """One attempt through the Telegram adapter (no getMe: the raw servers speak only one request)."""
    notifier = TelegramNotifier(config, token=TOKEN)
    try:
        return str((await notifier.send(Message(recipient=chat, text="基准"))).outcome)
    finally:
        await notifier.bot.request.shutdown()


class RawServer:
    """A TCP server that never answers: ``read`` reads the whole request then closes; else closes at once."""

    def __init__(self, *, read: bool) -> None:
        self.read, self.received = read, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            with conn:
                if self.read and self._read_request(conn):
                    self.received += 1

    @staticmethod
    def _read_request(conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")), 0
        )
        while len(body) < length:
            body += conn.recv(65536)
        return True


def _config(base_url: str, timeout_s: float = 1.0) -> Config:
    base = load_config(None, env={})
    t = dataclasses.replace(base.telegram, base_url=base_url, timeout_s=timeout_s, max_messages_per_second=0.0)
    return dataclasses.replace(base, telegram=t)


async def _fake(kind: str, send: Send) -> tuple[bool, str]:
    """An injected failure; the fake reads every request, so "reached" is whether it took it or timed out."""
    with FakeTelegramServer(token=TOKEN, timeout_delay_s=2.0) as server:
        server.inject(kind)
        outcome = await send(_config(server.base_url), "7")
        return bool(server.sent()) or kind == "timeout", outcome


async def _refused(send: Send) -> tuple[bool, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return False, await send(_config(f"http://127.0.0.1:{port}/bot"), "7")


async def _raw(read: bool, send: Send) -> tuple[bool, str]:
    server = RawServer(read=read)
    outcome = await send(_config(f"http://127.0.0.1:{server.port}/bot"), "7")
    await asyncio.sleep(0.05)
    return server.received > 0, outcome


def scenarios(send: Send) -> dict[str, Callable[[], Awaitable[tuple[bool, str]]]]:
    """Scenario → a run returning (the server got the whole request, the sender's outcome)."""
    return {
        "answered 500": lambda: _fake("500", send),
        "answered 502": lambda: _fake("502", send),
        "answered 429 (limiter retries)": lambda: _fake("429", send),
        "delivered, answer after the read timeout": lambda: _fake("timeout", send),
        "connection refused": lambda: _refused(send),
        "request read, connection closed unanswered": lambda: _raw(True, send),
        "connection closed before the request was read": lambda: _raw(False, send),
    }


def bench_outcomes(repeat: int, send: Send = adapter_send) -> None:
    """Each failure ``repeat`` times: truth against outcome."""
    needless = duplicates = doubts = 0
    for name, run in scenarios(send).items():
        seen: Counter[tuple[bool, str]] = Counter(asyncio.run(run()) for _ in range(repeat))
        for (arrived, outcome), count in sorted(seen.items()):
            doubts += count if outcome == "in_doubt" else 0
            needless += count if outcome == "in_doubt" and not arrived else 0
            duplicates += count if outcome == "retry" and arrived else 0
            taken = "the server got it whole (may have acted)" if arrived else "the server did not take it"
            print(f"  {name}: {taken} -> {outcome} ×{count}")
    print(
        f"outcomes: {doubts} in doubt, of which {needless} not taken by the server (the most a wire layer"
        f" could resolve); {duplicates} retries of a request the server may have acted on (duplicates)",
        flush=True,
    )


def bench_ledger(n: int) -> None:
    """Per-message cost of the two ledger commits around each request."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = db.connect(Path(tmp) / "db.sqlite3")
        conn.execute("PRAGMA synchronous=NORMAL")
        now = datetime.now(TZ)
        planned = [
            ledger.PlannedDelivery(
                channel=Channel.TELEGRAM, recipient=str(i), item="X", event=Event.EVE, event_date=now.date()
            )
            for i in range(n)
        ]
        with db.transaction(conn):
            ledger.plan(conn, planned, now=now)
        ids = [r.id for r in ledger.list_rows(conn)]
        started = time.perf_counter()
        for row_id in ids:
            ledger.mark_sending(conn, row_id, 1, now=now)
            ledger.mark_part_sent(conn, row_id, 1, 1, now=now)
        per = (time.perf_counter() - started) / n
        conn.close()
    print(
        f"ledger: {n} messages, 2 commits each: {per * 1e6:.0f} µs per message, at most {1 / per:,.0f} msg/s"
        f" (paced limits: 28.5 msg/s, 1,000 msg/s with paid broadcasts)",
        flush=True,
    )


def bench_throughput(n: int) -> None:
    """One unpaced sender process through the CLI."""
    server, port = fanout_bench.start_server()
    try:
        work = Path(tempfile.mkdtemp())
        config = fanout_bench.prepare(work, port, n, max_messages_per_second=0.0, per_chat_interval_s=0.0)
        started = time.monotonic()
        fanout_bench.send(config).wait()
        run_s = time.monotonic() - started
        s = fanout_bench.stats(port)
        rate = (int(s["delivered"]) - 1) / (float(s["last_at"]) - float(s["first_at"]))  # type: ignore[arg-type]
        print(f"throughput: {s['delivered']} of {n} delivered by one process, {rate:.0f} msg/s, run {run_s:.1f} s")
    finally:
        server.kill()


def main() -> None:
    """Run the chosen parts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", default="outcomes,ledger,throughput")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each failure scenario")
    parser.add_argument("--messages", type=int, default=3000, help="messages for ledger and throughput")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    if "outcomes" in chosen:
        bench_outcomes(args.repeat)
    if "ledger" in chosen:
        bench_ledger(args.messages)
    if "throughput" in chosen:
        bench_throughput(args.messages)


if __name__ == "__main__":
    main()
