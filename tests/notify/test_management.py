"""Monthly PDF to management chats (sendDocument) once, admin notices, and the subscribers CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.config import Config
from reportbot.pipeline import delivery
from reportbot.store import deliveries as ledger
from tests.conftest import fixed_now
from tests.fakes import FakeTelegramServer


def test_monthly_report_to_management_once(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    summary = delivery.deliver_monthly_report(tg_config, store, fixed_now, "2026-08")
    assert (summary.sent, summary.failed) == (1, 0)
    [doc] = tg_server.messages_to(900)
    assert doc.method == "sendDocument" and doc.file_name == "bse-monthly-2026-08.pdf"
    assert doc.file_bytes.startswith(b"%PDF") and doc.caption == "北交所新股月报 2026-08"
    again = delivery.deliver_monthly_report(tg_config, store, fixed_now, "2026-08")
    assert (again.planned, again.sent) == (0, 0)
    assert len(tg_server.messages_to(900)) == 1
    [row] = ledger.list_rows(store)
    assert (row.item, row.event, row.status) == ("report:2026-08", "monthly", "sent")


def test_notify_admins(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.blocked_chats.add(902)
    results = delivery.notify_admins(tg_config, "任务失败：fetch_daily")
    assert [(r.recipient, r.ok) for r in results] == [("901", True), ("902", False)]
    assert [m.text for m in tg_server.messages_to(901)] == ["任务失败：fetch_daily"]


def test_subscribers_import_list_export(config: Config, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[paths]\ndatabase = "{config.paths.database}"\n')
    source = tmp_path / "subs.csv"
    source.write_text(
        "chat_id,name,capital_cny,annual_rate,min_probability,active\n1,甲,500000,0.03,0.6,1\n2,乙,,,,0\n"
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "import", str(source)])
    assert result.exit_code == 0 and "imported 2" in result.output
    listed = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "list"])
    assert "1\tactive\tcapital=500,000\trate=3.00%\tmin_probability=60%\t甲" in listed.output
    assert "2\tinactive (imported as inactive)\tcapital=1,000,000" in listed.output
    exported = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "export"])
    assert exported.output.splitlines() == [
        "chat_id,name,capital_cny,annual_rate,min_probability,active",
        "1,甲,500000,0.03,0.6,1",
        "2,乙,1000000,0.05,0.5,0",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("chat_id,annual_rate\n3,0.9\n")
    result = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "import", str(bad)])
    assert result.exit_code == 1 and "bad.csv:2: column annual_rate='0.9' is outside [0, 0.3]" in result.output
