"""Alert delivery: plan one ledger row per recipient and event (carrying every IPO of the event), send, record.

Exactly once: a row is sent while its event is timely (see ``deadlines``), retried while a retry cannot
duplicate it, and set ``in_doubt`` (listed, never resent automatically) when the request may have arrived.
A restart settles what a killed run left on the wire as in doubt and sends what is still pending.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from reportbot.config import Config
from reportbot.domain import Ipo, SubscriberSettings
from reportbot.errors import ConfigError, NotifyError
from reportbot.kinds import Channel, Clock, DeliveryStatus, Event
from reportbot.model.defaults import default_settings
from reportbot.notify.base import Limits, Message, split_text
from reportbot.notify.console import ConsoleNotifier
from reportbot.pipeline import deadlines, fanout
from reportbot.pipeline.alerting import AlertComposer, Predictor, due_alerts
from reportbot.pipeline.delivery_common import DeliverySummary, delivery_lock, delivery_locks, run_coroutine
from reportbot.pipeline.delivery_report import admin_report
from reportbot.pipeline.management import notify_admins
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import ipos as ipo_store
from reportbot.store import subscribers as sub_store
from reportbot.summary import alert
from reportbot.tradingcal import calendar_for

log = logging.getLogger(__name__)
DEFAULT_RECIPIENT = "默认设置"
MESSAGE_GAP = "\n\n"  # between the IPOs of one event in one message
PERSONAL = frozenset({Channel.TELEGRAM})  # reach each subscriber in their own chat; the others post to one group
ALERT_EVENTS = tuple(Event(e) for e in alert.EVENTS)


@dataclass(frozen=True)
class _Due:
    """What one run is about: the day, its events and the (event, IPO) pairs due."""

    as_of: date
    events: tuple[Event, ...]
    pairs: list[tuple[str, Ipo]]


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
        ConfigError: unknown event or channel, or a channel without its token/URL.
        NotifyError: the Bot API is unreachable (rows stay pending) or another run holds the event's lock.
    """
    day = as_of or now().date()
    pairs = due_alerts(config, conn, day, event)
    due = _Due(day, ALERT_EVENTS if event is None else (Event(event),), pairs)
    composer = AlertComposer(config, conn, predictor)
    if dry_run:
        return _dry_run(config, conn, due, composer)
    with delivery_locks(config, due.events):
        summary = _send_locked(config, conn, now, due, composer)
    _tell_admins(config, summary)
    return summary


def _send_locked(
    config: Config, conn: sqlite3.Connection, now: Clock, due: _Due, composer: AlertComposer
) -> DeliverySummary:
    conn.execute("PRAGMA synchronous=NORMAL")  # commits survive SIGKILL; only power loss could lose one
    subscribers = sub_store.list_subscribers(conn, active_only=True)
    stamp = now()
    with db.transaction(conn):
        recovered = ledger.recover_in_doubt(conn, now=stamp, events=due.events)
        planned = ledger.plan(conn, _planned(config, subscribers, due), now=stamp)
        expired = ledger.expire(conn, due.events, now=stamp)
        run_id = ledger.start_run(conn, due.events, due.as_of, now=stamp)
        rows = ledger.sendable(conn, due.events, now=stamp)
        ledger.claim(conn, [r.id for r in rows + recovered], run_id)
    job = fanout.Fanout(config, now, _Texts(config, conn, composer, subscribers).parts)
    try:
        fanout.deliver(job, conn, rows)
        retry = [r for r in ledger.by_run(conn, run_id, DeliveryStatus.FAILED) if r.retryable]
        if retry:  # one automatic retry pass for what failed retryably
            log.warning("delivery run %d: retrying %d failed deliveries once", run_id, len(retry))
            fanout.deliver(job, conn, retry)
    finally:
        summary = _summary(conn, run_id, due, planned, expired)
        with db.transaction(conn):
            ledger.finish_run(conn, run_id, summary.line(), now=now())
    log.info("%s", summary.line())
    return summary


def alert_channels(config: Config) -> tuple[Channel, ...]:
    """``[notify].alert_channels`` as channels.

    Raises:
        ConfigError: an unknown channel name.
    """
    known = (Channel.TELEGRAM, Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)
    for name in config.notify.alert_channels:
        if name not in known:
            raise ConfigError(f"notify.alert_channels: unknown channel {name!r}; known: {', '.join(known)}")
    return tuple(Channel(name) for name in config.notify.alert_channels)


def _planned(config: Config, subscribers: list[sub_store.Subscriber], due: _Due) -> list[ledger.PlannedDelivery]:
    """One row per recipient and event; the item lists the event's IPO codes."""
    by_event: dict[Event, list[str]] = defaultdict(list)
    for event, ipo in due.pairs:
        by_event[Event(event)].append(ipo.code)
    cal = calendar_for(config)
    out = []
    for event, codes in by_event.items():
        item, limit = ",".join(sorted(codes)), deadlines.deadline(event, due.as_of, cal)
        for channel in alert_channels(config):
            recipients = [str(s.chat_id) for s in subscribers] if channel in PERSONAL else [str(channel)]
            out += [
                ledger.PlannedDelivery(
                    channel=channel, recipient=r, item=item, event=event, event_date=due.as_of, deadline=limit
                )
                for r in recipients
            ]
    return out


