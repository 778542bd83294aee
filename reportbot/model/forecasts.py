"""The walk-forward model over given records: forecasts, per-IPO predictions, explanation and the report.

The model was chosen on IPOs subscribed up to 2025-06-30 (:data:`DEV_END`); the later ones up to
2026-09-30 are an untouched holdout reported separately (:data:`HOLDOUT`). The caller hands in the IPOs
and index closes as known on the day it reports on (point in time), so nothing here reads a store.

Only BSE IPOs are used. The 68 精选层 offerings (2020-07…2021-10) are left out: they were priced and
traded under NEEQ rules, have no subscription days in the data, and could only enter as "known outcomes";
since the first predictable IPO (T in 2022) has dozens of BSE outcomes before it, they would change no
factor, only the trailing baselines. The 22 BSE IPOs of 2021-11…2022-03 have no subscription day: they
count as outcomes known before a later T but are not prediction targets or training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportbot.config import ModelConfig
from reportbot.domain import BacktestRow, Evaluation, Ipo, ModelReport, Prediction, SubscriberSettings
from reportbot.errors import ModelError
from reportbot.model import advice, backtest, metrics, publish
from reportbot.model import evaluation as ev
from reportbot.model import factors as fx
from reportbot.model import walkforward as wf
from reportbot.model.subscription import freeze_days, refund_day
from reportbot.model.winning_rate import ExtraLotHistory, WinningRates
from reportbot.tradingcal import TradingCalendar

SEED_SAMPLE_END = date(2024, 3, 31)
DEV_END = date(2025, 6, 30)
HOLDOUT = (date(2025, 7, 1), date(2026, 9, 30))
SAMPLE_SEED = "至2024-03"
SAMPLE_ALL = "全部"
SAMPLE_DEV = "建模样本（申购日至2025-06-30）"
SAMPLE_HOLDOUT = "保留样本（2025-07-01至2026-09-30）"


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """Everything ``reportbot model explain`` shows for one IPO."""

    ipo: Ipo
    prediction: Prediction
    refund_day: date
    coefficients: tuple[tuple[str, float, float, float], ...]  # label, coefficient, robust SE, p-value
    fit_r2: float
    cov_type: str


@dataclass(frozen=True, kw_only=True)
class Diagnostics:
    """What the report's notes say about a walk-forward run (the notes themselves are Chinese, in summary)."""

    factors: tuple[str, ...]  # the configured factors, in order
    forecasts: int
    dropped: tuple[tuple[str, str], ...]  # (factor, reason) once per forecast that dropped it
    undated: int  # IPOs without a subscription day
    trades: tuple[int, int]  # backtest trades: default capital, at the cap
    training_note: str  # which known outcomes each fit uses (Chinese, from the model spec)


