"""Alert and report delivery: plan ledger rows, compose per-subscriber texts, send, record outcomes.

Exactly-once: every delivery is a ledger row (channel × recipient × item × event, unique). A row is
committed ``sending`` the moment its request has been written to the socket and ``sent`` right after the
answer; a restart settles rows a killed run left ``sending`` without re-sending them (Telegram may have
them), then sends what is still ``pending`` (Telegram never got those).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from reportbot.config import Config
from reportbot.domain import Ipo, Prediction, SubscriberSettings
from reportbot.errors import ConfigError, ModelError, NoDataError
from reportbot.notify import email, webhooks
from reportbot.notify import telegram as tg
from reportbot.notify.base import DeliveryResult
from reportbot.pipeline import Clock, calendar_for, render_monthly
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import ipos as ipo_store
from reportbot.store import subscribers as sub_store
from reportbot.summary import alert
from reportbot.tradingcal import TradingCalendar

log = logging.getLogger(__name__)
T = TypeVar("T")
Predictor = Callable[[Config, sqlite3.Connection, Ipo, SubscriberSettings], Prediction]
DEFAULT_RECIPIENT = "默认设置"


@dataclass(frozen=True)
class DeliverySummary:
    """What one delivery run did."""

    as_of: date
    events: tuple[str, ...]
    due: int = 0  # (event, IPO) pairs due on as_of
    planned: int = 0  # new ledger rows
    sent: int = 0
    failed: int = 0
    in_doubt: int = 0  # rows a killed run left on the wire, settled without re-sending
    deactivated: int = 0  # subscribers marked inactive after 403
    dry_run: bool = False
    messages: tuple[tuple[str, str], ...] = ()  # (recipient, text) in a dry run
    failures: tuple[str, ...] = field(default=())


def load_predictor() -> Predictor | None:
    """``reportbot.pipeline.modeling.predict_ipo`` when the model module is installed, else None."""
    try:
        module = importlib.import_module("reportbot.pipeline.modeling")
    except ImportError:
        return None
    found: Predictor | None = getattr(module, "predict_ipo", None)
    return found


class AlertComposer:
    """Per-subscriber alert texts, with predictions cached per IPO and settings."""

    def __init__(self, config: Config, conn: sqlite3.Connection, predictor: Predictor | None = None) -> None:
        """``predictor`` defaults to :func:`load_predictor`."""
        self.config = config
        self.conn = conn
        self.calendar: TradingCalendar = calendar_for(config)
        self.predictor = predictor if predictor is not None else load_predictor()
        self._predictions: dict[tuple[str, SubscriberSettings], tuple[Prediction | None, str]] = {}
        self._texts: dict[tuple[str, str, SubscriberSettings], str] = {}

    def prediction(self, ipo: Ipo, settings: SubscriberSettings) -> tuple[Prediction | None, str]:
        """The model's prediction (or None) and the Chinese note shown when it is absent."""
        key = (ipo.code, settings)
        if key not in self._predictions:
            if self.predictor is None:
                self._predictions[key] = (None, alert.NO_MODEL)
            else:
                try:
                    self._predictions[key] = (self.predictor(self.config, self.conn, ipo, settings), "")
                except (ModelError, NoDataError) as exc:
                    log.warning("prediction for %s failed: %s", ipo.code, exc)
                    self._predictions[key] = (None, "模型预测暂缺（模型无法对该股给出预测）")
        return self._predictions[key]

    def text(self, ipo: Ipo, event: str, settings: SubscriberSettings) -> str:
        """The alert text (may be longer than one Telegram message)."""
        key = (ipo.code, event, settings)
        if key not in self._texts:
            terms = alert.alert_terms(
                ipo,
                self.calendar,
                capital=settings.capital_cny,
                annual_rate=settings.annual_rate,
                refund_offset=self.config.calendar.refund_offset_trading_days,
            )
            prediction, note = self.prediction(ipo, settings)
            self._texts[key] = alert.format_subscriber_alert(
                terms, prediction, settings, event=event, prediction_note=note or alert.NO_MODEL
            )
        return self._texts[key]


def default_settings(config: Config) -> SubscriberSettings:
    """The settings a new subscriber starts with."""
    d = config.subscriber_defaults
    return SubscriberSettings(capital_cny=d.capital_cny, annual_rate=d.annual_rate, min_probability=d.min_probability)


def due_alerts(
    config: Config, conn: sqlite3.Connection, as_of: date, event: str | None = None
) -> list[tuple[str, Ipo]]:
    """(event, IPO) pairs whose alert is due on ``as_of`` (all four events when ``event`` is None)."""
    events = alert.EVENTS if event is None else (event,)
    for name in events:
        if name not in alert.EVENTS:
            raise ConfigError(f"unknown alert event {name!r}; known: {', '.join(alert.EVENTS)}")
    cal = calendar_for(config)
    ipos = [i for i in ipo_store.list_ipos(conn) if i.apply_date is not None]
    return [(name, ipo) for name in events for ipo in ipos if alert.event_date(ipo, name, cal) == as_of]


