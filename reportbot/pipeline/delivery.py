"""Alert delivery: plan one ledger row per subscriber and event (carrying every IPO of the event), send, record.

Exactly once: a row is sent while its event is timely (see ``deadlines``), retried while a retry cannot
duplicate it, and set ``in_doubt`` (listed, never resent automatically) when the request may have arrived.
A restart settles what a killed run left on the wire as in doubt and sends what is still pending.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import defaultdict
from datetime import date, timedelta

from reportbot.config import Config
from reportbot.domain import Ipo, SubscriberSettings
from reportbot.errors import NotifyError
from reportbot.kinds import Clock
from reportbot.model.defaults import default_settings
from reportbot.notify import telegram as tg
from reportbot.notify.console import ConsoleNotifier
from reportbot.pipeline import deadlines, fanout
from reportbot.pipeline.alerting import AlertComposer, Predictor, due_alerts
from reportbot.pipeline.delivery_common import DeliverySummary, delivery_lock, delivery_locks, run_coroutine
from reportbot.pipeline.delivery_report import admin_report
from reportbot.pipeline.management import deliver_monthly_report, notify_admins
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import ipos as ipo_store
from reportbot.store import subscribers as sub_store
from reportbot.summary import alert
from reportbot.tradingcal import calendar_for

log = logging.getLogger(__name__)
DEFAULT_RECIPIENT = "默认设置"
MESSAGE_GAP = "\n\n"  # between the IPOs of one event in one message


# Re-exported: the scheduler's job targets name them here.
__all__ = [
    "DeliverySummary",
    "deliver_monthly_report",
    "delivery_lock",
    "due_alerts",
    "notify_admins",
    "prune_job",
    "resend",
    "resume_job",
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

    Also sends what earlier runs of the same events left pending or retryable while still timely. What
    did not go out (failed, in doubt, expired) is listed by chat in one admin message.

    Raises:
        ConfigError: unknown event, or a channel without its token/URL.
        NotifyError: the Bot API is unreachable (rows stay pending) or another run holds the event's lock.
    """
    as_of = as_of or now().date()
    events = alert.EVENTS if event is None else (event,)
    due = due_alerts(config, conn, as_of, event)
    composer = AlertComposer(config, conn, predictor)
    if dry_run:
        return _dry_run(config, conn, as_of, events, due, composer)
    with delivery_locks(config, events):
        summary = _send_locked(config, conn, now, as_of, events, due, composer)
    _tell_admins(config, summary)
    return summary


def _send_locked(
    config: Config,
    conn: sqlite3.Connection,
    now: Clock,
    as_of: date,
    events: tuple[str, ...],
    due: list[tuple[str, Ipo]],
    composer: AlertComposer,
) -> DeliverySummary:
    conn.execute("PRAGMA synchronous=NORMAL")  # commits survive SIGKILL; only power loss could lose one
    journals = {e: ledger.journal_path(config.paths.database, e) for e in events}
    subscribers = sub_store.list_subscribers(conn, active_only=True)
    stamp = now()
    with db.transaction(conn):
        recovered = [
            r for e in events for r in ledger.recover_in_doubt(conn, now=stamp, journal=journals[e], events=(e,))
        ]
        planned = ledger.plan(conn, _planned(config, subscribers, due, as_of), now=stamp)
        expired = ledger.expire(conn, events, now=stamp)
        run_id = ledger.start_run(conn, events, as_of, now=stamp)
        rows = ledger.sendable(conn, events, now=stamp)
        ledger.claim(conn, [r.id for r in rows + recovered], run_id)
    for journal in journals.values():
        ledger.clear_journal(journal)
    job = fanout.Fanout(config, now, _Texts(config, conn, composer, subscribers).parts, journals)
    try:
        fanout.deliver(job, conn, rows)
        retry = [r for r in ledger.by_run(conn, run_id, ledger.FAILED) if r.retryable]
        if retry:  # one automatic retry pass for what failed retryably
            log.warning("delivery run %d: retrying %d failed deliveries once", run_id, len(retry))
            fanout.deliver(job, conn, retry)
    finally:
        summary = _summary(conn, run_id, as_of, events, len(due), planned, expired)
        with db.transaction(conn):
            ledger.finish_run(conn, run_id, summary.line(), now=now())
        for journal in journals.values():
            ledger.clear_journal(journal)  # every outcome of this run is in the database now
    log.info("%s", summary.line())
    return summary


