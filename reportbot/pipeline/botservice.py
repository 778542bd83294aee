"""The bot's backend over the store: subscriptions, settings, briefs, the monthly PDF."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from datetime import datetime, time
from pathlib import Path

from reportbot import zhfmt
from reportbot.config import Config
from reportbot.domain import SEGMENT_BSE, TZ, Ipo, SubscriberSettings
from reportbot.errors import DataError, NoDataError, ReportbotError
from reportbot.kinds import Event
from reportbot.pipeline import Clock, open_store, render_monthly, reports
from reportbot.pipeline.alerting import AlertComposer, Predictor, default_settings
from reportbot.pipeline.jobs import last_completed_month
from reportbot.store import db
from reportbot.store import ipos as ipo_store
from reportbot.store import subscribers as sub_store

log = logging.getLogger(__name__)
SUBSCRIPTION_CLOSE = time(15, 0)  # BSE online subscription closes at 15:00 on T (Beijing time)
UPCOMING_LIMIT = 8


class StoreBotBackend:
    """Implements ``reportbot.notify.bot.BotBackend`` over one database connection."""

    def __init__(
        self, config: Config, conn: sqlite3.Connection, now: Clock, *, predictor: Predictor | None = None
    ) -> None:
        """Bind to the config, the store and the clock."""
        self.config, self.conn, self.now = config, conn, now
        self.composer = AlertComposer(config, conn, predictor)

    def subscribe(self, chat_id: int, name: str) -> SubscriberSettings:
        """Subscribe (or re-activate) the chat."""
        with db.transaction(self.conn):
            found = sub_store.subscribe(self.conn, chat_id, name, default_settings(self.config), now=self.now())
        log.info("chat %s subscribed", chat_id)
        return found.settings

    def unsubscribe(self, chat_id: int) -> bool:
        """Deactivate the chat."""
        found = sub_store.get_subscriber(self.conn, chat_id)
        if found is None or not found.active:
            return False
        with db.transaction(self.conn):
            sub_store.deactivate(self.conn, chat_id, "unsubscribed", now=self.now())
        return True

    def settings(self, chat_id: int) -> SubscriberSettings | None:
        """Settings of an active subscriber."""
        found = sub_store.get_subscriber(self.conn, chat_id)
        return found.settings if found is not None and found.active else None

    def update_settings(self, chat_id: int, settings: SubscriberSettings) -> None:
        """Store new settings."""
        with db.transaction(self.conn):
            sub_store.update_settings(self.conn, chat_id, settings, now=self.now())

    def _settings_or_default(self, chat_id: int) -> SubscriberSettings:
        return self.settings(chat_id) or default_settings(self.config)

    def upcoming(self, chat_id: int) -> str:
        """IPOs subscribing from today on, each with the advice for this chat's settings."""
        today = self.now().date()
        ipos = sorted(
            (i for i in ipo_store.list_ipos(self.conn) if i.apply_date is not None and i.apply_date >= today),
            key=lambda i: (i.apply_date, i.code),
        )[:UPCOMING_LIMIT]
        if not ipos:
            return f"截至 {today.isoformat()}，数据库中暂无即将申购的北交所新股。"
        settings = self._settings_or_default(chat_id)
        lines = [f"近期北交所新股申购（按您的设置，资金 {zhfmt.cny(settings.capital_cny)}）："]
        lines += [self.composer.upcoming_line(ipo, settings) for ipo in ipos]
        lines.append("发送 /ipo 代码 查看详情。")
        return "\n".join(lines)

    def ipo_brief(self, chat_id: int, code: str) -> str | None:
        """The alert-style brief for one IPO."""
        ipo = ipo_store.get_ipo(self.conn, code)
        if ipo is None or ipo.segment != SEGMENT_BSE:
            return None
        if ipo.apply_date is None:
            return f"{ipo.name}（{ipo.code}）：申购日期{zhfmt.MISSING}，无法计算资金冻结与建议。"
        now = self.now()
        if ipo.listing_date is not None and ipo.listing_date <= now.date():
            return listed_brief(ipo)
        settings = self._settings_or_default(chat_id)
        if ipo.apply_date < now.date() or (ipo.apply_date == now.date() and now.time() >= SUBSCRIPTION_CLOSE):
            # subscription has closed: the result-day view (allocation, predicted move), no 申购 advice
            return self.composer.text(ipo, Event.RESULT, settings)
        return self.composer.text(ipo, Event.BRIEF, settings)

    def ipo_pdf(self, code: str) -> Path | None:
        """The per-IPO PDF brief (rendered now), or None when it cannot be rendered."""
        try:
            return reports.render_ipo_brief(self.config, self.conn, self.now, code)[0]
        except ReportbotError as exc:
            log.warning("per-IPO PDF for %s failed: %s", code, exc)
            return None

    def latest_report(self) -> Path | None:
        """The monthly PDF of the last completed calendar month (as the monthly job sends it), rendered if absent."""
        month = last_completed_month(self.now().date())
        existing = self.config.paths.output_dir / f"bse-monthly-{month}.pdf"
        if existing.is_file():
            return existing
        try:
            return render_monthly(self.config, self.conn, self.now, month)[0]
        except NoDataError:
            return None