def send_alerts(
    config: Config,
    conn: sqlite3.Connection,
    now: Clock,
    *,
    as_of: date | None = None,
    event: str | None = None,
    dry_run: bool = False,
    predictor: Predictor | None = None,
) -> DeliverySummary:
    """Send the alerts due on ``as_of`` (default: today) to every active subscriber, once each.

    Raises:
        ConfigError: unknown event, or a channel without its token/URL.
    """
    as_of = as_of or now().date()
    events = alert.EVENTS if event is None else (event,)
    due = due_alerts(config, conn, as_of, event)
    composer = AlertComposer(config, conn, predictor)
    channels = config.notify.alert_channels
    subscribers = sub_store.list_subscribers(conn, active_only=True)
    if dry_run:
        return _dry_run(config, conn, as_of, events, due, composer, subscribers)
    conn.execute("PRAGMA synchronous=NORMAL")  # commits survive SIGKILL; only power loss could lose one
    by_code = {ipo.code: ipo for _, ipo in due}
    with db.transaction(conn):
        recovered = ledger.recover_in_doubt(conn, now=now())
        planned = ledger.plan(conn, _planned(channels, subscribers, due, as_of), now=now())
        _expire_stale(conn, as_of, now)
    rows = [r for r in ledger.list_rows(conn, status=ledger.PENDING, event_date=as_of) if r.event in events]
    settings = {str(s.chat_id): s.settings for s in subscribers}
    run = _Run(config, conn, now, composer, by_code, settings)
    if rows:
        run_coroutine(run.send_all(rows))
    return DeliverySummary(
        as_of=as_of,
        events=tuple(events),
        due=len(due),
        planned=planned,
        sent=run.sent,
        failed=run.failed,
        in_doubt=len(recovered),
        deactivated=run.deactivated,
        failures=tuple(run.failures),
    )


def _planned(
    channels: tuple[str, ...], subscribers: list[sub_store.Subscriber], due: list[tuple[str, Ipo]], as_of: date
) -> list[ledger.PlannedDelivery]:
    out = []
    for event, ipo in due:
        for channel in channels:
            recipients = [str(s.chat_id) for s in subscribers] if channel == tg.CHANNEL else [channel]
            out += [
                ledger.PlannedDelivery(channel=channel, recipient=r, item=ipo.code, event=event, event_date=as_of)
                for r in recipients
            ]
    return out


def _expire_stale(conn: sqlite3.Connection, as_of: date, now: Clock) -> None:
    for row in ledger.list_rows(conn, status=ledger.PENDING):
        if row.event_date < as_of and not row.item.startswith("report:"):
            ledger.mark_failed(conn, row.id, f"expired: not delivered on {row.event_date.isoformat()}", now=now())


def _dry_run(
    config: Config,
    conn: sqlite3.Connection,
    as_of: date,
    events: tuple[str, ...],
    due: list[tuple[str, Ipo]],
    composer: AlertComposer,
    subscribers: list[sub_store.Subscriber],
) -> DeliverySummary:
    sent = {(r.channel, r.recipient, r.item, r.event) for r in ledger.list_rows(conn, status=ledger.SENT)}
    targets = [(str(s.chat_id), s.settings) for s in subscribers] or [(DEFAULT_RECIPIENT, default_settings(config))]
    messages = []
    for event, ipo in due:
        for channel in config.notify.alert_channels:
            chosen = targets if channel == tg.CHANNEL else [(channel, default_settings(config))]
            for recipient, settings in chosen:
                if (channel, recipient, ipo.code, event) not in sent:
                    messages.append((f"{channel}:{recipient}", composer.text(ipo, event, settings)))
    return DeliverySummary(as_of=as_of, events=events, due=len(due), dry_run=True, messages=tuple(messages))


