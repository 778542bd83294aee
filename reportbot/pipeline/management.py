"""Management delivery: the monthly PDF to management chats and e-mail (once each), admin notices."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reportbot.config import Config
from reportbot.kinds import Channel, Clock, DeliveryStatus, Event, Month
from reportbot.notify.base import DeliveryResult, Limits, Message, split_text
from reportbot.pipeline import fanout
from reportbot.pipeline.delivery_common import (
    DeliverySummary,
    delivery_lock,
    open_notifiers,
    run_coroutine,
    send_retrying,
)
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
    with delivery_lock(config, Event.MONTHLY):
        return _deliver_report_locked(config, conn, now, pdf, month)


def _recipients(config: Config) -> list[tuple[Channel, str]]:
    chats = [(Channel.TELEGRAM, str(c)) for c in config.telegram.management_chat_ids]
    mails = [(Channel.EMAIL, r) for r in config.smtp.recipients] if config.smtp.host else []
    return chats + mails


def _deliver_report_locked(
    config: Config, conn: sqlite3.Connection, now: Clock, pdf: Path, month: str
) -> DeliverySummary:
    item, today = f"report:{month}", now().date()
    planned_rows = [
        ledger.PlannedDelivery(channel=c, recipient=r, item=item, event=Event.MONTHLY, event_date=today)
        for c, r in _recipients(config)
    ]
    with db.transaction(conn):
        recovered = ledger.recover_in_doubt(conn, now=now(), events=(Event.MONTHLY,))
        planned = ledger.plan(conn, planned_rows, now=now())
        rows = [r for r in ledger.sendable(conn, (Event.MONTHLY,), now=now()) if r.item == item]
    caption = f"北交所新股月报 {month}"
    body = f"您好：\n\n附件为{caption}（PDF）。\n\n本邮件由 reportbot 自动发送。"

    def parts(row: ledger.LedgerRow, _limits: Limits) -> list[Message]:
        return [Message(recipient=row.recipient, text=body, subject=caption, document=pdf)]

    fanout.deliver(fanout.Fanout(config, now, parts), conn, rows)
    done = {r.id: r for r in ledger.list_rows(conn) if r.item == item}
    outcome = [done[r.id] for r in rows]
    failures = [r for r in outcome if r.status in (DeliveryStatus.FAILED, DeliveryStatus.IN_DOUBT)]
    return DeliverySummary(
        as_of=today,
        events=(Event.MONTHLY,),
        due=1,
        planned=planned,
        sent=sum(1 for r in outcome if r.status is DeliveryStatus.SENT),
        failed=len(failures),
        in_doubt=len(recovered),
        failures=tuple(f"{r.channel}:{r.recipient} {item}: {r.reason}" for r in failures),
    )


def notify_admins(config: Config, text: str) -> list[DeliveryResult]:
    """Send ``text`` to every ``[telegram].admin_chat_ids`` chat (job failures, health); never raises for a chat.

    Raises:
        ConfigError: admins are configured but the bot token is not.
        NotifyError: the Bot API is unreachable or rejects the token.
    """
    chats = config.telegram.admin_chat_ids
    if not chats:
        return []

    async def send() -> list[DeliveryResult]:
        async with open_notifiers(config, (Channel.TELEGRAM,)) as notifiers:
            telegram = notifiers[Channel.TELEGRAM]
            parts = split_text(text, telegram.limits.max_chars)
            messages = [Message(recipient=str(chat), text=part) for chat in chats for part in parts]
            return [await send_retrying(config, telegram, m) for m in messages]

    return run_coroutine(send())