def listed_brief(ipo: Ipo) -> str:
    """A listed IPO: its actual outcome, and no subscription advice (the subscription is over)."""
    missing = f"{zhfmt.MISSING}（数据源未提供）"
    close = f"{zhfmt.num(ipo.first_day_close)} 元" if ipo.first_day_close is not None else missing
    ret = zhfmt.pct(ipo.first_day_return_pct, 1, signed=True) if ipo.first_day_return_pct is not None else missing
    rate = zhfmt.pct(ipo.online_winning_rate_pct, 4) if ipo.online_winning_rate_pct is not None else missing
    price = f"{zhfmt.num(ipo.issue_price)} 元" if ipo.issue_price is not None else missing
    return "\n".join(
        [
            "【北交所新股·已上市】",
            f"{ipo.name}（{ipo.code}）",
            f"申购日：{zhfmt.day_week(ipo.apply_date)}；上市日：{zhfmt.day_week(ipo.listing_date)}",
            f"发行价：{price}",
            f"首日收盘价：{close}",
            f"首日涨跌幅：{ret}",
            f"网上中签率：{rate}",
            "该股已上市，申购已结束，不再给出申购建议。",
        ]
    )


def backend_for(config: Config, now: Clock | None = None) -> StoreBotBackend:
    """A backend over the configured store, for ``build_application(config)`` (e.g. in ``reportbot serve``)."""
    clock = now or _beijing_now
    return StoreBotBackend(config, open_store(config, clock), clock)


def _beijing_now() -> datetime:
    # The long-running bot's own clock when the caller gives none; everything below takes it as a parameter.
    return datetime.now(TZ)


CSV_COLUMNS = ("chat_id", "name", "capital_cny", "annual_rate", "min_probability", "active")


def export_subscribers(conn: sqlite3.Connection) -> str:
    """Every subscriber as CSV (header + one row each)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sub_store.list_subscribers(conn):
        st = s.settings
        numbers = [_plain(st.capital_cny), _plain(st.annual_rate), _plain(st.min_probability)]
        writer.writerow([s.chat_id, s.name, *numbers, int(s.active)])
    return out.getvalue()


def _plain(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


def import_subscribers(config: Config, conn: sqlite3.Connection, now: Clock, path: Path) -> int:
    """Insert or update subscribers from a CSV with :data:`CSV_COLUMNS` (missing settings: defaults).

    All rows are validated first and written in one transaction.

    Raises:
        DataError: unreadable file or a bad value (names the line, column and value).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"cannot read subscribers file {path}: {exc.strerror}") from exc
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "chat_id" not in reader.fieldnames:
        raise DataError(f"{path}: the header must contain chat_id (columns: {', '.join(CSV_COLUMNS)})")
    defaults = default_settings(config)
    rows = [_parse_row(path, n, row, defaults) for n, row in enumerate(reader, start=2)]
    with db.transaction(conn):
        for subscriber in rows:
            sub_store.upsert_subscriber(conn, subscriber, now=now())
    return len(rows)


def _parse_row(path: Path, line: int, row: dict[str, str], defaults: SubscriberSettings) -> sub_store.Subscriber:
    def number(column: str, default: float, low: float, high: float) -> float:
        raw = (row.get(column) or "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise DataError(f"{path}:{line}: column {column}={raw!r} is not a number") from None
        if not low <= value <= high:
            raise DataError(f"{path}:{line}: column {column}={raw!r} is outside [{low:g}, {high:g}]")
        return value

    chat = (row.get("chat_id") or "").strip()
    if not chat.lstrip("-").isdigit():
        raise DataError(f"{path}:{line}: column chat_id={chat!r} is not an integer")
    active = (row.get("active") or "1").strip().lower()
    if active not in ("1", "0", "true", "false"):
        raise DataError(f"{path}:{line}: column active={active!r} must be 1/0/true/false")
    return sub_store.Subscriber(
        chat_id=int(chat),
        name=(row.get("name") or "").strip(),
        settings=SubscriberSettings(
            capital_cny=number("capital_cny", defaults.capital_cny, 1_000, 1e8),
            annual_rate=number("annual_rate", defaults.annual_rate, 0, 0.3),
            min_probability=number("min_probability", defaults.min_probability, 0, 1),
        ),
        active=active in ("1", "true"),
        inactive_reason="" if active in ("1", "true") else "imported as inactive",
    )
