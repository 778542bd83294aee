"""The model on the bundled data: report, per-IPO prediction, refit, CLI commands."""

from __future__ import annotations

import json
import math
import sqlite3
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.config import Config
from reportbot.domain import ADVICE_AVOID, ADVICE_CAUTION, ADVICE_SUBSCRIBE, SubscriberSettings
from reportbot.model import backtest, evaluation, forecasts
from reportbot.model.defaults import default_settings
from reportbot.pipeline import modeling
from reportbot.pipeline.manage import find_ipo
from reportbot.store import db
from tests.conftest import FIXED_NOW, make_config


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("model-cli")
    config = make_config(tmp)
    path = tmp / "config.toml"
    path.write_text(f'[paths]\ndatabase = "{config.paths.database}"\noutput_dir = "{tmp}"\n', encoding="utf-8")
    return path


def _run(cli_config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-q", "--config", str(cli_config), "model", *args])
    return result.exit_code, result.output


def test_model_report_covers_every_known_outcome_after_min_train(config: Config, store: sqlite3.Connection) -> None:
    report = modeling.model_report(config, store)
    samples = {e.sample: e for e in report.evaluations}
    assert set(samples) == {forecasts.SAMPLE_SEED, forecasts.SAMPLE_ALL, forecasts.SAMPLE_DEV, forecasts.SAMPLE_HOLDOUT}
    dev, hold = samples[forecasts.SAMPLE_DEV].model, samples[forecasts.SAMPLE_HOLDOUT].model
    assert dev.n + hold.n == samples[forecasts.SAMPLE_ALL].model.n  # every outcome is in one of the two
    everything = samples[forecasts.SAMPLE_ALL]
    assert everything.model.n == sum(p.actual_return_pct is not None for p in report.predictions) > 150
    assert [b.name for b in everything.baselines] == [evaluation.BASELINE_RECENT, evaluation.BASELINE_TRAILING]
    assert samples[forecasts.SAMPLE_SEED].reference is not None
    assert samples[forecasts.SAMPLE_SEED].reference.r2 == 0.57  # type: ignore[union-attr]
    assert all(p.apply_date <= forecasts.SEED_SAMPLE_END for p in report.predictions[: samples["至2024-03"].model.n])
    assert all(p.interval_low_pct > -100 for p in report.predictions)
    assert all(p.p_break_issue + (p.p_beats_proportional or 0) <= 1 + 1e-9 for p in report.predictions)
    assert all(p.p_break_issue + (p.p_beats_breakeven or 0) <= 1 + 1e-9 for p in report.predictions)
    assert all(p.train_size >= config.model.min_train_size for p in report.predictions)
    assert all(p.interval_low_pct < p.predicted_return_pct < p.interval_high_pct for p in report.predictions)
    assert {p.advice for p in report.predictions} <= {ADVICE_SUBSCRIBE, ADVICE_CAUTION, ADVICE_AVOID}
    assert "bse50_5d_return" not in report.factors_used
    assert any("北证50" in n for n in report.notes)
    strategies = {r.strategy for r in report.backtest}
    who = (backtest.SUBSCRIBER_DEFAULT, backtest.SUBSCRIBER_CAP)
    assert strategies == {f"{w}{backtest.SEPARATOR}{s}" for w in who for s in backtest.STRATEGIES}
    total = {r.strategy: r for r in report.backtest if r.year is None}
    for w in who:
        perfect, everything_row = total[f"{w}·{backtest.STRATEGY_PERFECT}"], total[f"{w}·{backtest.STRATEGY_ALL}"]
        assert perfect.profit_cny >= everything_row.profit_cny


def test_every_strategy_trades_the_same_lots_and_cash(config: Config, store: sqlite3.Connection) -> None:
    rows = {(r.strategy, r.year): r for r in modeling.model_report(config, store).backtest}
    for who in (backtest.SUBSCRIBER_DEFAULT, backtest.SUBSCRIBER_CAP):
        years = {y for s, y in rows if s.startswith(who)}
        for year in years:
            everything = rows[(f"{who}·{backtest.STRATEGY_ALL}", year)]
            perfect = rows[(f"{who}·{backtest.STRATEGY_PERFECT}", year)]
            for strategy in backtest.STRATEGIES:
                row = rows[(f"{who}·{strategy}", year)]
                # perfect foresight takes exactly the profitable trades of the same book: nothing beats it
                assert row.profit_cny <= perfect.profit_cny + 1e-6
                assert row.subscribed <= everything.subscribed
                assert row.capital_days <= everything.capital_days + 1e-6


def test_contributions_sum_to_the_prediction(config: Config, store: sqlite3.Connection) -> None:
    ipo = find_ipo(store, "920025")
    settings = SubscriberSettings(capital_cny=50_000, annual_rate=0.03, min_probability=0.6)
    p = modeling.stored_model(config, store, extra=ipo).predict(ipo, settings)
    assert p.code == "920025" and p.apply_date == date(2026, 9, 14)
    # contributions are on the log scale: they sum to log(1 + the predicted median)
    assert sum(v for _, v in p.contributions) == pytest.approx(math.log1p(p.predicted_return_pct / 100))
    assert p.freeze_days == 2  # Monday → Wednesday
    ratio = p.expected_winning_rate_pct / 100  # type: ignore[operator]
    assert p.proportional_breakeven_pct == pytest.approx(0.03 * 2 / 365 / ratio * 100)
    # ¥50,000 at ¥4.26 buys 11,700 shares: far below one lot by proportion
    assert p.allocation is not None and p.allocation.shares == 11_700 and p.allocation.by_proportion == 0
    assert p.advice == ADVICE_AVOID and p.expected_profit_cny == pytest.approx(-11_700 * 4.26 * 0.03 * 2 / 365)
    assert p.cap_allocation is not None and p.cap_allocation.shares == 2_550_000
    assert any("北证50" in d for d in p.dropped_factors)


def test_bse50_series_is_used_when_present(config: Config, store: sqlite3.Connection) -> None:
    day, level, rows = date(2021, 11, 1), 1000.0, []
    while day < date(2026, 10, 1):
        if day.weekday() < 5:
            level *= 1 + 0.01 * math.sin(day.toordinal() / 7)
            rows.append(("899050", day.isoformat(), level, "synthetic-test"))
        day += timedelta(days=1)
    with db.transaction(store):
        store.executemany("INSERT INTO index_daily (code, day, close, source) VALUES (?, ?, ?, ?)", rows)
    report = modeling.model_report(config, store)
    assert "bse50_5d_return" in report.factors_used
    assert not any("北证50" in n for n in report.notes)


def test_refit_summary(config: Config, store: sqlite3.Connection) -> None:
    line = modeling.refit(config, store, FIXED_NOW)
    assert line.startswith("model refit at 2026-11-21T09:30")
    assert "walk-forward predictions" in line and "R2" in line


def test_cli_evaluate_json(cli_config: Path) -> None:
    code, out = _run(cli_config, "evaluate", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert set(doc) >= {"predictions", "evaluations", "backtest", "backtest_assumption", "factors_used", "notes"}
    assert len(doc["predictions"]) == doc["predictions_count"] > 200
    first = doc["predictions"][0]
    assert set(first) >= {
        "code", "apply_date", "predicted_return_pct", "interval_low_pct", "interval_high_pct", "p_break",
        "p_beats_breakeven", "default_subscriber", "cap_subscriber", "actual_return_pct",
    }  # fmt: skip
    assert {"lots_by_proportion", "expected_lots", "advice"} <= set(first["default_subscriber"])
    ev = {e["sample"]: e for e in doc["evaluations"]}
    assert set(ev["全部"]["model"]) == {
        "name", "n", "r2", "mae_pct", "median_ae_pct", "interval_coverage",
        "break_precision", "break_recall", "brier_beats_breakeven", "brier_break",
        "coverage_by_year", "bounds_below_minus_100", "incoherent",
    }  # fmt: skip
    assert ev["至2024-03"]["reference"]["break_precision"] == 0.81
    assert len(ev["全部"]["baselines"]) == 2
    assert doc["backtest_assumption"]["capital_cny_per_ipo"] == 1_000_000.0


def test_cli_evaluate_text_and_explain(cli_config: Path) -> None:
    code, out = _run(cli_config, "evaluate")
    assert code == 0 and "至2024-03" in out and "种子003" in out and "完美预知" in out
    code, out = _run(cli_config, "explain", "920025", "--rate", "0.03")
    assert code == 0, out
    for text in (
        "预测首日涨幅",
        "80% 区间",
        "按比例配售",
        "顶格申购",
        "破发概率",
        "盈亏平衡首日涨幅",
        "建议：",
        "常数项",
        "未使用的因子",
        "北证50",
        "近3只新股首日涨幅均值（对数，固定权重合并）",
        "固定权重，无标准误",
    ):
        assert text in out


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_cli_explain_factor_columns_line_up(cli_config: Path) -> None:
    code, out = _run(cli_config, "explain", "920025")
    assert code == 0, out
    rows = [line for line in out.splitlines() if line.startswith("  ") and " 贡献 " in line]
    assert len(rows) >= 4 and any("常数项" in r for r in rows)
    # Chinese characters take two columns: "贡献" starts in the same display column on every line
    assert len({_display_width(r[: r.index(" 贡献 ")]) for r in rows}) == 1


def test_cli_explain_errors(cli_config: Path) -> None:
    code, out = _run(cli_config, "explain", "920092")  # listed 2021-11, no subscription day in the data
    assert code == 1 and "920092" in out and "apply_date" in out
    code, out = _run(cli_config, "explain", "999999")
    assert code == 3 and "999999" in out


def test_cli_breakeven_seed_example(cli_config: Path) -> None:
    code, out = _run(cli_config, "breakeven", "--rate", "0.05", "--days", "4", "--winning-rate", "0.002")
    assert code == 0 and "27.4%" in out


def test_predict_ipo_matches_the_walk_forward(config: Config, store: sqlite3.Connection) -> None:
    report = modeling.model_report(config, store)
    settings = default_settings(config)
    for past in (report.predictions[0], report.predictions[100], report.predictions[-1]):
        ipo = find_ipo(store, past.code)
        assert modeling.stored_model(config, store, extra=ipo).predict(ipo, settings) == past