class _Run:
    """One fan-out: workers take ledger rows and send their parts through the channel's notifier."""

    def __init__(
        self,
        config: Config,
        conn: sqlite3.Connection,
        now: Clock,
        composer: AlertComposer,
        ipos: dict[str, Ipo],
        settings: dict[str, SubscriberSettings],
    ) -> None:
        self.config, self.conn, self.now, self.composer = config, conn, now, composer
        self.ipos, self.settings = ipos, settings
        self.sent = self.failed = self.deactivated = 0
        self.failures: list[str] = []
        self.sender: tg.TelegramSender | None = None

    async def send_all(self, rows: list[ledger.LedgerRow]) -> None:
        queue: asyncio.Queue[ledger.LedgerRow] = asyncio.Queue()
        for row in rows:
            queue.put_nowait(row)
        needs_telegram = any(r.channel == tg.CHANNEL for r in rows)
        bot = tg.make_bot(self.config, tg.read_token(self.config)) if needs_telegram else None
        if bot is not None:
            t = self.config.telegram
            pacer = tg.Pacer(t.max_messages_per_second, t.per_chat_interval_s)
            self.sender = tg.TelegramSender(bot, pacer, max_attempts=t.max_attempts, backoff_s=t.backoff_s)
            await bot.initialize()
        try:
            workers = max(1, self.config.telegram.send_concurrency)
            await asyncio.gather(*(self._worker(queue) for _ in range(workers)))
        finally:
            if bot is not None:
                await bot.shutdown()

    async def _worker(self, queue: asyncio.Queue[ledger.LedgerRow]) -> None:
        while not queue.empty():
            row = queue.get_nowait()
            await self._deliver(row)

    async def _deliver(self, row: ledger.LedgerRow) -> None:
        ipo = self.ipos.get(row.item)
        settings = self.settings.get(row.recipient) if row.channel == tg.CHANNEL else None
        if row.channel != tg.CHANNEL:
            settings = default_settings(self.config)
        if ipo is None or settings is None:
            self._fail(row, "subscriber inactive or IPO no longer due")
            return
        parts = tg.split_text(self.composer.text(ipo, row.event, settings))
        for index in range(row.parts_sent, len(parts)):
            result = await self._send_part(row, parts[index], len(parts))
            if not result.ok:
                self._fail(row, result.detail, permanent=result.permanent)
                return
            ledger.mark_part_sent(self.conn, row.id, index + 1, len(parts), now=self.now())
        self.sent += 1

    async def _send_part(self, row: ledger.LedgerRow, text: str, total: int) -> DeliveryResult:
        def before() -> None:
            ledger.mark_sending(self.conn, row.id, total, now=self.now())

        def retry(reason: str) -> None:
            ledger.mark_pending(self.conn, row.id, reason, now=self.now())

        if row.channel == tg.CHANNEL:
            assert self.sender is not None
            return await self.sender.send_text(int(row.recipient), text, before_send=before, on_retry=retry)
        before()
        return await asyncio.to_thread(webhooks.send_to_channel, self.config, row.channel, text)

    def _fail(self, row: ledger.LedgerRow, reason: str, *, permanent: bool = False) -> None:
        ledger.mark_failed(self.conn, row.id, reason, now=self.now())
        self.failed += 1
        self.failures.append(f"{row.channel}:{row.recipient} {row.item}/{row.event}: {reason}")
        if permanent and row.channel == tg.CHANNEL:
            sub_store.deactivate(self.conn, int(row.recipient), f"blocked the bot ({reason})", now=self.now())
            self.deactivated += 1
            log.warning("subscriber %s blocked the bot; marked inactive", row.recipient)


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="reportbot-delivery")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def deliver_monthly_report(
    config: Config, conn: sqlite3.Connection, now: Clock, month: str | None = None
) -> DeliverySummary:
    """Render the monthly PDF and deliver it once to each management chat and e-mail recipient.

    Raises:
        NoDataError: no listings to report on.
    """
    paths = render_monthly(config, conn, now, month)
    pdf = paths[0]
    month = month or pdf.stem.removeprefix("bse-monthly-")
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
    with db.transaction(conn):
        recovered = ledger.recover_in_doubt(conn, now=now())
        planned = ledger.plan(conn, planned_rows, now=now())
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
    t = config.telegram
    async with tg.make_bot(config, tg.read_token(config)) as bot:
        sender = tg.TelegramSender(
            bot,
            tg.Pacer(t.max_messages_per_second, t.per_chat_interval_s),
            max_attempts=t.max_attempts,
            backoff_s=t.backoff_s,
        )
        out = []
        for row in rows:

            def before(row_id: int = row.id) -> None:
                ledger.mark_sending(conn, row_id, 1, now=now())

            out.append((row, await sender.send_document(int(row.recipient), pdf, caption=caption, before_send=before)))
        return out


def notify_admins(config: Config, text: str) -> list[DeliveryResult]:
    """Send ``text`` to every ``[telegram].admin_chat_ids`` chat (job failures, health); never raises for a chat.

    Raises:
        ConfigError: admins are configured but the bot token is not.
    """
    chats = config.telegram.admin_chat_ids
    if not chats:
        return []

    async def send() -> list[DeliveryResult]:
        t = config.telegram
        async with tg.make_bot(config, tg.read_token(config)) as bot:
            sender = tg.TelegramSender(
                bot,
                tg.Pacer(t.max_messages_per_second, t.per_chat_interval_s),
                max_attempts=t.max_attempts,
                backoff_s=t.backoff_s,
            )
            results = []
            for chat in chats:
                for part in tg.split_text(text):
                    results.append(await sender.send_text(chat, part))
            return results

    return run_coroutine(send())
