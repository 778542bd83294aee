"""`reportbot alerts send / resend` and `status` on the wall clock against the fake Bot API (issue 11 case 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reportbot.cli import cli
from tests.conftest import TOKEN
from tests.fakes import FakeTelegramServer
from tests.pipeline.test_deliver_kill import World


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Three subscribers and an eve alert due today."""
    monkeypatch.setenv("REPORTBOT_TELEGRAM_TOKEN", TOKEN)
    server = FakeTelegramServer(token=TOKEN).start()
    yield World(tmp_path, server, range(40_000, 40_003), rate=0.0)  # type: ignore[misc]
    server.stop()


def _cli(world: World, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(world.config_path), "-q", *args])
    return result.exit_code, result.stdout, result.stderr


def test_blocked_users_are_churn_not_a_failed_run(world: World) -> None:
    world.server.blocked_chats.add(40_000)
    code, out, _ = _cli(world, "alerts", "send", "--event", "eve")
    assert code == 0, out
    assert "已发送 2，失败 0" in out and "屏蔽停用 1" in out


def test_an_unreachable_api_is_one_line(world: World) -> None:
    world.server.stop()
    code, _, err = _cli(world, "alerts", "send", "--event", "eve")
    assert code == 1
    assert err.startswith("Error: telegram: cannot reach the Bot API at http://127.0.0.1:")
    assert err.count("\n") == 1 and "Traceback" not in err and TOKEN not in err
    assert set(world.ledger()) == {"pending"}  # nothing lost: the next run sends them


def test_status_lists_failures_by_chat_and_resend_sends_them(world: World) -> None:
    world.server.inject("500", count=1000, chat_id=40_001)
    code, out, err = _cli(world, "alerts", "send", "--event", "eve")
    assert code == 1 and "失败 1" in out and "failed: telegram:40001 920999/eve: server error" in err
    code, out, _ = _cli(world, "status")
    assert "运行 1 申购前一日提醒 失败 1：40001（服务器错误）" in out
    world.server.reset()
    code, out, _ = _cli(world, "alerts", "resend", "1", "--failed")
    assert code == 0, out
    assert [m.chat_id for m in world.server.messages_to(40_001)] == [40_001]
    assert set(world.ledger()) == {"sent"}
    code, _, err = _cli(world, "alerts", "resend", "1", "--in-doubt")
    assert code == 1 and "delivery run 1 has no in_doubt deliveries to resend" in err
