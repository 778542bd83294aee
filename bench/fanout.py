"""Fan-out benchmark: 10,000 subscribers alerted through the real python-telegram-bot client.

Runs the fake Telegram Bot API server (tests/fakes/telegram_api.py) in its own process and
``reportbot alerts send --as-of 2026-08-14`` (one alert per subscriber: the eve of 华大海天) as the
sender, then prints three figures:

1. throughput against the server with no rate limit (messages/s, goal >= 1,000);
2. sustained rate with the server enforcing 30 msg/s, measured over ``--window`` seconds (goal >= 28.5);
3. a run killed with SIGKILL midway and restarted: duplicates and missing subscribers (goal: both 0).

Usage: ``.venv/bin/python bench/fanout.py [--subscribers 10000] [--window 60] [--kill-after 4000]``
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "987654:BENCH-TOKEN"
AS_OF = "2026-08-14"
PROCESSES = int(os.environ.get("FANOUT_PROCESSES", "2"))


def start_server(rate_limit: float | None) -> tuple[subprocess.Popen[str], int]:
    """The fake Bot API in a child process; returns it and its port."""
    cmd = [sys.executable, "-c", "from tests.fakes.telegram_api import main; main()", "--token", TOKEN]
    if rate_limit:
        cmd += ["--rate-limit", str(rate_limit)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        raise RuntimeError("fake Telegram server did not start")
    return proc, int(line[1])


def stats(port: int) -> dict[str, object]:
    """Delivered-message counts from the fake server."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/stats", timeout=30) as response:
        data: dict[str, object] = json.load(response)
        return data


def delivered(port: int) -> int:
    """Messages the server accepted so far."""
    return int(stats(port)["delivered"])  # type: ignore[call-overload]


def write_config(
    work: Path, port: int, rate: float, concurrency: int = int(os.environ.get("FANOUT_CONCURRENCY", "2"))
) -> Path:
    """A config with its own database, pointing the client at the fake server."""
    path = work / "config.toml"
    path.write_text(
        f'[paths]\ndatabase = "db.sqlite3"\noutput_dir = "out"\n\n'
        f'[telegram]\nbase_url = "http://127.0.0.1:{port}/bot"\n'
        f"max_messages_per_second = {rate}\nper_chat_interval_s = 1.0\nsend_concurrency = {concurrency}\n"
        f"backoff_s = 0.2\nsend_processes = {PROCESSES}\n",
        encoding="utf-8",
    )
    return path


def reportbot(config: Path, *args: str) -> list[str]:
    """The reportbot CLI as a command line."""
    return [sys.executable, "-m", "reportbot", "--config", str(config), "-q", *args]


def prepare(work: Path, port: int, rate: float, subscribers: int) -> Path:
    """Config + database with ``subscribers`` subscribers (imported through the CLI)."""
    work.mkdir(parents=True, exist_ok=True)
    config = write_config(work, port, rate)
    csv_path = work / "subscribers.csv"
    rows = ["chat_id,name,capital_cny,annual_rate,min_probability,active"]
    rows += [f"{100000 + i},用户{i},{100000 * (1 + i % 20)},0.0{2 + i % 5},0.{4 + i % 4},1" for i in range(subscribers)]
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    subprocess.run(
        reportbot(config, "subscribers", "import", str(csv_path)), check=True, env=_env(), stdout=subprocess.DEVNULL
    )
    return config


def _env() -> dict[str, str]:
    return {**os.environ, "REPORTBOT_TELEGRAM_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}


def unlimited(work: Path, subscribers: int) -> None:
    """Figure 1: throughput with no limit anywhere."""
    server, port = start_server(None)
    try:
        config = prepare(work / "unlimited", port, 0, subscribers)
        started = time.perf_counter()
        subprocess.run(reportbot(config, "alerts", "send", "--as-of", AS_OF), check=True, env=_env())
        elapsed = time.perf_counter() - started
        info = stats(port)
        count = int(info["delivered"])  # type: ignore[call-overload]
        span = float(info["last_at"]) - float(info["first_at"])  # type: ignore[arg-type]
        print(
            f"1. unlimited ({PROCESSES} sender processes): {count} messages to {subscribers} subscribers; "
            f"first to last message "
            f"{span:.2f} s = {(count - 1) / span:,.0f} messages/s (whole `alerts send` process incl. "
            f"start-up and planning: {elapsed:.2f} s = {count / elapsed:,.0f} messages/s)"
        )
    finally:
        server.kill()


def limited(work: Path, subscribers: int, window: float) -> None:
    """Figure 2: sustained rate with the server enforcing 30 msg/s (client paced at 30 msg/s)."""
    server, port = start_server(30)
    try:
        config = prepare(work / "limited", port, 30, subscribers)
        sender = subprocess.Popen(
            reportbot(config, "alerts", "send", "--as-of", AS_OF), env=_env(), start_new_session=True
        )
        while delivered(port) == 0:
            time.sleep(0.05)
        first, t0 = delivered(port), time.perf_counter()
        time.sleep(window)
        last, t1 = delivered(port), time.perf_counter()
        os.killpg(sender.pid, signal.SIGKILL)
        sender.wait()
        rejected = stats(port)["rejected"]
        print(
            f"2. server limit 30 msg/s: {last - first} messages in {t1 - t0:.1f} s = {(last - first) / (t1 - t0):.2f}"
            f" messages/s sustained (429s answered by the server: {rejected or 'none'})"
        )
    finally:
        server.kill()


def killed(work: Path, subscribers: int, kill_after: int) -> None:
    """Figure 3: SIGKILL midway, restart, then count duplicates and missing subscribers."""
    server, port = start_server(None)
    try:
        config = prepare(work / "killed", port, 0, subscribers)
        sender = subprocess.Popen(
            reportbot(config, "alerts", "send", "--as-of", AS_OF), env=_env(), start_new_session=True
        )
        while delivered(port) < kill_after and sender.poll() is None:
            time.sleep(0.001)
        os.killpg(sender.pid, signal.SIGKILL)  # the whole run: the CLI and its sender processes
        sender.wait()
        at_kill = delivered(port)
        rerun = subprocess.run(
            reportbot(config, "alerts", "send", "--as-of", AS_OF), env=_env(), capture_output=True, text=True
        )
        per_chat = stats(port)["per_chat"]
        assert isinstance(per_chat, dict)
        duplicates = sum(count - 1 for count in per_chat.values() if count > 1)
        missing = subscribers - len(per_chat)
        print(
            f"3. SIGKILL of the run ({PROCESSES} sender processes) after {at_kill} delivered, "
            f"restarted ({rerun.stdout.strip()}): "
            f"{len(per_chat)} subscribers alerted, duplicates {duplicates}, missing {missing}"
        )
    finally:
        server.kill()


def main() -> None:
    """Run the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured in the limited run")
    parser.add_argument("--kill-after", type=int, default=4_000, help="messages delivered before the SIGKILL")
    parser.add_argument("--only", choices=["unlimited", "limited", "killed"], help="run one measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        work = Path(tmp)
        if args.only in (None, "unlimited"):
            unlimited(work, args.subscribers)
        if args.only in (None, "limited"):
            limited(work, args.subscribers, args.window)
        if args.only in (None, "killed"):
            killed(work, args.subscribers, args.kill_after)


if __name__ == "__main__":
    main()
