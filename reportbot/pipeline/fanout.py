"""The fan-out engine: ledger rows out through each channel's notifier, each outcome written to the ledger.

Workers take rows from one queue. Right before each request leaves, its row is committed ``sending``
(a kill from then on leaves it in doubt, never resent). A retryable failure (5xx, no connection) puts
the row back with a not-before time, so a backoff never idles the other workers; after
``max_attempts`` it is ``failed`` and retryable. An attempt that may have arrived is ``in_doubt``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import itertools
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from reportbot.config import Config
from reportbot.errors import NotifyError
from reportbot.kinds import Channel, Clock
from reportbot.notify.base import DeliveryResult, Limits, Message, Notifier, Outcome
from reportbot.pipeline.delivery_common import backoff_s, open_notifiers, run_coroutine
from reportbot.store import deliveries as ledger
from reportbot.store import subscribers as sub_store

log = logging.getLogger(__name__)
PartsFor = Callable[[ledger.LedgerRow, Limits], list[Message] | None]  # None: nothing to deliver any more


@dataclass(frozen=True)
class Fanout:
    """One fan-out's inputs: the messages of a row, split to its channel's limits."""

    config: Config
    now: Clock
    parts_for: PartsFor


def deliver(job: Fanout, conn: sqlite3.Connection, rows: list[ledger.LedgerRow]) -> None:
    """Send ``rows``, writing each outcome to the ledger.

    Raises:
        NotifyError: a channel is unreachable or rejects our credentials; rows not sent stay pending.
    """
    if rows:
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
    """The fan-out of one run."""

    def __init__(self, job: Fanout, conn: sqlite3.Connection) -> None:
        self.job, self.conn, self.config = job, conn, job.config
        self.notifiers: dict[Channel, Notifier] = {}
        self._failures: dict[int, int] = {}
        self._progress: dict[int, int] = {}

    async def send_all(self, rows: list[ledger.LedgerRow]) -> None:
        async with open_notifiers(self.config, {r.channel for r in rows}) as notifiers:
            self.notifiers = notifiers
            queue = _Queue(rows)
            workers = max(1, self.config.telegram.send_concurrency)
            await asyncio.gather(*(self._work(queue) for _ in range(workers)))

    async def _work(self, queue: _Queue) -> None:
        while (row := await queue.get()) is not None:
            try:
                await self._deliver(row, queue)
            finally:
                queue.done()

    async def _deliver(self, row: ledger.LedgerRow, queue: _Queue) -> None:
        notifier = self.notifiers[row.channel]
        parts = self.job.parts_for(row, notifier.limits)
        if parts is None:
            self._fail(row, "subscriber inactive or its IPOs no longer in the store", retryable=False)
            return
        total = len(parts)
        for index in range(self._progress.get(row.id, row.parts_sent), total):
            message = dataclasses.replace(parts[index], on_wire=self._on_wire(row, total))
            try:
                result = await notifier.send(message)
            except NotifyError as exc:  # e.g. the token was revoked: the service answered, nothing went out
                ledger.mark_pending(self.conn, row.id, str(exc), now=self.job.now())
                raise
            if not result.ok:
                self._settle_failure(row, result, queue)
                return
            self._progress[row.id] = index + 1
            ledger.mark_part_sent(self.conn, row.id, index + 1, total, now=self.job.now())

    def _on_wire(self, row: ledger.LedgerRow, total: int) -> Callable[[], None]:
        def mark() -> None:  # committed before the request leaves: a kill from here on leaves it in doubt
            ledger.mark_sending(self.conn, row.id, total, now=self.job.now())

        return mark

    def _settle_failure(self, row: ledger.LedgerRow, result: DeliveryResult, queue: _Queue) -> None:
        if result.outcome is Outcome.IN_DOUBT:
            log.warning("%s:%s %s/%s: %s", row.channel, row.recipient, row.item, row.event, result.detail)
            ledger.mark_in_doubt(self.conn, row.id, result.detail, now=self.job.now())
        elif result.outcome is not Outcome.RETRY:
            self._fail(row, result.detail, retryable=False, blocked=result.outcome is Outcome.BLOCKED)
        elif result.retry_after_s is not None:  # the rate limiter already waited out its 429s
            self._fail(row, result.detail, retryable=True)
        else:
            failures = self._failures[row.id] = self._failures.get(row.id, 0) + 1
            max_attempts = self.config.telegram.max_attempts
            if failures < max_attempts:
                ledger.mark_pending(self.conn, row.id, result.detail, now=self.job.now())
                queue.retry(row, backoff_s(self.config, failures))
                return
            self._fail(row, f"{result.detail} (attempt {failures}/{max_attempts})", retryable=True)

    def _fail(self, row: ledger.LedgerRow, reason: str, *, retryable: bool, blocked: bool = False) -> None:
        log.warning("%s:%s %s/%s failed: %s", row.channel, row.recipient, row.item, row.event, reason)
        ledger.mark_failed(self.conn, row.id, reason, now=self.job.now(), retryable=retryable)
        if blocked:  # the recipient refuses us for good (a Telegram user blocked the bot)
            sub_store.deactivate(self.conn, int(row.recipient), f"blocked the bot ({reason})", now=self.job.now())
            log.warning("subscriber %s blocked the bot; marked inactive", row.recipient)
