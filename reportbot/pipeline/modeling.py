"""Model orchestration: stored IPOs → factors → walk-forward OLS → predictions, evaluation, backtest.

Only BSE IPOs are used. The 68 精选层 offerings (2020-07…2021-10) are left out: they were priced and
traded under NEEQ rules, have no subscription days in the data, and could only enter as "known outcomes";
since the first predictable IPO (T in 2022) has dozens of BSE outcomes before it, they would change no
factor, only the trailing baselines. The 22 BSE IPOs of 2021-11…2022-03 have no subscription day: they
count as outcomes known before a later T but are not prediction targets or training rows.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import statistics
from dataclasses import dataclass
from datetime import date, datetime

from reportbot.config import Config
from reportbot.domain import (
    SEGMENT_BSE,
    Evaluation,
    Ipo,
    ModelReport,
    Prediction,
    SubscriberSettings,
)
from reportbot.errors import ModelError
from reportbot.model import advice, backtest, metrics
from reportbot.model import factors as fx
from reportbot.model import walkforward as wf
from reportbot.model.subscription import freeze_days, refund_date
from reportbot.model.winning_rate import WinningRates
from reportbot.pipeline import calendar_for
from reportbot.store import ipos as ipo_store
from reportbot.store import market
from reportbot.summary import pointintime as pit
from reportbot.tradingcal import TradingCalendar

log = logging.getLogger(__name__)

SEED_SAMPLE_END = date(2024, 3, 31)
SAMPLE_SEED = "至2024-03"
SAMPLE_ALL = "全部"
MODEL_NAME = "模型（OLS+Logit）"
BASELINE_RECENT = "近3只新股均值"
BASELINE_TRAILING = f"近{metrics.TRAILING_WINDOW}只中位数"
_CACHE: dict[object, ModelReport] = {}


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
    calendar: TradingCalendar


def _inputs(config: Config, conn: sqlite3.Connection, extra: Ipo | None = None, as_of: date | None = None) -> _Inputs:
    fx.check_factor_names(config.model.factors)
    ipos = ipo_store.list_ipos(conn, segment=SEGMENT_BSE)
    if extra is not None:
        ipos = [i for i in ipos if i.code != extra.code] + [extra]
    closes = market.index_series(conn)
    if as_of is not None:  # the store as it was at the end of as_of (a past month's report)
        ipos = pit.known_ipos(ipos, as_of)
        closes = pit.known_series(closes, as_of)
    spec = wf.ModelSpec(
        factors=config.model.factors,
        min_train_size=config.model.min_train_size,
        interval_level=config.model.interval_level,
        industry_min_count=config.model.industry_min_count,
        bse50_available=bool(closes),
    )
    return _Inputs(
        ipos=ipos,
        rows=fx.factor_rows(ipos, closes),
        spec=spec,
        rates=WinningRates(ipos),
        calendar=calendar_for(config),
    )


def _prediction(config: Config, inp: _Inputs, rf: wf.RowForecast, ipo: Ipo, settings: SubscriberSettings) -> Prediction:
    days = freeze_days(inp.calendar, rf.row.apply_date, config.calendar.refund_offset_trading_days, ipo.refund_date)
    return advice.build_prediction(
        rf,
        settings=settings,
        days=days,
        expected_winning_rate_pct=inp.rates.expected_before(rf.row.apply_date, config.model.winning_rate_lookback),
        interval_level=config.model.interval_level,
        issue_price=ipo.issue_price,
    )


def _forecast_for(inp: _Inputs, ipo: Ipo) -> wf.RowForecast:
    if ipo.apply_date is None:
        raise ModelError(f"IPO {ipo.code} ({ipo.name}) has no subscription date (apply_date): nothing to predict")
    target = next(r for r in inp.rows if r.code == ipo.code)
    rf = wf.forecast_row(target, wf.known_training_rows(inp.rows, ipo.apply_date), inp.spec)
    if rf is None:
        raise ModelError(
            f"IPO {ipo.code}: fewer than {inp.spec.min_train_size} outcomes known before {ipo.apply_date}"
            " ([model].min_train_size)"
        )
    return rf


def predict_ipo(
    config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings, as_of: date | None = None
) -> Prediction:
    """The model's view of ``ipo`` before its T, fitted only on outcomes known before T (and by ``as_of``).

    Raises:
        ModelError: the IPO has no subscription day, or too few outcomes were known before it.
    """
    inp = _inputs(config, conn, extra=ipo, as_of=as_of)
    return _prediction(config, inp, _forecast_for(inp, ipo), ipo, settings)


def explain_ipo(config: Config, conn: sqlite3.Connection, ipo: Ipo, settings: SubscriberSettings) -> Explanation:
    """Prediction plus the fitted coefficients behind it (for ``reportbot model explain``)."""
    inp = _inputs(config, conn, extra=ipo)
    rf = _forecast_for(inp, ipo)
    assert ipo.apply_date is not None  # checked by _forecast_for
    fit = rf.fit
    return Explanation(
        ipo=ipo,
        prediction=_prediction(config, inp, rf, ipo, settings),
        refund_day=ipo.refund_date
        or refund_date(inp.calendar, ipo.apply_date, config.calendar.refund_offset_trading_days),
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

    ``as_of``: use only what was known at the end of that day (a past month's report).
    """
    inp = _inputs(config, conn, as_of=as_of)
    key = (tuple(inp.ipos), tuple(market.index_series(conn)), config.model, config.calendar, config.subscriber_defaults)
    cached = _CACHE.get(key)
    if cached is None:
        _CACHE.clear()
        cached = _CACHE[key] = _build_report(config, inp)
    return cached


