"""Alert texts per subscriber: which alerts are due, the model's prediction, composition."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from reportbot.config import Config
from reportbot.domain import Ipo, Prediction, SubscriberSettings
from reportbot.errors import ConfigError, ModelError, NoDataError
from reportbot.kinds import Event
from reportbot.model.defaults import default_settings
from reportbot.pipeline import modeling
from reportbot.pipeline.modeling import CachedModel
from reportbot.store import ipos as ipo_store
from reportbot.summary import alert
from reportbot.tradingcal import TradingCalendar, calendar_for

log = logging.getLogger(__name__)
Predictor = Callable[[Config, sqlite3.Connection, Ipo, SubscriberSettings], Prediction]


class AlertComposer:
    """Per-subscriber alert texts, with predictions cached per IPO and settings."""

    def __init__(self, config: Config, conn: sqlite3.Connection, predictor: Predictor | None = None) -> None:
        """``predictor`` defaults to the model fitted once on the store (tests pass synthetic predictions)."""
        self.config = config
        self.conn = conn
        self.calendar: TradingCalendar = calendar_for(config)
        self.predictor: Predictor = predictor or self._model_prediction
        # after the issue result: the same forecast, lots and profit at the published 配售比例
        self.published_predictor: Predictor = predictor or self._published_prediction
        self._model: CachedModel | None = None
        self._predictions: dict[tuple[str, SubscriberSettings, bool], tuple[Prediction | None, str]] = {}
        self._texts: dict[tuple[str, str, SubscriberSettings], str] = {}

    def prediction(
        self, ipo: Ipo, settings: SubscriberSettings, *, published: bool = False
    ) -> tuple[Prediction | None, str]:
        """The model's prediction (or None) and the Chinese note shown when it is absent.

        ``published``: lots and profit at the announced 配售比例 when there is one (result, listing).
        """
        key = (ipo.code, settings, published)
        if key not in self._predictions:
            predictor = self.published_predictor if published else self.predictor
            try:
                self._predictions[key] = (predictor(self.config, self.conn, ipo, settings), "")
            except (ModelError, NoDataError) as exc:
                log.warning("prediction for %s failed: %s", ipo.code, exc)
                self._predictions[key] = (None, alert.NO_PREDICTION)
        return self._predictions[key]

    def _cached_model(self) -> CachedModel:
        """The model over the store as it is at the first prediction (one store read, at most one fit)."""
        if self._model is None:
            self._model = modeling.stored_model(self.config, self.conn)
        return self._model

    def _model_prediction(
        self, config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings
    ) -> Prediction:
        return self._cached_model().predict(ipo, settings)

    def _published_prediction(
        self, config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings
    ) -> Prediction:
        return self._cached_model().predict(ipo, settings, published=True)

    def upcoming_line(self, ipo: Ipo, settings: SubscriberSettings) -> str:
        """One line of the upcoming list: day, name, price, lots for this capital and at the cap, advice."""
        prediction, note = self.prediction(ipo, settings)
        return alert.upcoming_line(ipo, prediction, note or alert.NO_PREDICTION)

    def text(self, ipo: Ipo, event: str, settings: SubscriberSettings) -> str:
        """The alert text (may be longer than one Telegram message)."""
        key = (ipo.code, event, settings)
        if key not in self._texts:
            terms = alert.alert_terms(
                ipo,
                self.calendar,
                capital=settings.capital_cny,
                annual_rate=settings.annual_rate,
                refund_offset=self.config.calendar.refund_offset_trading_days,
            )
            prediction, note = self.prediction(ipo, settings, published=event in alert.CLOSED_EVENTS)
            self._texts[key] = alert.format_subscriber_alert(
                terms, prediction, settings, event=event, prediction_note=note or alert.NO_PREDICTION
            )
        return self._texts[key]


def due_alerts(
    config: Config, conn: sqlite3.Connection, as_of: date, event: str | None = None
) -> list[tuple[str, Ipo]]:
    """(event, IPO) pairs whose alert is due on ``as_of`` (all four events when ``event`` is None)."""
    events = alert.EVENTS if event is None else (event,)
    for name in events:
        if name not in alert.EVENTS:
            raise ConfigError(f"unknown alert event {name!r}; known: {', '.join(alert.EVENTS)}")
    cal = calendar_for(config)
    ipos = [i for i in ipo_store.list_ipos(conn) if i.apply_date is not None]
    return [(name, ipo) for name in events for ipo in ipos if alert.event_date(ipo, name, cal) == as_of]


@dataclass(frozen=True)
class AlertPreview:
    """The eve-of-subscription alerts due for the next trading day after ``as_of``."""

    as_of: date
    subscription_day: date
    texts: list[str]


def preview_alerts(config: Config, conn: sqlite3.Connection, as_of: date) -> AlertPreview:
    """The alert a subscriber with the default settings gets on the evening of ``as_of``.

    Covers every IPO subscribing on the next trading day, with the model's prediction and advice.
    """
    day = calendar_for(config).next_trading_day(as_of)
    composer = AlertComposer(config, conn)
    settings = default_settings(config)
    due = [i for i in ipo_store.list_ipos(conn) if i.apply_date == day]
    texts = [composer.text(ipo, Event.EVE, settings) for ipo in due]
    return AlertPreview(as_of=as_of, subscription_day=day, texts=texts)


def latest_alert_eve(config: Config, conn: sqlite3.Connection) -> date:
    """The trading day before the latest subscription day in the store.

    Raises:
        NoDataError: no stored IPO has a subscription date.
    """
    days = [i.apply_date for i in ipo_store.list_ipos(conn) if i.apply_date]
    if not days:
        raise NoDataError("no IPO with a subscription date in the database")
    return calendar_for(config).previous_trading_day(max(days))