def _planned(
    config: Config, subscribers: list[sub_store.Subscriber], due: list[tuple[str, Ipo]], as_of: date
) -> list[ledger.PlannedDelivery]:
    """One row per recipient and event; the item lists the event's IPO codes."""
    by_event: dict[str, list[str]] = defaultdict(list)
    for event, ipo in due:
        by_event[event].append(ipo.code)
    cal = calendar_for(config)
    out = []
    for event, codes in by_event.items():
        item, limit = ",".join(sorted(codes)), deadlines.deadline(event, as_of, cal)
        for channel in config.notify.alert_channels:
            recipients = [str(s.chat_id) for s in subscribers] if channel == tg.CHANNEL else [channel]
            out += [
                ledger.PlannedDelivery(
                    channel=channel, recipient=r, item=item, event=event, event_date=as_of, deadline=limit
                )
                for r in recipients
            ]
    return out


class _Texts:
    """The message parts of a ledger row: every IPO of its event, for the recipient's own settings."""

    def __init__(
        self, config: Config, conn: sqlite3.Connection, composer: AlertComposer, subscribers: list[sub_store.Subscriber]
    ) -> None:
        self.config, self.conn, self.composer = config, conn, composer
        self.settings = {str(s.chat_id): s.settings for s in subscribers}
        self._ipos: dict[str, list[Ipo] | None] = {}
        self._parts: dict[tuple[str, str, SubscriberSettings], list[str]] = {}

    def parts(self, row: ledger.LedgerRow) -> list[str] | None:
        settings = self.settings.get(row.recipient) if row.channel == tg.CHANNEL else default_settings(self.config)
        ipos = self._items(row.item)
        if settings is None or ipos is None:
            return None
        key = (row.item, row.event, settings)
        if key not in self._parts:
            text = MESSAGE_GAP.join(self.composer.text(ipo, row.event, settings) for ipo in ipos)
            self._parts[key] = tg.split_text(text)
        return self._parts[key]

    def _items(self, item: str) -> list[Ipo] | None:
        if item not in self._ipos:
            found = [ipo_store.get_ipo(self.conn, code) for code in item.split(",")]
            self._ipos[item] = None if any(i is None for i in found) else [i for i in found if i is not None]
        return self._ipos[item]


def _summary(
    conn: sqlite3.Connection,
    run_id: int,
    as_of: date,
    events: tuple[str, ...],
    due: int,
    planned: int,
    expired: list[ledger.LedgerRow],
) -> DeliverySummary:
    failed = ledger.by_run(conn, run_id, ledger.FAILED)
    blocked = [r for r in failed if r.reason.startswith("403")]
    failed = [r for r in failed if not r.reason.startswith("403")]
    doubts = ledger.by_run(conn, run_id, ledger.IN_DOUBT)
    sent = len(ledger.by_run(conn, run_id, ledger.SENT))
    return DeliverySummary(
        as_of=as_of,
        events=events,
        due=due,
        planned=planned,
        sent=sent,
        failed=len(failed),
        in_doubt=len(doubts),
        deactivated=len(blocked),
        expired=len(expired),
        run_id=run_id,
        failures=tuple(_describe(r) for r in failed),
        doubts=tuple(_describe(r) for r in doubts),
        expirations=tuple(_describe(r) for r in expired),
    )


def _describe(row: ledger.LedgerRow) -> str:
    return f"{row.channel}:{row.recipient} {row.item}/{row.event}: {row.reason}"


