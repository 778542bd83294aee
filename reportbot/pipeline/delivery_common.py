"""What every delivery run shares: the summary record, the one-run-at-a-time lock, sync→async glue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import filelock

from reportbot.config import Config
from reportbot.errors import NotifyError

log = logging.getLogger(__name__)
T = TypeVar("T")
LOCK_WAIT_S = 1800.0  # a 10,000-subscriber fan-out at 30 msg/s takes about 6 minutes


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


@contextlib.contextmanager
def delivery_lock(config: Config) -> Iterator[None]:
    """One delivery run at a time per database (a second waits): recovery assumes nothing else is sending.

    The lock is an OS file lock, so a killed run releases it.

    Raises:
        NotifyError: another run held the lock for longer than LOCK_WAIT_S.
    """
    path = Path(f"{config.paths.database}.delivery.lock")
    lock = filelock.FileLock(path)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        log.info("waiting for another delivery run (lock %s)", path)
        try:
            lock.acquire(timeout=LOCK_WAIT_S)
        except filelock.Timeout as exc:
            raise NotifyError(f"another delivery run has held {path} for over {LOCK_WAIT_S} s") from exc
    try:
        yield
    finally:
        lock.release()


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
