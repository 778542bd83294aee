"""Model orchestration: stored IPOs → factors → walk-forward log-return OLS → predictions, evaluation, backtest.

The model was chosen on IPOs subscribed up to 2025-06-30 (:data:`DEV_END`); the later ones up to
2026-09-30 are an untouched holdout reported separately (:data:`HOLDOUT`). ``as_of`` views keep only
what was public by a date (:mod:`reportbot.summary.pointintime`: IPOs not yet announced are left out,
later outcomes and issue results are blanked), for point-in-time evaluation in the monthly report.

Only BSE IPOs are used. The 68 精选层 offerings (2020-07…2021-10) are left out: they were priced and
traded under NEEQ rules, have no subscription days in the data, and could only enter as "known outcomes";
since the first predictable IPO (T in 2022) has dozens of BSE outcomes before it, they would change no
factor, only the trailing baselines. The 22 BSE IPOs of 2021-11…2022-03 have no subscription day: they
count as outcomes known before a later T but are not prediction targets or training rows.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from reportbot.config import Config
from reportbot.domain import (
    SEGMENT_BSE,
    BacktestRow,
    Ipo,
    ModelReport,
    Prediction,
    SubscriberSettings,
)
from reportbot.errors import ModelError
from reportbot.model import advice, backtest, metrics, publish
from reportbot.model import evaluation as ev
from reportbot.model import factors as fx
from reportbot.model import walkforward as wf
from reportbot.model.subscription import freeze_days, refund_day
from reportbot.model.winning_rate import ExtraLotHistory, WinningRates
from reportbot.pipeline import calendar_for
from reportbot.store import ipos as ipo_store
from reportbot.store import market
from reportbot.summary import pointintime as pit
from reportbot.tradingcal import TradingCalendar

log = logging.getLogger(__name__)

SEED_SAMPLE_END = date(2024, 3, 31)
DEV_END = date(2025, 6, 30)
HOLDOUT = (date(2025, 7, 1), date(2026, 9, 30))
SAMPLE_SEED = "至2024-03"
SAMPLE_ALL = "全部"
SAMPLE_DEV = "建模样本（申购日至2025-06-30）"
SAMPLE_HOLDOUT = "保留样本（2025-07-01至2026-09-30）"
MODEL_NAME = ev.MODEL_NAME
BASELINE_RECENT = ev.BASELINE_RECENT
BASELINE_TRAILING = ev.BASELINE_TRAILING
_CACHE: dict[object, ModelReport] = {}
_FORECASTS: dict[object, dict[str, wf.RowForecast]] = {}


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
class _Inputs:
    ipos: list[Ipo]
    rows: list[fx.FactorRow]
    spec: wf.ModelSpec
    rates: WinningRates
    extras: ExtraLotHistory
    calendar: TradingCalendar
    key: object


def _inputs(config: Config, conn: sqlite3.Connection, extra: Ipo | None = None, as_of: date | None = None) -> _Inputs:
    fx.check_factor_names(config.model.factors)
    ipos = ipo_store.list_ipos(conn, segment=SEGMENT_BSE)
    if extra is not None:
        ipos = [i for i in ipos if i.code != extra.code] + [extra]
    if as_of is not None:  # the store as it was at the end of as_of (a past month's report)
        ipos = pit.known_ipos(ipos, as_of)
    closes = market.index_series(conn)
    if as_of is not None:  # the store as it was at the end of as_of (a past month's report)
        closes = pit.known_series(closes, as_of)
    spec = wf.ModelSpec(
        factors=config.model.factors,
        min_train_size=config.model.min_train_size,
        interval_level=config.model.interval_level,
        industry_min_count=config.model.industry_min_count,
        bse50_available=bool(closes),
        train_window=config.model.train_window,
    )
    rows = fx.factor_rows(
        ipos,
        closes,
        fx.FactorSettings(
            halflife=config.model.recent_halflife_days,
            halflife_calendar=config.model.recent_halflife_calendar_days,
            winning_rate_lookback=config.model.winning_rate_lookback,
        ),
    )
    return _Inputs(
        ipos=ipos,
        rows=rows,
        spec=spec,
        rates=WinningRates(ipos),
        extras=ExtraLotHistory(ipos),
        calendar=calendar_for(config),
        key=(tuple(ipos), tuple(closes), config.model),
    )


def _forecasts(inp: _Inputs) -> dict[str, wf.RowForecast]:
    """The calibrated walk-forward forecasts by code (cached per data and model settings)."""
    cached = _FORECASTS.get(inp.key)
    if cached is None:
        if len(_FORECASTS) > 8:
            _FORECASTS.clear()
        cached = _FORECASTS[inp.key] = {rf.row.code: rf for rf in wf.walk_forward(inp.rows, inp.spec)}
    return cached


def _prediction(
    config: Config, inp: _Inputs, rf: wf.RowForecast, ipo: Ipo, settings: SubscriberSettings, *, published: bool = False
) -> Prediction:
    offset = config.calendar.refund_offset_trading_days
    refund = refund_day(inp.calendar, rf.row.apply_date, offset, ipo.refund_date, ipo.issue_result_date)
    days = freeze_days(inp.calendar, rf.row.apply_date, offset, refund)
    view = publish.ratio_view(
        ipo, rf.row.apply_date, inp.rates, inp.extras, config.model.winning_rate_lookback, published=published
    )
    return publish.build_prediction(
        rf, ipo=ipo, settings=settings, days=days, view=view, interval_level=config.model.interval_level
    )


def _forecast_for(inp: _Inputs, ipo: Ipo) -> wf.RowForecast:
    if ipo.apply_date is None:
        raise ModelError(f"IPO {ipo.code} ({ipo.name}) has no subscription date (apply_date): nothing to predict")
    rf = _forecasts(inp).get(ipo.code)
    if rf is None:
        raise ModelError(
            f"IPO {ipo.code}: fewer than {inp.spec.min_train_size} outcomes known before {ipo.apply_date}"
            " ([model].min_train_size)"
        )
    return rf


def predict_ipo(
    config: Config,
    conn: sqlite3.Connection,
    ipo: Ipo,
    settings: SubscriberSettings,
    as_of: date | None = None,
    *,
    published: bool = False,
) -> Prediction:
    """The model's view of ``ipo`` before its T, fitted only on outcomes known before T (and by ``as_of``).

    ``published=True`` computes the allocation, break-even and profit from the announced 配售比例 when
    the IPO has one (the result-day view); the forecast itself is always the one made before T.

    Raises:
        ModelError: the IPO has no subscription day, or too few outcomes were known before it.
    """
    inp = _inputs(config, conn, extra=ipo, as_of=as_of)
    return _prediction(config, inp, _forecast_for(inp, ipo), ipo, settings, published=published)


def explain_ipo(config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings) -> Explanation:
    """Prediction plus the fitted coefficients behind it (for ``reportbot model explain``)."""
    inp = _inputs(config, conn, extra=ipo)
    rf = _forecast_for(inp, ipo)
    assert ipo.apply_date is not None  # checked by _forecast_for
    fit = rf.fit
    return Explanation(
        ipo=ipo,
        prediction=_prediction(config, inp, rf, ipo, settings),
        refund_day=refund_day(
            inp.calendar,
            ipo.apply_date,
            config.calendar.refund_offset_trading_days,
            ipo.refund_date,
            ipo.issue_result_date,
        ),
        coefficients=tuple(
            (advice.factor_label(c), b, s, p)
            for c, b, s, p in zip(fit.columns, fit.params, fit.bse, fit.pvalues, strict=True)
        ),
        fit_r2=fit.r2,
        cov_type=fit.cov_type,
    )


def default_settings(config: Config) -> SubscriberSettings:
    """The default subscriber's settings (used by the walk-forward report and the backtest)."""
    d = config.subscriber_defaults
    return SubscriberSettings(capital_cny=d.capital_cny, annual_rate=d.annual_rate, min_probability=d.min_probability)


