"""Small value types shared by every layer: the month, the clock, and the closed vocabularies.

Each vocabulary is a ``StrEnum``: a member compares equal to its stored string (``Channel.TELEGRAM ==
"telegram"``), so database rows, config values and log lines keep their text while code gets a checked,
closed set of names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self

Clock = Callable[[], datetime]  # returns the current time, timezone-aware (Asia/Shanghai)

BSE_OPENING = date(2021, 11, 15)  # the BSE opened; 精选层 offerings before it moved to the BSE that day
WEEKDAYS_ZH = "一二三四五六日"  # date.weekday() → the Chinese weekday character

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class Segment(StrEnum):
    """The board an offering belongs to."""

    BSE = "BSE"
    NEEQ_SELECT = "NEEQ_select"  # 新三板精选层 public offering, before the BSE opened


class Channel(StrEnum):
    """Where a message goes."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    CONSOLE = "console"


class Event(StrEnum):
    """What a message is about (stored in the delivery ledger)."""

    EVE = "eve"  # the trading day before subscription
    MORNING = "morning"  # subscription day
    RESULT = "result"  # allocation result published
    LISTING = "listing"  # first trading day
    BRIEF = "brief"  # the /ipo brief, on request
    MONTHLY = "monthly"  # the monthly report to management


class DeliveryStatus(StrEnum):
    """Where one planned message stands in the delivery ledger."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"  # the request left, no answer came back: it may have been delivered


class RunOutcome(StrEnum):
    """How a job run ended (stored in ``job_runs.outcome``)."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    MISSED = "missed"  # the scheduler was down at its time and the grace period passed
    INTERRUPTED = "interrupted"  # left ``running`` by a process that died

    @property
    def is_problem(self) -> bool:
        """Whether the run needs an operator's attention."""
        return self in (RunOutcome.FAILED, RunOutcome.PARTIAL, RunOutcome.MISSED, RunOutcome.INTERRUPTED)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``YYYY-MM`` in storage, logs and the CLI."""

    year: int
    month: int

    def __post_init__(self) -> None:
        """Reject a month outside 1–12."""
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Self:
        """``"2026-08"`` → ``Month(2026, 8)``; anything else raises ValueError naming the text."""
        match = _MONTH.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Self:
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    def __str__(self) -> str:
        """``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        """The 1st of the month."""
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The last calendar day of the month."""
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        """The following month."""
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> Month:
        """The month before."""
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)
