"""What every delivery run shares: the summary record, the per-event run lock, notifiers, sync→async glue."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast

from reportbot.config import Config
from reportbot.errors import NotifyError
from reportbot.kinds import Channel, Event
from reportbot.notify import registry
from reportbot.notify.base import DeliveryResult, Message, Notifier, Outcome

log = logging.getLogger(__name__)
T = TypeVar("T")
LOCK_WAIT_S = 1800.0  # a rerun of the same event waits this long for the running one
MAX_BACKOFF_S = 30.0


@dataclass(frozen=True)
class DeliverySummary:
    """What one delivery run did."""

    as_of: date
    events: tuple[Event, ...]
    due: int = 0  # (event, IPO) pairs due on as_of
    planned: int = 0  # new ledger rows
    sent: int = 0
    failed: int = 0  # gave up for now (retryable ones are retried by a later run while the event is timely)
    in_doubt: int = 0  # may have reached the recipient: listed, never resent automatically
    deactivated: int = 0  # subscribers marked inactive after 403 (normal churn, not a failure)
    expired: int = 0  # past the event's deadline, not sent
    run_id: int = 0
    dry_run: bool = False
    messages: tuple[tuple[str, str], ...] = ()  # (recipient, text) in a dry run
    failures: tuple[str, ...] = field(default=())  # "channel:recipient item/event: reason"
    doubts: tuple[str, ...] = field(default=())  # the same for in-doubt rows
    expirations: tuple[str, ...] = field(default=())

    def line(self) -> str:
        """The run's result as one short line (logs, job detail)."""
        return (
            f"delivery run {self.run_id} {self.as_of.isoformat()} {'+'.join(self.events)}: planned {self.planned},"
            f" sent {self.sent}, failed {self.failed}, in doubt {self.in_doubt}, blocked {self.deactivated},"
            f" expired {self.expired}"
        )

    def __str__(self) -> str:
        """The short line."""
        return self.line()


@contextlib.contextmanager
def delivery_lock(config: Config, key: str = "alerts", *, wait_s: float | None = None) -> Iterator[None]:
    """One delivery run at a time per database and ``key`` (an event, or the monthly report).

    The lock is an ``flock`` on an open file: a killed holder releases it, and forked sender processes
    inherit the open file, so the lock holds until the parent *and* every sender are gone. It is released
    by closing (never by an explicit unlock, which would release it for the senders too).

    Raises:
        NotifyError: another run held the lock for longer than ``wait_s`` (default LOCK_WAIT_S).
    """
    path = Path(f"{config.paths.database}.delivery-{key}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    limit = LOCK_WAIT_S if wait_s is None else wait_s
    give_up = time.monotonic() + limit
    logged = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= give_up:
                os.close(fd)
                raise NotifyError(f"another delivery run has held {path} for over {limit:g} s") from None
            if not logged:
                log.info("waiting for another delivery run (lock %s)", path)
                logged = True
            time.sleep(0.1)
    try:
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def delivery_locks(config: Config, keys: tuple[Event, ...], *, wait_s: float | None = None) -> Iterator[None]:
    """:func:`delivery_lock` for several keys, taken in sorted order (no deadlock between runs)."""
    with contextlib.ExitStack() as stack:
        for key in sorted(set(keys)):
            stack.enter_context(delivery_lock(config, key, wait_s=wait_s))
        yield


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
    return cast(T, box["value"])


@contextlib.asynccontextmanager
async def open_notifiers(config: Config, channels: Iterable[Channel]) -> AsyncIterator[dict[Channel, Notifier]]:
    """Started notifiers for ``channels`` from the registry, closed on exit.

    Raises:
        ConfigError: a channel's credentials are not configured.
        NotifyError: a channel is unreachable or rejects our credentials.
    """
    opened: dict[Channel, Notifier] = {}
    try:
        for channel in sorted(set(channels)):
            opened[channel] = registry.notifier_for(config, channel)
            await opened[channel].start()
        yield opened
    finally:
        for notifier in opened.values():
            await notifier.close()


def backoff_s(config: Config, failures: int) -> float:
    """Seconds before retry number ``failures`` (from ``[telegram].backoff_s``, doubling, at most 30 s)."""
    delay: float = min(config.telegram.backoff_s * 2 ** (failures - 1), MAX_BACKOFF_S)
    return delay


async def send_retrying(config: Config, notifier: Notifier, message: Message) -> DeliveryResult:
    """Deliver one message outside a fan-out, retrying (with backoff) what definitely did not arrive."""
    failures, limit = 0, config.telegram.max_attempts
    while True:
        result = await notifier.send(message)
        if result.outcome is not Outcome.RETRY or result.retry_after_s is not None:
            return result
        failures += 1
        if failures >= limit:
            return dataclasses.replace(result, detail=f"{result.detail} (attempt {failures}/{limit})")
        log.warning("%s: %s: %s; retrying", notifier.channel, message.recipient, result.detail)
        await asyncio.sleep(backoff_s(config, failures))
