"""The bot service: what the Telegram bot answers, over the store (subscriptions, settings, briefs, PDFs)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, time
from pathlib import Path

from reportbot import zhfmt
from reportbot.config import Config
from reportbot.domain import TZ, SubscriberSettings
from reportbot.errors import NoDataError, ReportbotError
from reportbot.kinds import Clock, Event, Month, Segment
from reportbot.model.defaults import default_settings
from reportbot.pipeline import report
from reportbot.pipeline.alerting import AlertComposer, Predictor
from reportbot.pipeline.manage import open_store
from reportbot.store import db
from reportbot.store import ipos as ipo_store
from reportbot.store import subscribers as sub_store
from reportbot.summary import listed

log = logging.getLogger(__name__)
SUBSCRIPTION_CLOSE = time(15, 0)  # BSE online subscription closes at 15:00 on T (Beijing time)
UPCOMING_LIMIT = 8


class BotService:
    """Implements ``reportbot.notify.bot.BotBackend`` over one database connection; serve and bot pass it in."""

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
        if ipo is None or ipo.segment != Segment.BSE:
            return None
        if ipo.apply_date is None:
            return f"{ipo.name}（{ipo.code}）：申购日期{zhfmt.MISSING}，无法计算资金冻结与建议。"
        now = self.now()
        if ipo.listing_date is not None and ipo.listing_date <= now.date():
            return listed.listed_brief(ipo)
        settings = self._settings_or_default(chat_id)
        if ipo.apply_date < now.date() or (ipo.apply_date == now.date() and now.time() >= SUBSCRIPTION_CLOSE):
            # subscription has closed: the result-day view (allocation, predicted move), no 申购 advice
            return self.composer.text(ipo, Event.RESULT, settings)
        return self.composer.text(ipo, Event.BRIEF, settings)

    def ipo_pdf(self, code: str) -> Path | None:
        """The per-IPO PDF brief (rendered now), or None when it cannot be rendered."""
        try:
            return report.render_ipo_brief(self.config, self.conn, self.now, code)[0]
        except ReportbotError as exc:
            log.warning("per-IPO PDF for %s failed: %s", code, exc)
            return None

    def latest_report(self) -> Path | None:
        """The monthly PDF of the last completed calendar month (as the monthly job sends it), rendered if absent."""
        month = Month.of(self.now().date()).previous()
        existing = self.config.paths.output_dir / f"bse-monthly-{month}.pdf"
        if existing.is_file():
            return existing
        try:
            return report.render_monthly(self.config, self.conn, self.now, month)[0]
        except NoDataError:
            return None


def backend_for(config: Config) -> BotService:
    """A bot service over the configured store, for ``build_application(config)`` without a backend.

    Only ``notify.bot``'s default backend names it; ``serve`` and ``bot`` build the service and pass it in.
    """

    def beijing_now() -> datetime:
        return datetime.now(TZ)  # the long-running bot's own clock; everything below takes it as a parameter

    return BotService(config, open_store(config, beijing_now), beijing_now)