def _dry_run(
    config: Config,
    conn: sqlite3.Connection,
    as_of: date,
    events: tuple[str, ...],
    due: list[tuple[str, Ipo]],
    composer: AlertComposer,
) -> DeliverySummary:
    subscribers = sub_store.list_subscribers(conn, active_only=True)
    done = ledger.delivered_keys(conn, as_of, events)
    targets = [(str(s.chat_id), s.settings) for s in subscribers] or [(DEFAULT_RECIPIENT, default_settings(config))]
    by_event: dict[str, list[Ipo]] = defaultdict(list)
    for event, ipo in due:
        by_event[event].append(ipo)
    console = ConsoleNotifier()
    for event, ipos in by_event.items():
        for channel in config.notify.alert_channels:
            chosen = targets if channel == tg.CHANNEL else [(channel, default_settings(config))]
            for recipient, settings in chosen:
                if (channel, recipient, event) not in done:
                    text = MESSAGE_GAP.join(composer.text(ipo, event, settings) for ipo in ipos)
                    console.send_text(f"{channel}:{recipient}", text)
    return DeliverySummary(as_of=as_of, events=events, due=len(due), dry_run=True, messages=tuple(console.messages))


def resend(config: Config, conn: sqlite3.Connection, now: Clock, run_id: int, *, status: str) -> DeliverySummary:
    """Send again the ``failed`` or ``in_doubt`` rows of delivery run ``run_id`` (an operator's decision).

    In-doubt rows may then arrive twice; that is what the operator chose. Rows past their deadline are
    resent too: the operator asked for them.

    Raises:
        NotifyError: the run has no such rows.
    """
    rows = [r for r in ledger.by_run(conn, run_id, status) if not r.reason.startswith("403")]
    if not rows:
        raise NotifyError(f"delivery run {run_id} has no {status} deliveries to resend")
    events = tuple(sorted({r.event for r in rows}))
    with delivery_locks(config, events):
        with db.transaction(conn):
            ledger.reopen(conn, [r.id for r in rows], now=now())
        journals = {e: ledger.journal_path(config.paths.database, e) for e in events}
        subscribers = sub_store.list_subscribers(conn, active_only=True)
        composer = AlertComposer(config, conn)
        job = fanout.Fanout(config, now, _Texts(config, conn, composer, subscribers).parts, journals)
        fanout.deliver(job, conn, rows)
        for journal in journals.values():
            ledger.clear_journal(journal)
        return _summary(conn, run_id, now().date(), events, 0, 0, [])


def resume(config: Config, conn: sqlite3.Connection, now: Clock) -> list[DeliverySummary]:
    """Resume what interrupted or failed runs left while each event is timely; expire the rest (admin message).

    An event whose send is running now (its lock is held) is skipped: that run sends its own rows.
    """
    out = []
    for event in alert.EVENTS:
        if not ledger.sendable(conn, (event,), now=now()) and not _has_expirable(conn, event, now):
            continue
        try:
            with delivery_lock(config, event, wait_s=0):
                composer = AlertComposer(config, conn)
                summary = _send_locked(config, conn, now, now().date(), (event,), [], composer)
        except NotifyError as exc:
            log.warning("resume of %s skipped: %s", event, exc)
            continue
        _tell_admins(config, summary)
        out.append(summary)
    return out


def resume_job(config: Config, conn: sqlite3.Connection, now: Clock) -> str:
    """:func:`resume` as one line per event resumed."""
    return "; ".join(s.line() for s in resume(config, conn, now)) or "nothing to resume"


def _has_expirable(conn: sqlite3.Connection, event: str, now: Clock) -> bool:
    sql = (
        "SELECT 1 FROM deliveries WHERE status IN ('pending', 'failed') AND event = ?"
        " AND (status = 'pending' OR retryable = 1) AND deadline != '' AND deadline <= ? LIMIT 1"
    )
    return conn.execute(sql, (event, now().isoformat(timespec="seconds"))).fetchone() is not None


def prune_job(config: Config, conn: sqlite3.Connection, now: Clock) -> str:
    """Delete ledger rows older than ``[delivery].retention_days``."""
    before = now() - timedelta(days=config.delivery.retention_days)
    with db.transaction(conn):
        count = ledger.prune(conn, before)
    return f"pruned {count} ledger rows last updated before {before:%Y-%m-%d}"


def _tell_admins(config: Config, summary: DeliverySummary) -> None:
    text = admin_report(summary)
    if text is None:
        return
    if not config.telegram.admin_chat_ids:
        log.warning("admin message (no [telegram].admin_chat_ids configured): %s", text)
        return
    try:
        notify_admins(config, text)
    except Exception:  # the deliveries are recorded; a failed notice must not hide that
        log.exception("cannot send the delivery report to the admins")
