"""`reportbot serve` runs the Telegram bot and the scheduler in one process (fake Bot API on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import TOKEN
from tests.fakes import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp: Path, server: FakeTelegramServer) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f"""
[paths]
database = "{tmp / "db.sqlite3"}"
output_dir = "{tmp / "out"}"
[calendar]
overrides_file = "{ROOT / "schedules" / "holidays.toml"}"
[schedule]
directory = "{ROOT / "schedules"}"
lock_file = "{tmp / "serve.lock"}"
[telegram]
base_url = "{server.base_url}"
base_file_url = "{server.base_file_url}"
""",
        encoding="utf-8",
    )
    return path


def test_serve_answers_the_bot_while_holding_the_scheduler_lock(tg_server: FakeTelegramServer, tmp_path: Path) -> None:
    cfg = _config(tmp_path, tg_server)
    env = {**os.environ, "REPORTBOT_TELEGRAM_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "reportbot", "--config", str(cfg), "serve"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        tg_server.push_message(chat_id=555, text="/start")
        replies = tg_server.wait_for(lambda s: s.messages_to(555), timeout=60)
        assert "北交所" in (replies[0].text or "")
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == 1
        assert "another reportbot serve holds the lock" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Telegram bot and scheduler running" in stderr
    assert TOKEN not in stderr
