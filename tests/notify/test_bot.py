"""The bot (a real PTB Application) driven by real updates through the fake server's getUpdates."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest

from reportbot.config import Config
from reportbot.domain import TZ
from reportbot.notify.bot import build_application
from reportbot.notify.settings_input import parse_setting
from reportbot.pipeline.botservice import BotService
from reportbot.store import db
from reportbot.store import subscribers as sub_store
from tests.conftest import TOKEN, fixed_now
from tests.fakes import FakeTelegramServer

USER = 4242
Script = Callable[[FakeTelegramServer], Awaitable[None]]


def _run(config: Config, store: sqlite3.Connection, server: FakeTelegramServer, script: Script) -> None:
    """Start the bot with long polling, run ``script`` (which pushes updates), stop."""

    async def main() -> None:
        app = build_application(config, BotService(config, store, fixed_now))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                await script(server)
            finally:
                await app.updater.stop()
                await app.stop()

    asyncio.run(main())


async def _say(server: FakeTelegramServer, text: str, *, chat: int = USER) -> str:
    before = len(server.messages_to(chat))
    server.push_message(chat_id=chat, text=text)
    messages = await asyncio.to_thread(server.wait_for, lambda s: s.messages_to(chat)[before:] or None)
    return "\n".join(m.text or m.caption or "" for m in messages)


async def _press(server: FakeTelegramServer, data: str, *, chat: int = USER) -> str:
    before = len(server.messages_to(chat))
    server.push_callback(chat_id=chat, data=data)
    messages = await asyncio.to_thread(server.wait_for, lambda s: s.messages_to(chat)[before:] or None)
    return "\n".join(m.text or "" for m in messages)


def test_subscribe_settings_and_unsubscribe(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    replies: dict[str, str] = {}

    async def script(server: FakeTelegramServer) -> None:
        replies["start"] = await _say(server, "/start")
        replies["settings_first"] = await _say(server, "/settings")
        replies["subscribe"] = await _say(server, "/subscribe")
        replies["settings"] = await _say(server, "/settings")
        replies["preset"] = await _press(server, "set:capital:500000")
        replies["ask"] = await _press(server, "ask:rate")
        replies["bad"] = await _say(server, "很多")
        replies["good"] = await _say(server, "3%")
        replies["direct"] = await _say(server, "/settings prob 70%")
        replies["out_of_range"] = await _say(server, "/settings capital 5")
        replies["usage"] = await _say(server, "/settings 很多")
        replies["chinese"] = await _say(server, "/settings 资金 80万")

    _run(tg_config, store, tg_server, script)
    assert "/subscribe" in replies["start"]
    assert "请先发送 /subscribe" in replies["settings_first"]
    assert "已订阅" in replies["subscribe"] and "100.00万元" in replies["subscribe"]
    keyboard = [m.reply_markup for m in tg_server.messages_to(USER) if m.reply_markup]
    assert keyboard and "inline_keyboard" in keyboard[0]
    assert "已更新申购资金" in replies["preset"] and "50.00万元" in replies["preset"]
    assert "年化资金成本" in replies["ask"]
    assert "无法识别“很多”" in replies["bad"]
    assert "已更新年化资金成本" in replies["good"] and "3.00%" in replies["good"]
    assert "超出范围" in replies["out_of_range"]
    assert "/settings 资金 500000" in replies["usage"] and "capital" not in replies["usage"]  # no English in a reply
    assert "已更新申购资金" in replies["chinese"] and "80.00万元" in replies["chinese"]
    found = sub_store.get_subscriber(store, USER)
    assert found is not None and found.active
    assert (found.settings.capital_cny, found.settings.annual_rate, found.settings.min_probability) == (
        800_000.0,
        0.03,
        0.7,
    )
    assert tg_server.state.callback_answers  # every button press is answered


def test_upcoming_ipo_and_report_refusal(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    replies: dict[str, str] = {}

    async def script(server: FakeTelegramServer) -> None:
        replies["upcoming"] = await _say(server, "/upcoming")
        replies["ipo"] = await _say(server, "/ipo 920288")
        replies["ipo_bad"] = await _say(server, "/ipo abc")
        replies["ipo_unknown"] = await _say(server, "/ipo 920000")
        replies["report"] = await _say(server, "/report")
        replies["unsubscribe"] = await _say(server, "/unsubscribe")
        replies["unknown"] = await _say(server, "/foo")
        replies["status"] = await _say(server, "/status")

    _run(tg_config, store, tg_server, script)
    # fixed_now is 2026-11-21: the bundled data has no later subscription.
    assert "暂无即将申购" in replies["upcoming"]
    # 920288 listed on 2026-08-28: its outcome, and no advice (issue 11 case 7).
    assert "【北交所新股·已上市】" in replies["ipo"] and "华大海天（920288）" in replies["ipo"]
    assert "首日涨跌幅：+126.8%" in replies["ipo"] and "建议：" not in replies["ipo"]
    for unknown in ("unknown", "status"):  # every message gets an answer: the command list
        assert "没有这个命令" in replies[unknown] and "/subscribe" in replies[unknown]
    assert "用法：/ipo" in replies["ipo_bad"]
    assert "未找到代码为 920000" in replies["ipo_unknown"]
    assert "仅向管理层" in replies["report"]
    assert "尚未订阅" in replies["unsubscribe"]


def test_report_goes_to_management_as_a_document(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    pdf = tg_config.paths.output_dir / "bse-monthly-2026-10.pdf"  # the last completed month: already rendered
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.7 test")

    async def script(server: FakeTelegramServer) -> None:
        await _say(server, "/report", chat=900)
        await asyncio.to_thread(
            server.wait_for, lambda s: [m for m in s.messages_to(900) if m.method == "sendDocument"]
        )

    _run(tg_config, store, tg_server, script)
    [doc] = [m for m in tg_server.messages_to(900) if m.method == "sendDocument"]
    assert doc.file_name == "bse-monthly-2026-10.pdf" and doc.file_bytes == b"%PDF-1.7 test"


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("capital", "50万", 500_000.0),
        ("capital", "1,000,000", 1_000_000.0),
        ("rate", "3%", 0.03),
        ("rate", "0.05", 0.05),
        ("rate", "1%", 0.01),
        ("prob", "60%", 0.6),
        ("prob", "0.55", 0.55),
    ],
)
def test_parse_setting_accepts(field: str, text: str, value: float) -> None:
    assert parse_setting(field, text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("field", "text"),
    [("capital", "500"), ("rate", "45%"), ("prob", "150%"), ("rate", "nan"), ("rate", "1.5"), ("rate", "4")],
)
def test_parse_setting_rejects_with_help(field: str, text: str) -> None:
    with pytest.raises(ValueError, match="请输入"):
        parse_setting(field, text)


def test_settings_have_one_meaning_and_bounded_echo() -> None:
    """Issue 11 case 7: without % a number is a fraction (so 1.5 is refused), and 1e99 is not echoed in full."""
    with pytest.raises(ValueError, match=r"“1\.5”没有百分号，按小数理解时大于 1") as err:
        parse_setting("rate", "1.5")
    assert "不带百分号按小数理解" in str(err.value)
    with pytest.raises(ValueError, match=r"数值 100\.00% 超出范围") as err:
        parse_setting("rate", "1")
    with pytest.raises(ValueError, match="申购资金 超过 1 万亿元 超出范围") as err:
        parse_setting("capital", "1e99")
    assert len(str(err.value)) < 120
    with pytest.raises(ValueError, match=r"申购资金 2\.00亿元 超出范围"):
        parse_setting("capital", "2亿")


def test_token_not_in_bot_logs(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    async def script(server: FakeTelegramServer) -> None:
        await _say(server, "/help")

    with caplog.at_level("DEBUG"):
        _run(tg_config, store, tg_server, script)
    assert "getUpdates" in caplog.text
    assert TOKEN not in caplog.text


def test_unknown_code_has_no_brief(tg_config: Config, store: sqlite3.Connection) -> None:
    backend = BotService(tg_config, store, fixed_now)
    assert backend.ipo_brief(1, "999999") is None


def test_the_bot_writes_through_its_backend(
    tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection
) -> None:
    """The bot writes through the backend it is given: another connection to the database sees it."""
    own = db.connect(tg_config.paths.database)

    async def main() -> None:
        app = build_application(tg_config, BotService(tg_config, own, fixed_now))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                assert "已订阅" in await _say(tg_server, "/subscribe", chat=77)
            finally:
                await app.updater.stop()
                await app.stop()

    asyncio.run(main())
    own.close()
    found = sub_store.get_subscriber(store, 77)
    assert found is not None and found.active


def test_ipo_pdf_on_request(tg_config: Config, tg_server: FakeTelegramServer, store: sqlite3.Connection) -> None:
    async def script(server: FakeTelegramServer) -> None:
        await _say(server, "/ipo 920288")
        server.push_callback(chat_id=USER, data="pdf:920288")
        await asyncio.to_thread(
            server.wait_for, lambda s: [m for m in s.messages_to(USER) if m.method == "sendDocument"], 120
        )

    _run(tg_config, store, tg_server, script)
    [doc] = [m for m in tg_server.messages_to(USER) if m.method == "sendDocument"]
    assert doc.file_name == "bse-ipo-920288.pdf" and doc.file_bytes.startswith(b"%PDF")


def test_the_monthly_pdf_asked_of_the_bot_is_the_last_completed_month(
    tg_config: Config, store: sqlite3.Connection
) -> None:
    """Like the monthly job: on 2026-12-01 management gets November, not the latest month with listings."""
    backend = BotService(tg_config, store, lambda: datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    path = backend.latest_report()
    assert path is not None and path.name == "bse-monthly-2026-11.pdf"


def test_ipo_after_its_subscription_closed_gives_no_advice(tg_config: Config, store: sqlite3.Connection) -> None:
    """安达股份 subscribed on 2026-09-16 and has not listed: /ipo the next day shows the result view, no advice."""
    after = BotService(tg_config, store, lambda: datetime(2026, 9, 17, 10, 0, tzinfo=TZ)).ipo_brief(1, "920202")
    assert after is not None and "申购已结束" in after and "建议：" not in after
    during = BotService(tg_config, store, lambda: datetime(2026, 9, 16, 10, 0, tzinfo=TZ)).ipo_brief(1, "920202")
    assert during is not None and "建议：" in during