class Forecaster:
    """The walk-forward forecasts of one set of records, computed once on first use."""

    def __init__(
        self,
        settings: ModelConfig,
        ipos: Sequence[Ipo],
        closes: Sequence[tuple[date, float]],
        calendar: TradingCalendar,
        *,
        refund_offset: int,
    ) -> None:
        """Bind to the model settings, the BSE IPOs and 北证50 closes as known, and the exchange calendar."""
        fx.check_factor_names(settings.factors)
        self.settings, self.ipos, self.calendar, self.refund_offset = settings, list(ipos), calendar, refund_offset
        self.spec = wf.ModelSpec(
            factors=settings.factors,
            min_train_size=settings.min_train_size,
            interval_level=settings.interval_level,
            industry_min_count=settings.industry_min_count,
            bse50_available=bool(closes),
            train_window=settings.train_window,
            recent3_weight=settings.recent3_weight,
        )
        self.rows = fx.factor_rows(
            self.ipos,
            list(closes),
            fx.FactorSettings(
                halflife=settings.recent_halflife_days,
                halflife_calendar=settings.recent_halflife_calendar_days,
                winning_rate_lookback=settings.winning_rate_lookback,
            ),
        )
        self.rates, self.extras = WinningRates(self.ipos), ExtraLotHistory(self.ipos)
        self._forecasts: dict[str, wf.RowForecast] | None = None

    def forecasts(self) -> dict[str, wf.RowForecast]:
        """The calibrated walk-forward forecasts by code."""
        if self._forecasts is None:
            self._forecasts = {rf.row.code: rf for rf in wf.walk_forward(self.rows, self.spec)}
        return self._forecasts

    def forecast_for(self, ipo: Ipo) -> wf.RowForecast:
        """The forecast made before ``ipo``'s subscription day.

        Raises:
            ModelError: the IPO has no subscription day, or too few outcomes were known before it.
        """
        if ipo.apply_date is None:
            raise ModelError(f"IPO {ipo.code} ({ipo.name}) has no subscription date (apply_date): nothing to predict")
        rf = self.forecasts().get(ipo.code)
        if rf is None:
            raise ModelError(
                f"IPO {ipo.code}: fewer than {self.spec.min_train_size} outcomes known before {ipo.apply_date}"
                " ([model].min_train_size)"
            )
        return rf

    def refund(self, rf: wf.RowForecast, ipo: Ipo) -> date:
        """The day the frozen cash comes back."""
        return refund_day(self.calendar, rf.row.apply_date, self.refund_offset, ipo.refund_date, ipo.issue_result_date)

    def prediction(
        self, rf: wf.RowForecast, ipo: Ipo, settings: SubscriberSettings, *, published: bool = False
    ) -> Prediction:
        """The published prediction of forecast ``rf`` for a subscriber with ``settings``."""
        days = freeze_days(self.calendar, rf.row.apply_date, self.refund_offset, self.refund(rf, ipo))
        lookback = self.settings.winning_rate_lookback
        view = publish.ratio_view(ipo, rf.row.apply_date, self.rates, self.extras, lookback, published=published)
        return publish.build_prediction(
            rf, ipo=ipo, settings=settings, days=days, view=view, interval_level=self.settings.interval_level
        )

    def predict(self, ipo: Ipo, settings: SubscriberSettings, *, published: bool = False) -> Prediction:
        """The model's view of ``ipo`` before its T, fitted only on outcomes known before T.

        ``published=True`` computes the allocation, break-even and profit from the announced 配售比例 when
        the IPO has one (the result-day view); the forecast itself is always the one made before T.

        Raises:
            ModelError: the IPO has no subscription day, or too few outcomes were known before it.
        """
        return self.prediction(self.forecast_for(ipo), ipo, settings, published=published)

    def explain(self, ipo: Ipo, settings: SubscriberSettings) -> Explanation:
        """Prediction plus the fitted coefficients behind it."""
        rf = self.forecast_for(ipo)
        fit = rf.fit
        return Explanation(
            ipo=ipo,
            prediction=self.prediction(rf, ipo, settings),
            refund_day=self.refund(rf, ipo),
            coefficients=tuple(
                (advice.factor_label(c), b, s, p)
                for c, b, s, p in zip(fit.columns, fit.params, fit.bse, fit.pvalues, strict=True)
            ),
            fit_r2=fit.r2,
            cov_type=fit.cov_type,
        )

    def report(self, settings: SubscriberSettings) -> tuple[ModelReport, Diagnostics]:
        """Walk-forward predictions, evaluations and backtest (notes left to the caller) and their diagnostics."""
        by_code = {i.code: i for i in self.ipos}
        forecasts = sorted(self.forecasts().values(), key=lambda rf: (rf.row.apply_date, rf.row.code))
        pairs = [(rf, self.prediction(rf, by_code[rf.row.code], settings)) for rf in forecasts]
        rows, trades = _backtest(by_code, pairs, settings.annual_rate)
        report = ModelReport(
            predictions=tuple(p for _, p in pairs),
            evaluations=_evaluations(pairs),
            backtest=rows,
            factors_used=_factors_used(forecasts, self.spec),
            notes=(),
        )
        diagnostics = Diagnostics(
            factors=self.spec.factors,
            forecasts=len(forecasts),
            dropped=tuple(d for rf in forecasts for d in rf.dropped),
            undated=sum(1 for i in self.ipos if i.apply_date is None),
            trades=trades,
            training_note=self.spec.training_note,
        )
        return report, diagnostics


Pair = tuple[wf.RowForecast, Prediction]


def _evaluations(pairs: list[Pair]) -> tuple[Evaluation, ...]:
    return (
        ev.evaluation(SAMPLE_ALL, pairs),
        ev.evaluation(SAMPLE_DEV, [q for q in pairs if ev.in_window(q[1], None, DEV_END)]),
        ev.evaluation(SAMPLE_HOLDOUT, [q for q in pairs if ev.in_window(q[1], *HOLDOUT)]),
        ev.evaluation(SAMPLE_SEED, [q for q in pairs if ev.in_window(q[1], None, SEED_SAMPLE_END)], metrics.SEED_003),
    )


def _backtest(
    by_code: dict[str, Ipo], pairs: list[Pair], annual_rate: float
) -> tuple[tuple[BacktestRow, ...], tuple[int, int]]:
    mine, cap = [], []
    for rf, p in pairs:
        ipo = by_code[p.code]
        t = ev.trade(ipo, rf, p, p.allocation, advice=p.advice, annual_rate=annual_rate)
        c = ev.trade(ipo, rf, p, p.cap_allocation, advice=p.cap_advice, annual_rate=annual_rate)
        mine += [t] if t is not None else []
        cap += [c] if c is not None else []
    rows = backtest.backtest(mine, backtest.SUBSCRIBER_DEFAULT) + backtest.backtest(cap, backtest.SUBSCRIBER_CAP)
    return rows, (len(mine), len(cap))


def _factors_used(forecasts: list[wf.RowForecast], spec: wf.ModelSpec) -> tuple[str, ...]:
    used: set[str] = set()
    for rf in forecasts:
        used.update(c.split("=")[0] if c.startswith(wf.INDUSTRY_PREFIX) else c for c in rf.fit.columns)
    return tuple(f for f in spec.factors if f in used)
