"""Alert and report delivery: plan ledger rows, compose per-subscriber texts, send, record outcomes.

Exactly-once: every delivery is a ledger row (channel × recipient × item × event, unique). A row is
committed ``sending`` the moment its request has been written to the socket and ``sent`` right after the
answer; a restart settles rows a killed run left ``sending`` without re-sending them (Telegram may have
them), then sends what is still ``pending`` (Telegram never got those).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import sqlite3
import zlib
from dataclasses import dataclass, field
from datetime import date

from reportbot.config import Config
from reportbot.domain import Ipo, SubscriberSettings
from reportbot.notify import telegram as tg
from reportbot.notify import webhooks
from reportbot.notify.base import DeliveryResult
from reportbot.notify.console import ConsoleNotifier
from reportbot.pipeline import Clock
from reportbot.pipeline.alerting import AlertComposer, Predictor, default_settings, due_alerts
from reportbot.pipeline.delivery_common import DeliverySummary, delivery_lock, run_coroutine
from reportbot.pipeline.management import deliver_monthly_report, notify_admins
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import subscribers as sub_store
from reportbot.summary import alert

log = logging.getLogger(__name__)
DEFAULT_RECIPIENT = "默认设置"
SENT_BATCH = 64  # final "sent" marks committed together


# Re-exported: the scheduler's job targets name them here.
__all__ = [
    "DeliverySummary",
    "deliver_monthly_report",
    "delivery_lock",
    "notify_admins",
    "run_coroutine",
    "send_alerts",
]


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
    subscribers = sub_store.list_subscribers(conn, active_only=True)
    if dry_run:
        return _dry_run(config, conn, as_of, events, due, composer, subscribers)
    with delivery_lock(config):
        return _send_locked(config, conn, now, as_of, events, due, composer, subscribers)


def _send_locked(
    config: Config,
    conn: sqlite3.Connection,
    now: Clock,
    as_of: date,
    events: tuple[str, ...],
    due: list[tuple[str, Ipo]],
    composer: AlertComposer,
    subscribers: list[sub_store.Subscriber],
) -> DeliverySummary:
    conn.execute("PRAGMA synchronous=NORMAL")  # commits survive SIGKILL; only power loss could lose one
    by_code = {ipo.code: ipo for _, ipo in due}
    channels = config.notify.alert_channels
    journal = ledger.journal_path(config.paths.database)
    with db.transaction(conn):
        recovered = ledger.recover_in_doubt(conn, now=now(), journal=journal)
        planned = ledger.plan(conn, _planned(channels, subscribers, due, as_of), now=now())
        _expire_stale(conn, as_of, now)
    ledger.clear_journal(journal)
    rows = [r for r in ledger.list_rows(conn, status=ledger.PENDING, event_date=as_of) if r.event in events]
    settings = {str(s.chat_id): s.settings for s in subscribers}
    shard = _Shard(config, now, composer.predictor, by_code, settings)
    processes = max(1, config.telegram.send_processes)
    if processes > 1 and len(rows) >= 2 * processes:
        totals = shard.run_processes(rows, processes)
    else:
        totals = shard.run(conn, composer, rows) if rows else _Totals()
    ledger.clear_journal(journal)  # every outcome of this run is in the database now
    return DeliverySummary(
        as_of=as_of,
        events=tuple(events),
        due=len(due),
        planned=planned,
        sent=totals.sent,
        failed=totals.failed,
        in_doubt=len(recovered),
        deactivated=totals.deactivated,
        failures=tuple(totals.failures),
    )


@dataclass
class _Totals:
    sent: int = 0
    failed: int = 0
    deactivated: int = 0
    failures: list[str] = field(default_factory=list)


_FORKED: _Shard | None = None  # what forked sender processes inherit


class _Shard:
    """Sends ledger rows in this process, or split by recipient over forked processes.

    Each chat's rows stay in one process (per-chat pacing holds) and each process gets an equal part of
    the global rate. Every process writes the ledger through its own connection.
    """

    def __init__(
        self,
        config: Config,
        now: Clock,
        predictor: Predictor | None,
        ipos: dict[str, Ipo],
        settings: dict[str, SubscriberSettings],
    ) -> None:
        self.config, self.now, self.predictor, self.ipos, self.settings = config, now, predictor, ipos, settings
        self.parts: list[list[ledger.LedgerRow]] = []

    def run(self, conn: sqlite3.Connection, composer: AlertComposer, rows: list[ledger.LedgerRow]) -> _Totals:
        run = _Run(self.config, conn, self.now, composer, self.ipos, self.settings)
        run_coroutine(run.send_all(rows))
        return _Totals(run.sent, run.failed, run.deactivated, run.failures)

    def run_processes(self, rows: list[ledger.LedgerRow], processes: int) -> _Totals:
        global _FORKED
        self.parts = [[] for _ in range(processes)]
        for row in rows:
            self.parts[zlib.crc32(row.recipient.encode()) % processes].append(row)
        rate = self.config.telegram.max_messages_per_second / processes
        self.config = dataclasses.replace(
            self.config, telegram=dataclasses.replace(self.config.telegram, max_messages_per_second=rate)
        )
        _FORKED = self
        try:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                results = pool.map(_run_forked_part, range(processes))
        finally:
            _FORKED = None
        total = _Totals()
        for part in results:
            total.sent += part.sent
            total.failed += part.failed
            total.deactivated += part.deactivated
            total.failures += part.failures
        return total


def _run_forked_part(index: int) -> _Totals:
    shard = _FORKED
    assert shard is not None, "sender processes must be forked from send_alerts"
    conn = db.connect(shard.config.paths.database)
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        return shard.run(conn, AlertComposer(shard.config, conn, shard.predictor), shard.parts[index])
    finally:
        conn.close()


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
    console = ConsoleNotifier()
    for event, ipo in due:
        for channel in config.notify.alert_channels:
            chosen = targets if channel == tg.CHANNEL else [(channel, default_settings(config))]
            for recipient, settings in chosen:
                if (channel, recipient, ipo.code, event) not in sent:
                    console.send_text(f"{channel}:{recipient}", composer.text(ipo, event, settings))
    return DeliverySummary(as_of=as_of, events=events, due=len(due), dry_run=True, messages=tuple(console.messages))


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
        self._done: list[tuple[int, int, int]] = []
        self._attempts: dict[int, int] = {}
        self.journal: ledger.WireJournal | None = None
        self._split: dict[tuple[str, str, SubscriberSettings], list[str]] = {}

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
        self.journal = ledger.WireJournal(ledger.journal_path(self.config.paths.database))
        try:
            workers = max(1, self.config.telegram.send_concurrency)
            await asyncio.gather(*(self._worker(queue) for _ in range(workers)))
        finally:
            self._flush_sent()
            self.journal.close()
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
        parts = self._parts(ipo, row.event, settings)
        for index in range(row.parts_sent, len(parts)):
            result = await self._send_part(row, index, parts[index], len(parts))
            if not result.ok:
                self._fail(row, result.detail, permanent=result.permanent)
                return
            if index + 1 < len(parts):
                ledger.mark_part_sent(self.conn, row.id, index + 1, len(parts), now=self.now())
        # The last part's "sent" may wait for a batch: until then the row stays "sending", which a
        # restart settles as delivered without re-sending, so batching cannot cause a duplicate.
        self._done.append((row.id, len(parts), self._attempts.pop(row.id, 0)))
        if len(self._done) >= SENT_BATCH:
            self._flush_sent()
        self.sent += 1

    def _parts(self, ipo: Ipo, event: str, settings: SubscriberSettings) -> list[str]:
        key = (ipo.code, event, settings)
        if key not in self._split:
            self._split[key] = tg.split_text(self.composer.text(ipo, event, settings))
        return self._split[key]

    def _flush_sent(self) -> None:
        if self._done:
            with db.transaction(self.conn):
                ledger.mark_sent_many(self.conn, self._done, now=self.now())
            self._done = []

    async def _send_part(self, row: ledger.LedgerRow, index: int, text: str, total: int) -> DeliveryResult:
        journal = self.journal
        assert journal is not None

        def before() -> None:  # the request has been handed to the kernel
            journal.record(row.id, index, total)
            self._attempts[row.id] = self._attempts.get(row.id, 0) + 1

        def retry(reason: str) -> None:  # that attempt definitely failed
            journal.retract(row.id, index, total)
            ledger.mark_pending(self.conn, row.id, reason, now=self.now())

        if row.channel == tg.CHANNEL:
            assert self.sender is not None
            return await self.sender.send_text(int(row.recipient), text, before_send=before, on_retry=retry)
        before()
        return await asyncio.to_thread(webhooks.send_to_channel, self.config, row.channel, text)

    def _fail(self, row: ledger.LedgerRow, reason: str, *, permanent: bool = False) -> None:
        ledger.mark_failed(self.conn, row.id, reason, now=self.now(), attempts=self._attempts.pop(row.id, 0))
        self.failed += 1
        self.failures.append(f"{row.channel}:{row.recipient} {row.item}/{row.event}: {reason}")
        if permanent and row.channel == tg.CHANNEL:
            sub_store.deactivate(self.conn, int(row.recipient), f"blocked the bot ({reason})", now=self.now())
            self.deactivated += 1
            log.warning("subscriber %s blocked the bot; marked inactive", row.recipient)
