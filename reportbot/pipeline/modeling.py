"""The model as a use case: its walk-forward report, predictions and explanations over the stored records.

The store is read once per use (:func:`reportbot.store.snapshot.read`) and handed to the pure model
(:class:`reportbot.model.forecasts.Forecaster`); the Chinese notes come from the summary layer.
:class:`CachedModel` keeps its outputs on disk, keyed by the records and settings, so a cold process
(a report, an alert run) does not refit the walk-forward for data it has seen.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from reportbot.config import Config
from reportbot.domain import Ipo, ModelReport, Prediction, SubscriberSettings
from reportbot.errors import ModelError
from reportbot.model.defaults import default_settings
from reportbot.store import cache as report_cache
from reportbot.store import pointintime as pit
from reportbot.store import snapshot
from reportbot.tradingcal import TradingCalendar, calendar_for

if TYPE_CHECKING:
    from reportbot.model.forecasts import Explanation, Forecaster

log = logging.getLogger(__name__)
MODEL_CODE = ("model", "pipeline/modeling.py", "summary/model_notes.py", "store/pointintime.py", "domain.py")
MODEL_MISSING_ZH = "模型结果暂缺：截至{day}已知首日结果的新股不足以拟合模型"
MODEL_NOT_STARTED_ZH = "模型结果暂缺：截至{day}尚无可评估的样本外预测（申购日前须已有{n}只新股的首日结果）"


def forecaster(
    config: Config, ipos: Sequence[Ipo], closes: Sequence[tuple[date, float]], cal: TradingCalendar
) -> Forecaster:
    """The walk-forward model over ``ipos`` and ``closes`` with the configured settings."""
    from reportbot.model.forecasts import Forecaster  # statsmodels: only when a model is fitted

    return Forecaster(config.model, ipos, closes, cal, refund_offset=config.calendar.refund_offset_trading_days)


def full_report(config: Config, model: Forecaster) -> ModelReport:
    """The walk-forward report of ``model`` for the default subscriber, with its Chinese notes."""
    from reportbot.summary.model_notes import model_notes  # imports the model (statsmodels)

    report, diagnostics = model.report(default_settings(config))
    return dataclasses.replace(report, notes=model_notes(diagnostics))


def stored_model(
    config: Config, conn: sqlite3.Connection, as_of: date | None = None, *, extra: Ipo | None = None
) -> CachedModel:
    """The model over the stored records (``extra`` in place of its stored row) as known on ``as_of``."""
    base = snapshot.read(conn)
    ipos = [i for i in base.ipos if extra is None or i.code != extra.code] + ([extra] if extra else [])
    closes = list(base.index_series)
    if as_of is not None:  # the store as it was at the end of as_of (a past month's report)
        ipos, closes = pit.known_ipos(ipos, as_of), pit.known_series(closes, as_of)
    base = dataclasses.replace(base, ipos=tuple(ipos), index_series=tuple(closes))
    return CachedModel(config, base, calendar_for(config), as_of)


def model_report(config: Config, conn: sqlite3.Connection, as_of: date | None = None) -> ModelReport:
    """Walk-forward predictions, evaluations and backtest over the stored BSE IPOs (known by ``as_of``).

    Raises:
        ModelError: too few outcomes to fit the model.
    """
    return stored_model(config, conn, as_of).report()


def explain_ipo(config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings) -> Explanation:
    """Prediction plus the fitted coefficients behind it (for ``reportbot model explain``)."""
    return stored_model(config, conn, extra=ipo).forecaster().explain(ipo, settings)


def refit(config: Config, conn: sqlite3.Connection, now: datetime) -> str:
    """Refit the walk-forward model on the current store and summarise it in one English line."""
    from reportbot.model.forecasts import SAMPLE_ALL

    report = full_report(config, stored_model(config, conn).forecaster())  # a new fit, not the cached one
    overall = next(e for e in report.evaluations if e.sample == SAMPLE_ALL).model
    r2 = "n/a" if overall.r2 is None else f"{overall.r2:.2f}"
    mae = "n/a" if overall.mae_pct is None else f"{overall.mae_pct:.1f} pp"
    return (
        f"model refit at {now.isoformat(timespec='minutes')}: {len(report.predictions)} walk-forward predictions, "
        f"{overall.n} with outcomes, out-of-sample R2 {r2}, MAE {mae}, factors {', '.join(report.factors_used)}"
    )


class CachedModel:
    """The model over one snapshot; its outputs cached on disk, the model fitted lazily at most once."""

    def __init__(self, config: Config, base: snapshot.Snapshot, cal: TradingCalendar, as_of: date | None) -> None:
        """Bind to the records as known on ``as_of`` (the caller has already applied the point in time)."""
        self.config, self.base, self.cal, self.as_of = config, base, cal, as_of
        self._model: Forecaster | None = None

    def forecaster(self) -> Forecaster:
        """The walk-forward model of the snapshot (fitted on first use)."""
        if self._model is None:
            self._model = forecaster(self.config, self.base.ipos, self.base.index_series, self.cal)
        return self._model

    def _key(self, *extra: object) -> str:
        overrides = self.config.calendar.overrides_file
        calendar_text = overrides.read_bytes() if overrides is not None and overrides.is_file() else b""
        c = self.config
        parts = (self.base.ipos, self.base.index_series, c.model, c.calendar, calendar_text, c.subscriber_defaults)
        return report_cache.key_of((*parts, self.as_of, *extra), MODEL_CODE)

    def report(self) -> ModelReport:
        """The walk-forward report for the default subscriber.

        Raises:
            ModelError: too few outcomes to fit the model.
        """
        outcome = report_cache.cached(self.config, "model", self._key(), self._report_or_error)
        if isinstance(outcome, str):
            raise ModelError(outcome)
        return outcome

    def _report_or_error(self) -> ModelReport | str:
        try:
            return full_report(self.config, self.forecaster())
        except ModelError as exc:
            return str(exc)

    def predict(self, ipo: Ipo, settings: SubscriberSettings, *, published: bool = False) -> Prediction:
        """The prediction for ``ipo`` (see :meth:`Forecaster.predict`).

        Raises:
            ModelError: the IPO has no subscription day, or too few outcomes were known before it.
        """

        def compute() -> Prediction | str:
            try:
                return self.forecaster().predict(ipo, settings, published=published)
            except ModelError as exc:
                return str(exc)

        outcome = report_cache.cached(self.config, "prediction", self._key(ipo, settings, published), compute)
        if isinstance(outcome, str):
            raise ModelError(outcome)
        return outcome

    def outputs(self) -> tuple[ModelReport | None, str]:
        """The walk-forward report for a report, or None with the Chinese reason."""
        day = self.as_of.isoformat() if self.as_of else "数据截止日"
        try:
            report = self.report()
        except ModelError as exc:
            log.warning("model report unavailable: %s", exc)
            return None, MODEL_MISSING_ZH.format(day=day)
        if not any(p.actual_return_pct is not None for p in report.predictions):
            return None, MODEL_NOT_STARTED_ZH.format(day=day, n=self.config.model.min_train_size)
        return report, ""

    def brief_prediction(self, ipo: Ipo, settings: SubscriberSettings) -> tuple[Prediction | None, str]:
        """The prediction for a report's brief, or None with the Chinese reason."""
        try:
            return self.predict(ipo, settings), ""
        except ModelError as exc:
            log.warning("no prediction for %s: %s", ipo.code, exc)
        if ipo.apply_date is None:
            return None, "模型未给出预测：该新股缺少申购日，无法确定申购前可得的信息"
        return None, (
            f"模型未给出预测：{ipo.apply_date.isoformat()}申购日前已知首日结果的新股不足"
            f"{self.config.model.min_train_size}只，模型无法拟合"
        )
