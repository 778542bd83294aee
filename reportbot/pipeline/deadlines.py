"""When each alert event must have reached everyone, and when its send must start to make it (pure).

Deadlines (Beijing time): the eve alert before the subscription day's 09:15 (the next trading day after
the eve), the morning alert before 15:00 of the subscription day (subscription closes), the result alert
before 15:00 of the result day, the listing alert before the 09:30 open of the listing day.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import date, datetime, time

from reportbot.config import Config
from reportbot.domain import TZ
from reportbot.kinds import Channel, Event
from reportbot.store import subscribers as sub_store
from reportbot.tradingcal import TradingCalendar

# event → (trading days after the event's day, local time of the deadline)
EVENT_DEADLINES: dict[Event, tuple[int, time]] = {
    Event.EVE: (1, time(9, 15)),
    Event.MORNING: (0, time(15, 0)),
    Event.RESULT: (0, time(15, 0)),
    Event.LISTING: (0, time(9, 30)),
}
# the day a deadline falls on and what the time is, as a reader says them (the eve alert's is on T itself)
DEADLINE_WORDS_ZH: dict[Event, tuple[str, str]] = {
    Event.EVE: ("申购日", "前"),
    Event.MORNING: ("申购日", "前"),
    Event.RESULT: ("结果日", "前"),
    Event.LISTING: ("上市日", "开盘前"),
}


def deadline_zh(event: Event) -> str:
    """The deadline of ``event`` alerts in Chinese, its time from :data:`EVENT_DEADLINES` (``schedule list``)."""
    _, at = EVENT_DEADLINES[event]
    day, before = DEADLINE_WORDS_ZH[event]
    return f"{day} {at:%H:%M} {before}"


def deadline(event: Event, event_date: date, cal: TradingCalendar) -> datetime | None:
    """The moment after which an ``event`` alert of ``event_date`` is too late (None: no deadline)."""
    rule = EVENT_DEADLINES.get(event)
    if rule is None:
        return None
    days, at = rule
    day = cal.add_trading_days(event_date, days) if days else event_date
    return datetime.combine(day, at, tzinfo=TZ)


def pacing_rate(config: Config) -> float:
    """Messages per second a fan-out actually sends at (the limit less the pacing margin)."""
    d = config.delivery
    rate = d.paid_broadcast_rate if d.allow_paid_broadcast else config.telegram.max_messages_per_second
    return rate * (1 - d.pacing_margin)


def send_duration_s(recipients: int, rate: float) -> float:
    """Seconds a fan-out of ``recipients`` messages takes at ``rate`` messages per second (0: no limit)."""
    return recipients / rate if rate > 0 else 0.0


def latest_start(event: Event, configured: time, recipients: int, rate: float, margin_s: int) -> time:
    """The event's send time: ``configured``, or earlier when ``recipients`` at ``rate`` would miss the deadline.

    The deadline is taken on the shortest calendar (the eve's next trading day as the next calendar day),
    so the start fits every day. A send that cannot fit at all starts at 00:00.
    """
    rule = EVENT_DEADLINES.get(event)
    if rule is None:
        return configured
    days, at = rule
    deadline_s = days * 86_400 + at.hour * 3600 + at.minute * 60
    needed = math.ceil(send_duration_s(recipients, rate)) + margin_s
    configured_s = configured.hour * 3600 + configured.minute * 60 + configured.second
    start_s = max(0, min(configured_s, deadline_s - needed))
    return time(start_s // 3600, start_s % 3600 // 60, start_s % 60)


def event_of_job(target: str) -> Event | None:
    """The alert event a job target sends (``alerts-eve`` → ``eve``), or None."""
    event = target.removeprefix("alerts-")
    return Event(event) if target.startswith("alerts-") and event in EVENT_DEADLINES else None


def scheduled_start(config: Config, conn: sqlite3.Connection, target: str, configured: time) -> time:
    """When the job ``target`` should start on its days: ``configured``, or early enough for today's audience.

    The audience is every active subscriber plus one message per group-webhook channel.
    """
    event = event_of_job(target)
    if event is None:
        return configured
    channels = config.notify.alert_channels
    recipients = (sub_store.count_active(conn) if Channel.TELEGRAM in channels else 0) + sum(
        1 for c in channels if c != Channel.TELEGRAM
    )
    return latest_start(event, configured, recipients, pacing_rate(config), config.delivery.start_margin_s)