def model_report(config: Config, conn: sqlite3.Connection, as_of: date | None = None) -> ModelReport:
    """Walk-forward predictions, evaluations and backtest over the stored BSE IPOs (cached per data).

    ``as_of``: use only what was known at the end of that day (a past month's report; see the module
    docstring): the forecasts, evaluation and backtest then use no later outcome or issue result.
    """
    inp = _inputs(config, conn, as_of=as_of)
    key = (inp.key, config.calendar, config.subscriber_defaults)
    cached = _CACHE.get(key)
    if cached is None:
        if len(_CACHE) > 8:
            _CACHE.clear()
        cached = _CACHE[key] = _build_report(config, inp)
    return cached


def _build_report(config: Config, inp: _Inputs) -> ModelReport:
    settings = default_settings(config)
    by_code = {i.code: i for i in inp.ipos}
    forecasts = sorted(_forecasts(inp).values(), key=lambda rf: (rf.row.apply_date, rf.row.code))
    pairs = [(rf, _prediction(config, inp, rf, by_code[rf.row.code], settings)) for rf in forecasts]
    evaluations = (
        ev.evaluation(SAMPLE_ALL, pairs),
        ev.evaluation(SAMPLE_DEV, [q for q in pairs if ev.in_window(q[1], None, DEV_END)]),
        ev.evaluation(SAMPLE_HOLDOUT, [q for q in pairs if ev.in_window(q[1], *HOLDOUT)]),
        ev.evaluation(SAMPLE_SEED, [q for q in pairs if ev.in_window(q[1], None, SEED_SAMPLE_END)], metrics.SEED_003),
    )
    rows, counts = _backtest(by_code, pairs, settings.annual_rate)
    return ModelReport(
        predictions=tuple(p for _, p in pairs),
        evaluations=evaluations,
        backtest=rows,
        factors_used=_factors_used(forecasts, inp.spec),
        notes=_notes(forecasts, inp, counts),
    )


