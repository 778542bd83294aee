"""Management delivery: the monthly PDF to management chats and e-mail (once each), admin notices."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reportbot.config import Config
from reportbot.kinds import Clock, Month
from reportbot.notify import email
from reportbot.notify import telegram as tg
from reportbot.notify.base import DeliveryResult
from reportbot.pipeline.delivery_common import DeliverySummary, delivery_lock, run_coroutine
from reportbot.pipeline.report import render_monthly
from reportbot.store import db
from reportbot.store import deliveries as ledger


def deliver_monthly_report(
    config: Config, conn: sqlite3.Connection, now: Clock, month: str | None = None
) -> DeliverySummary:
    """Render the monthly PDF and deliver it once to each management chat and e-mail recipient.

    Raises:
        NoDataError: no listings to report on.
    """
    paths = render_monthly(config, conn, now, Month.parse(month) if month else None)
    pdf = paths[0]
    month = month or pdf.stem.removeprefix("bse-monthly-")
    with delivery_lock(config, "monthly"):
        return _deliver_report_locked(config, conn, now, pdf, month)


def _deliver_report_locked(
    config: Config, conn: sqlite3.Connection, now: Clock, pdf: Path, month: str
) -> DeliverySummary:
    item, today = f"report:{month}", now().date()
    planned_rows = [
        ledger.PlannedDelivery(channel=tg.CHANNEL, recipient=str(c), item=item, event="monthly", event_date=today)
        for c in config.telegram.management_chat_ids
    ]
    if config.smtp.host:
        planned_rows += [
            ledger.PlannedDelivery(channel=email.CHANNEL, recipient=r, item=item, event="monthly", event_date=today)
            for r in config.smtp.recipients
        ]
    journal = ledger.journal_path(config.paths.database, "monthly")
    with db.transaction(conn):
        recovered = ledger.recover_in_doubt(conn, now=now(), journal=journal, events=("monthly",))
        planned = ledger.plan(conn, planned_rows, now=now())
    ledger.clear_journal(journal)
    rows = [r for r in ledger.list_rows(conn, status=ledger.PENDING) if r.item == item]
    caption = f"北交所新股月报 {month}"
    results = run_coroutine(
        _send_documents(config, conn, now, [r for r in rows if r.channel == tg.CHANNEL], pdf, caption)
    )
    mail_rows = [r for r in rows if r.channel == email.CHANNEL]
    if mail_rows:
        for row in mail_rows:
            ledger.mark_sending(conn, row.id, 1, now=now())
        body = f"您好：\n\n附件为{caption}（PDF）。\n\n本邮件由 reportbot 自动发送。"
        sent = email.send_email(config, [r.recipient for r in mail_rows], caption, body, [pdf])
        results += list(zip(mail_rows, sent, strict=True))
    failures = []
    for row, result in results:
        if result.ok:
            ledger.mark_part_sent(conn, row.id, 1, 1, now=now())
        elif result.in_doubt:
            ledger.mark_in_doubt(conn, row.id, result.detail, now=now(), attempts=0, parts_sent=0)
            failures.append(f"{row.channel}:{row.recipient} {item}: {result.detail}")
        else:
            ledger.mark_failed(conn, row.id, result.detail, now=now())
            failures.append(f"{row.channel}:{row.recipient} {item}: {result.detail}")
    ok = sum(1 for _, r in results if r.ok)
    return DeliverySummary(
        as_of=today,
        events=("monthly",),
        due=1,
        planned=planned,
        sent=ok,
        failed=len(results) - ok,
        in_doubt=len(recovered),
        failures=tuple(failures),
    )


async def _send_documents(
    config: Config, conn: sqlite3.Connection, now: Clock, rows: list[ledger.LedgerRow], pdf: Path, caption: str
) -> list[tuple[ledger.LedgerRow, DeliveryResult]]:
    if not rows:
        return []
    bot = tg.make_bot(config, tg.read_token(config))
    await tg.start_bot(bot, config.telegram.base_url)
    try:
        sender = tg.sender_for(config, bot)
        out = []
        for row in rows:

            def before(row_id: int = row.id) -> None:
                ledger.mark_sending(conn, row_id, 1, now=now())

            out.append((row, await sender.send_document(int(row.recipient), pdf, caption=caption, before_send=before)))
        return out
    finally:
        await bot.shutdown()


def notify_admins(config: Config, text: str) -> list[DeliveryResult]:
    """Send ``text`` to every ``[telegram].admin_chat_ids`` chat (job failures, health); never raises for a chat.

    Raises:
        ConfigError: admins are configured but the bot token is not.
    """
    chats = config.telegram.admin_chat_ids
    if not chats:
        return []

    async def send() -> list[DeliveryResult]:
        bot = tg.make_bot(config, tg.read_token(config))
        await tg.start_bot(bot, config.telegram.base_url)
        try:
            sender = tg.sender_for(config, bot)
            results = []
            for chat in chats:
                for part in tg.split_text(text):
                    results.append(await sender.send_text(chat, part))
            return results
        finally:
            await bot.shutdown()

    return run_coroutine(send())