class _Texts:
    """The messages of a ledger row: every IPO of its event, for the recipient's own settings."""

    def __init__(
        self, config: Config, conn: sqlite3.Connection, composer: AlertComposer, subscribers: list[sub_store.Subscriber]
    ) -> None:
        self.conn, self.composer, self.default = conn, composer, default_settings(config)
        self.settings = {str(s.chat_id): s.settings for s in subscribers}
        self._ipos: dict[str, list[Ipo] | None] = {}
        self._parts: dict[tuple[str, Event, SubscriberSettings, int], list[str]] = {}

    def parts(self, row: ledger.LedgerRow, limits: Limits) -> list[Message] | None:
        settings = self.settings.get(row.recipient) if row.channel in PERSONAL else self.default
        ipos = self._items(row.item)
        if settings is None or ipos is None:
            return None
        key = (row.item, row.event, settings, limits.max_chars)
        if key not in self._parts:
            text = MESSAGE_GAP.join(self.composer.text(ipo, row.event, settings) for ipo in ipos)
            self._parts[key] = split_text(text, limits.max_chars)
        return [Message(recipient=row.recipient, text=part) for part in self._parts[key]]

    def _items(self, item: str) -> list[Ipo] | None:
        if item not in self._ipos:
            found = [ipo_store.get_ipo(self.conn, code) for code in item.split(",")]
            self._ipos[item] = None if any(i is None for i in found) else [i for i in found if i is not None]
        return self._ipos[item]


def _summary(
    conn: sqlite3.Connection, run_id: int, due: _Due, planned: int, expired: list[ledger.LedgerRow]
) -> DeliverySummary:
    failed = ledger.by_run(conn, run_id, DeliveryStatus.FAILED)
    blocked = [r for r in failed if r.reason.startswith("403")]
    failed = [r for r in failed if not r.reason.startswith("403")]
    doubts = ledger.by_run(conn, run_id, DeliveryStatus.IN_DOUBT)
    return DeliverySummary(
        as_of=due.as_of,
        events=due.events,
        due=len(due.pairs),
        planned=planned,
        sent=len(ledger.by_run(conn, run_id, DeliveryStatus.SENT)),
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


def _dry_run(config: Config, conn: sqlite3.Connection, due: _Due, composer: AlertComposer) -> DeliverySummary:
    subscribers = sub_store.list_subscribers(conn, active_only=True)
    done = ledger.delivered_keys(conn, due.as_of, due.events)
    default = default_settings(config)
    targets = [(str(s.chat_id), s.settings) for s in subscribers] or [(DEFAULT_RECIPIENT, default)]
    console = ConsoleNotifier()
    for event, ipos in _by_event(due.pairs).items():
        for channel in alert_channels(config):
            for recipient, settings in targets if channel in PERSONAL else [(str(channel), default)]:
                if (channel, recipient, event) not in done:
                    text = MESSAGE_GAP.join(composer.text(ipo, event, settings) for ipo in ipos)
                    run_coroutine(console.send(Message(recipient=f"{channel}:{recipient}", text=text)))
    return DeliverySummary(
        as_of=due.as_of, events=due.events, due=len(due.pairs), dry_run=True, messages=tuple(console.messages)
    )


def _by_event(pairs: list[tuple[str, Ipo]]) -> dict[Event, list[Ipo]]:
    out: dict[Event, list[Ipo]] = defaultdict(list)
    for event, ipo in pairs:
        out[Event(event)].append(ipo)
    return out


def resend(config: Config, conn: sqlite3.Connection, now: Clock, run_id: int, *, status: str) -> DeliverySummary:
    """Send again the ``failed`` or ``in_doubt`` rows of delivery run ``run_id`` (an operator's decision).

    In-doubt rows may then arrive twice; that is what the operator chose. Rows past their deadline are
    resent too: the operator asked for them.

    Raises:
        NotifyError: the run has no such rows.
    """
    rows = [r for r in ledger.by_run(conn, run_id, DeliveryStatus(status)) if not r.reason.startswith("403")]
    if not rows:
        raise NotifyError(f"delivery run {run_id} has no {status} deliveries to resend")
    due = _Due(now().date(), tuple(sorted({r.event for r in rows})), [])
    with delivery_locks(config, due.events):
        with db.transaction(conn):
            ledger.reopen(conn, [r.id for r in rows], now=now())
        subscribers = sub_store.list_subscribers(conn, active_only=True)
        texts = _Texts(config, conn, AlertComposer(config, conn), subscribers)
        fanout.deliver(fanout.Fanout(config, now, texts.parts), conn, rows)
        return _summary(conn, run_id, due, 0, [])


def resume(config: Config, conn: sqlite3.Connection, now: Clock) -> list[DeliverySummary]:
    """Resume what interrupted or failed runs left while each event is timely; expire the rest (admin message).

    An event whose send is running now (its lock is held) is skipped: that run sends its own rows.
    """
    out = []
    for event in ALERT_EVENTS:
        if not ledger.sendable(conn, (event,), now=now()) and not ledger.expirable(conn, (event,), now=now()):
            continue
        try:
            with delivery_lock(config, event, wait_s=0):
                summary = _send_locked(config, conn, now, _Due(now().date(), (event,), []), AlertComposer(config, conn))
        except NotifyError as exc:
            log.warning("resume of %s skipped: %s", event, exc)
            continue
        _tell_admins(config, summary)
        out.append(summary)
    return out


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