def _backtest(
    by_code: dict[str, Ipo], pairs: list[tuple[wf.RowForecast, Prediction]], annual_rate: float
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


def _notes(forecasts: list[wf.RowForecast], inp: _Inputs, counts: tuple[int, int]) -> tuple[str, ...]:
    notes = []
    total = len(forecasts)
    for name in inp.spec.factors:
        reasons = [reason for rf in forecasts for f, reason in rf.dropped if f == name]
        if reasons:
            groups: dict[str, list[str]] = {}
            for reason in reasons:  # group "覆盖 21%" and "覆盖 22%" together; show the latest wording
                groups.setdefault(reason.split("（")[0].rstrip("0123456789.% "), []).append(reason)
            detail = "；".join(f"{g[-1]} {len(g)} 次" if len(groups) > 1 else g[-1] for g in groups.values())
            share = "全部" if len(reasons) == total else f"{len(reasons)}/{total} 次"
            notes.append(f"{fx.FACTOR_LABELS[name]}：{share}预测未使用（{detail}）")
    undated = sum(1 for i in inp.ipos if i.apply_date is None)
    notes.append(f"{undated} 只新股无申购日数据：仅作为申购日前已知的首日结果使用，不作为预测对象或训练样本")
    notes.append("精选层（2020-07至2021-10）样本未纳入：交易规则不同，且不改变任何预测对象的因子")
    notes.append(
        f"首日涨幅在对数尺度 log(1+涨幅) 上建模（每次拟合用{inp.spec.training_note}）：预测值为预测分布的"
        "中位数，区间下限不会低于−100%；预测区间、破发概率与超过盈亏平衡的概率均取自同一个t分布，其尺度取"
        "最近30个训练样本的残差并按"
        "申购日前已知的样本外误差校准（80%分位）"
    )
    notes.append(
        f"模型在申购日至{DEV_END.isoformat()}的新股上选定；{HOLDOUT[0].isoformat()}至{HOLDOUT[1].isoformat()}"
        "为保留样本，未参与任何选择"
    )
    notes.append(
        f"回测按整手计算：按公布的配售比例取整获配手数，顶格账户另计多获配1手剩余股份的概率下限"
        "（数据不足以推算时按0计）；冻结资金为实际申购金额（不超过顶格所需资金）。默认资金含有实际中签率与"
        f"首日涨幅的 {counts[0]} 只新股（申购上限未知时不设上限），顶格申购仅含已知申购上限的 {counts[1]} 只"
    )
    notes.append("Brier(超过盈亏平衡)按比例配售的盈亏平衡涨幅（年化资金成本×冻结天数÷365÷预期配售比例）计算")
    return tuple(notes)


def clear_cache() -> None:
    """Forget the cached model report and forecasts (the next :func:`model_report` refits)."""
    _CACHE.clear()
    _FORECASTS.clear()


def refit(config: Config, conn: sqlite3.Connection, now: datetime) -> str:
    """Refit the walk-forward model on the current store and summarise it in one English line."""
    clear_cache()
    report = model_report(config, conn)
    overall = next(e for e in report.evaluations if e.sample == SAMPLE_ALL).model
    r2 = "n/a" if overall.r2 is None else f"{overall.r2:.2f}"
    mae = "n/a" if overall.mae_pct is None else f"{overall.mae_pct:.1f} pp"
    return (
        f"model refit at {now.isoformat(timespec='minutes')}: {len(report.predictions)} walk-forward predictions, "
        f"{overall.n} with outcomes, out-of-sample R2 {r2}, MAE {mae}, factors {', '.join(report.factors_used)}"
    )
