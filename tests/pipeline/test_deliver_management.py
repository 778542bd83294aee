"""Monthly PDF to management chats (sendDocument) once, and admin notices."""

from __future__ import annotations

import dataclasses
import socket
import sqlite3

from aiosmtpd.controller import Controller

from reportbot.config import Config
from reportbot.pipeline import management
from reportbot.store import deliveries as ledger
from tests.conftest import fixed_now
from tests.fakes import FakeTelegramServer
from tests.fakes.smtp import Inbox


def test_monthly_report_to_management_once(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    summary = management.deliver_monthly_report(tg_config, store, fixed_now, "2026-08")
    assert (summary.sent, summary.failed) == (1, 0)
    [doc] = tg_server.messages_to(900)
    assert doc.method == "sendDocument" and doc.file_name == "bse-monthly-2026-08.pdf"
    assert doc.file_bytes.startswith(b"%PDF") and doc.caption == "北交所新股月报 2026-08"
    again = management.deliver_monthly_report(tg_config, store, fixed_now, "2026-08")
    assert (again.planned, again.sent) == (0, 0)
    assert len(tg_server.messages_to(900)) == 1
    [row] = ledger.list_rows(store)
    assert (row.item, row.event, row.status) == ("report:2026-08", "monthly", "sent")


def test_notify_admins(tg_config: Config, tg_server: FakeTelegramServer) -> None:
    tg_server.blocked_chats.add(902)
    results = management.notify_admins(tg_config, "任务失败：fetch_daily")
    assert [(r.recipient, r.ok) for r in results] == [("901", True), ("902", False)]
    assert [m.text for m in tg_server.messages_to(901)] == ["任务失败：fetch_daily"]


def test_monthly_report_by_email_goes_through_the_same_fan_out(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = dataclasses.replace(
            tg_config.smtp,
            host="127.0.0.1",
            port=port,
            starttls=False,
            sender="bot@example.com",
            recipients=("ceo@example.com",),
        )
        summary = management.deliver_monthly_report(
            dataclasses.replace(tg_config, smtp=smtp), store, fixed_now, "2026-08"
        )
    finally:
        controller.stop()
    assert (summary.sent, summary.failed) == (2, 0)
    [mail] = inbox.envelopes
    assert mail.rcpt_tos == ["ceo@example.com"] and b"bse-monthly-2026-08.pdf" in (mail.original_content or b"")
    assert {(r.channel, r.status) for r in ledger.list_rows(store)} == {("telegram", "sent"), ("email", "sent")}