def _build_report(config: Config, inp: _Inputs) -> ModelReport:
    settings = default_settings(config)
    by_code = {i.code: i for i in inp.ipos}
    forecasts = wf.walk_forward(inp.rows, inp.spec)
    predictions = [_prediction(config, inp, rf, by_code[rf.row.code], settings) for rf in forecasts]
    evaluations = tuple(
        _evaluate(name, [(rf, p) for rf, p in zip(forecasts, predictions, strict=True) if keep(p)])
        for name, keep in (
            (SAMPLE_SEED, lambda p: p.apply_date <= SEED_SAMPLE_END),
            (SAMPLE_ALL, lambda p: True),
        )
    )
    trades = [t for rf, p in zip(forecasts, predictions, strict=True) if (t := _trade(by_code[p.code], p, settings))]
    return ModelReport(
        predictions=tuple(predictions),
        evaluations=evaluations,
        backtest=backtest.backtest(trades),
        factors_used=_factors_used(forecasts, inp.spec),
        notes=_notes(forecasts, inp, len(trades)),
    )


def _evaluate(sample: str, pairs: list[tuple[wf.RowForecast, Prediction]]) -> Evaluation:
    scored = [_score(rf, p) for rf, p in pairs if p.actual_return_pct is not None]
    return Evaluation(
        sample=sample,
        model=metrics.metric_set(MODEL_NAME, [s[0] for s in scored]),
        baselines=tuple(
            metrics.metric_set(name, [s[k] for s in scored if s[k] is not None])  # type: ignore[misc]
            for k, name in ((1, BASELINE_RECENT), (2, BASELINE_TRAILING))
        ),
        reference=metrics.SEED_003 if sample == SAMPLE_SEED else None,
    )


