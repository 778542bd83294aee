"""The fan-out engine: ledger rows out through the notifiers, each outcome written to the ledger.

Workers take rows from one queue. A retryable failure (5xx, no connection, 429) puts the row back with a
not-before time, so a backoff never idles the other workers; after ``max_attempts`` it is ``failed``
and retryable. An attempt that may have arrived is ``in_doubt`` and not repeated. With
``send_processes`` > 1 the rows are split by recipient over forked processes that die with their
parent (parent-death signal) and inherit the run's lock, which therefore holds until all are gone.
"""

from __future__ import annotations

import asyncio
import ctypes
import dataclasses
import heapq
import itertools
import logging
import multiprocessing
import os
import signal
import sqlite3
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportbot.config import Config
from reportbot.errors import NotifyError
from reportbot.kinds import Clock
from reportbot.notify import telegram as tg
from reportbot.notify import webhooks
from reportbot.notify.base import DeliveryResult
from reportbot.pipeline.delivery_common import run_coroutine
from reportbot.store import db
from reportbot.store import deliveries as ledger
from reportbot.store import subscribers as sub_store

log = logging.getLogger(__name__)
PartsFor = Callable[[ledger.LedgerRow], list[str] | None]  # None: nothing to deliver any more
SENT_BATCH = 64  # "sent" marks committed together
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Fanout:
    """One fan-out's inputs."""

    config: Config
    now: Clock
    parts_for: PartsFor
    journals: dict[str, Path]  # event → wire journal


def deliver(job: Fanout, conn: sqlite3.Connection, rows: list[ledger.LedgerRow]) -> None:
    """Send ``rows`` in this process or over ``send_processes`` forked processes.

    Raises:
        NotifyError: the Bot API is unreachable or rejects the token, or a sender process failed; rows
            not sent stay pending for the next run.
    """
    if not rows:
        return
    processes = max(1, job.config.telegram.send_processes)
    if processes > 1 and len(rows) >= 2 * processes:
        _deliver_forked(job, rows, processes)
    else:
        run_coroutine(_Worker(job, conn).send_all(rows))


class _Queue:
    """Rows ready now plus rows waiting for a retry time; ``get`` returns None when all are done."""

    def __init__(self, rows: list[ledger.LedgerRow]) -> None:
        self.ready: deque[ledger.LedgerRow] = deque(rows)
        self.later: list[tuple[float, int, ledger.LedgerRow]] = []
        self.active = 0
        self._seq = itertools.count()

    async def get(self) -> ledger.LedgerRow | None:
        while True:
            now = time.monotonic()
            while self.later and self.later[0][0] <= now:
                self.ready.append(heapq.heappop(self.later)[2])
            if self.ready:
                self.active += 1
                return self.ready.popleft()
            if not self.later and self.active == 0:
                return None
            wait = self.later[0][0] - now if self.later else 0.02
            await asyncio.sleep(min(max(wait, 0.001), 0.02))

    def done(self) -> None:
        self.active -= 1

    def retry(self, row: ledger.LedgerRow, delay_s: float) -> None:
        heapq.heappush(self.later, (time.monotonic() + delay_s, next(self._seq), row))