def _score(rf: wf.RowForecast, p: Prediction) -> tuple[metrics.Scored, metrics.Scored | None, metrics.Scored | None]:
    """The model's and the two baselines' scored predictions of one IPO with a known outcome."""
    actual = float(p.actual_return_pct)  # type: ignore[arg-type]
    be = p.breakeven_return_pct
    beats = None if be is None else actual > be
    model = metrics.Scored(
        actual=actual,
        predicted=p.predicted_return_pct,
        low=p.interval_low_pct,
        high=p.interval_high_pct,
        p_beats=p.p_beats_breakeven,
        beats=beats,
        p_break=p.p_break_issue,
    )
    last3 = rf.row.known_returns[-metrics.RECENT_WINDOW :]
    recent = None
    if rf.row.recent3 is not None:
        recent = metrics.Scored(
            actual=actual,
            predicted=rf.row.recent3,
            p_beats=metrics.share_above(last3, be),
            beats=beats,
            p_break=metrics.share_below(last3, 0.0),
        )
    window = rf.row.known_returns[-metrics.TRAILING_WINDOW :]
    trailing = None
    if window:
        low, high = metrics.empirical_interval(window, p.interval_level)
        trailing = metrics.Scored(
            actual=actual,
            predicted=statistics.median(window),
            low=low,
            high=high,
            p_beats=metrics.share_above(window, be),
            beats=beats,
            p_break=metrics.share_below(window, 0.0),
        )
    return model, recent, trailing


def _break_brier_note(forecasts: list[wf.RowForecast]) -> str:
    """Why P(破发) comes from the Logit: walk-forward Brier scores of both ways on the same IPOs."""
    triples = [
        (rf.forecast.prob_below(0.0), rf.p_break_logit, float(rf.row.actual_return_pct < 0))
        for rf in forecasts
        if rf.row.actual_return_pct is not None and rf.p_break_logit is not None
    ]
    if not triples:
        return "破发概率：Logit 无法拟合（破发样本不足），改用OLS预测分布"
    ols = sum((a - y) ** 2 for a, _, y in triples) / len(triples)
    logit = sum((b - y) ** 2 for _, b, y in triples) / len(triples)
    known = triples
    fallback = sum(1 for rf in forecasts if rf.p_break_logit is None)
    return (
        f"破发概率P(涨幅<0)取自Logit（样本外Brier {logit:.3f}，同样本OLS预测分布 {ols:.3f}，n={len(known)}）；"
        f"Logit不可拟合时（{fallback} 次）用OLS预测分布。超过盈亏平衡的概率取自OLS预测分布（t分布，"
        "方差含HC3稳健协方差的参数不确定性），因其阈值随每位用户的资金成本而变"
    )


def _trade(ipo: Ipo, p: Prediction, settings: SubscriberSettings) -> backtest.Trade | None:
    if p.actual_return_pct is None or not ipo.online_winning_rate_pct:
        return None
    capital = settings.capital_cny
    cap_cash = _cap_cash(ipo)
    if cap_cash is not None:
        capital = min(capital, cap_cash)
    trade = backtest.Trade(
        year=p.apply_date.year,
        capital=capital,
        days=p.freeze_days,
        winning_rate_pct=ipo.online_winning_rate_pct,
        return_pct=p.actual_return_pct,
        annual_rate=settings.annual_rate,
        decisions={},
    )
    chosen = backtest.decisions(
        expected_profit=p.expected_profit_per_10k,
        p_beats=p.p_beats_breakeven,
        threshold=settings.min_probability,
        profit=trade.profit,
    )
    return dataclasses.replace(trade, decisions=chosen)


def _cap_cash(ipo: Ipo) -> float | None:
    if ipo.issue_price is not None and ipo.subscription_cap_shares is not None:
        return ipo.issue_price * ipo.subscription_cap_shares
    return ipo.top_apply_amount_wan * 1e4 if ipo.top_apply_amount_wan is not None else None


def _factors_used(forecasts: list[wf.RowForecast], spec: wf.ModelSpec) -> tuple[str, ...]:
    used: set[str] = set()
    for rf in forecasts:
        used.update(c.split("=")[0] if c.startswith(wf.INDUSTRY_PREFIX) else c for c in rf.fit.columns)
    return tuple(f for f in spec.factors if f in used)


def _notes(forecasts: list[wf.RowForecast], inp: _Inputs, trades: int) -> tuple[str, ...]:
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
    notes.append(_break_brier_note(forecasts))
    notes.append(f"回测只含有实际中签率与首日涨幅的 {trades} 只新股；收益按实际中签率计算的期望值口径")
    return tuple(notes)


def clear_cache() -> None:
    """Forget the cached model report (the next :func:`model_report` refits)."""
    _CACHE.clear()


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