class _Worker:
    """The fan-out of one process."""

    def __init__(self, job: Fanout, conn: sqlite3.Connection) -> None:
        self.job, self.conn, self.config = job, conn, job.config
        self.sender: tg.TelegramSender | None = None
        self.journals: dict[str, ledger.WireJournal] = {}
        self._done: list[tuple[int, int, int]] = []
        self._attempts: dict[int, int] = {}
        self._failures: dict[int, int] = {}
        self._limited: dict[int, int] = {}
        self._progress: dict[int, int] = {}

    async def send_all(self, rows: list[ledger.LedgerRow]) -> None:
        bot = None
        if any(r.channel == tg.CHANNEL for r in rows):
            bot = tg.make_bot(self.config, tg.read_token(self.config))
            await tg.start_bot(bot, self.config.telegram.base_url)
            self.sender = tg.sender_for(self.config, bot)
        self.journals = {event: ledger.WireJournal(path) for event, path in self.job.journals.items()}
        queue = _Queue(rows)
        try:
            workers = max(1, self.config.telegram.send_concurrency)
            await asyncio.gather(*(self._work(queue) for _ in range(workers)))
        finally:
            self._flush_sent()
            for journal in self.journals.values():
                journal.close()
            if bot is not None:
                await bot.shutdown()

    async def _work(self, queue: _Queue) -> None:
        while (row := await queue.get()) is not None:
            try:
                await self._deliver(row, queue)
            finally:
                queue.done()

    async def _deliver(self, row: ledger.LedgerRow, queue: _Queue) -> None:
        parts = self.job.parts_for(row)
        if parts is None:
            self._fail(row, "subscriber inactive or its IPOs no longer in the store", retryable=False)
            return
        for index in range(self._progress.get(row.id, row.parts_sent), len(parts)):
            result = await self._send_part(row, index, parts[index], len(parts))
            if not result.ok:
                self._settle_failure(row, index, len(parts), result, queue)
                return
            self.journals[row.event].confirm(row.id, index, len(parts))
            if index + 1 < len(parts):
                self._progress[row.id] = index + 1
                ledger.mark_part_sent(self.conn, row.id, index + 1, len(parts), now=self.job.now())
        # The last part's "sent" may wait for a batch: until then the journal's confirmation stands for
        # it (a restart settles the row as sent), so batching cannot cause a duplicate.
        self._done.append((row.id, len(parts), self._attempts.pop(row.id, 0)))
        if len(self._done) >= SENT_BATCH:
            self._flush_sent()

    def _settle_failure(
        self, row: ledger.LedgerRow, index: int, total: int, result: DeliveryResult, queue: _Queue
    ) -> None:
        if result.in_doubt:
            log.warning("%s:%s %s/%s: %s", row.channel, row.recipient, row.item, row.event, result.detail)
            attempts = self._attempts.pop(row.id, 0)
            ledger.mark_in_doubt(
                self.conn, row.id, result.detail, now=self.job.now(), attempts=attempts, parts_sent=index
            )
            return
        self.journals[row.event].retract(row.id, index, total)
        if not result.retryable:
            self._fail(row, result.detail, retryable=False, blocked=result.permanent)
            return
        max_attempts = self.config.telegram.max_attempts
        if result.retry_after_s is not None:  # 429: the pacer already holds every send
            limited = self._limited[row.id] = self._limited.get(row.id, 0) + 1
            if limited <= 20:
                queue.retry(row, result.retry_after_s)
                return
        else:
            failures = self._failures[row.id] = self._failures.get(row.id, 0) + 1
            if failures < max_attempts:
                assert self.sender is not None or row.channel != tg.CHANNEL
                queue.retry(row, min(self.config.telegram.backoff_s * 2 ** (failures - 1), tg.MAX_BACKOFF_S))
                return
        self._fail(row, f"{result.detail} (attempt {self._failures.get(row.id, 0)}/{max_attempts})", retryable=True)

    def _flush_sent(self) -> None:
        if self._done:
            with db.transaction(self.conn):
                ledger.mark_sent_many(self.conn, self._done, now=self.job.now())
            self._done = []

    async def _send_part(self, row: ledger.LedgerRow, index: int, text: str, total: int) -> DeliveryResult:
        journal = self.journals[row.event]

        def before() -> None:  # the request is being handed to the kernel
            journal.record(row.id, index, total)
            self._attempts[row.id] = self._attempts.get(row.id, 0) + 1

        if row.channel == tg.CHANNEL:
            assert self.sender is not None
            return await self.sender.attempt_text(int(row.recipient), text, before_send=before)
        before()
        return await asyncio.to_thread(webhooks.send_to_channel, self.config, row.channel, text)

    def _fail(self, row: ledger.LedgerRow, reason: str, *, retryable: bool, blocked: bool = False) -> None:
        attempts = self._attempts.pop(row.id, 0)
        log.warning("%s:%s %s/%s failed: %s", row.channel, row.recipient, row.item, row.event, reason)
        ledger.mark_failed(self.conn, row.id, reason, now=self.job.now(), attempts=attempts, retryable=retryable)
        if blocked and row.channel == tg.CHANNEL:
            sub_store.deactivate(self.conn, int(row.recipient), f"blocked the bot ({reason})", now=self.job.now())
            log.warning("subscriber %s blocked the bot; marked inactive", row.recipient)


_FORKED: tuple[Fanout, list[list[ledger.LedgerRow]], int] | None = None  # what sender processes inherit


def _deliver_forked(job: Fanout, rows: list[ledger.LedgerRow], processes: int) -> None:
    global _FORKED
    parts: list[list[ledger.LedgerRow]] = [[] for _ in range(processes)]
    for row in rows:  # each chat stays in one process, so per-chat pacing holds
        parts[zlib.crc32(row.recipient.encode()) % processes].append(row)
    t, d = job.config.telegram, job.config.delivery
    share = dataclasses.replace(
        job.config,
        telegram=dataclasses.replace(t, max_messages_per_second=t.max_messages_per_second / processes),
        delivery=dataclasses.replace(d, paid_broadcast_rate=d.paid_broadcast_rate / processes),
    )
    ctx = multiprocessing.get_context("fork")
    results = ctx.SimpleQueue()
    _FORKED = (dataclasses.replace(job, config=share), parts, os.getpid())
    try:
        children = [
            ctx.Process(target=_child, args=(i, results), name=f"reportbot-sender-{i}") for i in range(processes)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join()
    finally:
        _FORKED = None
    errors = [str(results.get()) for _ in range(processes) if not results.empty()]
    errors = [e for e in errors if e]
    crashed = [c.exitcode for c in children if c.exitcode not in (0, 1)]
    if errors or crashed:
        detail = errors[0] if errors else f"a sender process ended with exit code {crashed[0]}"
        raise NotifyError(f"{detail} (rows not sent stay pending)")


def _child(index: int, results: multiprocessing.SimpleQueue[str]) -> None:
    assert _FORKED is not None, "sender processes must be forked by the fan-out"
    job, parts, parent = _FORKED
    die_with_parent(parent)
    conn = db.connect(job.config.paths.database)
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        run_coroutine(_Worker(job, conn).send_all(parts[index]))
    except NotifyError as exc:
        results.put(str(exc))
        raise SystemExit(1) from exc
    finally:
        conn.close()
    results.put("")


def die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); exit if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the lock still holds while this process lives
        log.warning("cannot set the parent-death signal for sender process %d", os.getpid())
    if os.getppid() != parent:
        os._exit(1)
