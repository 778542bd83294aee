"""Fixtures for report tests: WeasyPrint warnings as failures, synthetic model outputs (never in a report)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from reportbot.domain import (
    ADVICE_CAUTION,
    BacktestRow,
    Evaluation,
    Ipo,
    MetricSet,
    ModelReport,
)
from tests.conftest import synthetic_prediction


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def weasyprint_warnings() -> Iterator[list[logging.LogRecord]]:
    """Warnings WeasyPrint logs while the module renders; tests assert the list is empty."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def synthetic_model_report(ipos: list[Ipo]) -> ModelReport:
    """Predictions of 111.11 % for every IPO with an outcome, plus fixed evaluation and backtest rows."""
    preds = tuple(
        synthetic_prediction(i.code, i.apply_date, 111.11)
        for i in ipos
        if i.first_day_return_pct is not None and i.apply_date is not None
    )
    model = MetricSet(name="回归模型", n=150, r2=0.321, mae_pct=55.55, median_ae_pct=40.4, interval_coverage=0.78)
    naive = MetricSet(name="近3只均值", n=150, r2=0.105, mae_pct=66.66, median_ae_pct=50.5)
    return ModelReport(
        predictions=preds,
        evaluations=(Evaluation(sample="全部", model=model, baselines=(naive,)),),
        backtest=(
            BacktestRow(
                strategy="模型建议",
                year=2025,
                subscribed=20,
                profit_cny=12_345.0,
                capital_days=1e8,
                return_on_frozen_pct=4.5,
            ),
            BacktestRow(
                strategy="模型建议",
                year=2026,
                subscribed=30,
                profit_cny=23_456.0,
                capital_days=2e8,
                return_on_frozen_pct=4.3,
            ),
            BacktestRow(
                strategy="全部申购",
                year=2025,
                subscribed=25,
                profit_cny=9_876.0,
                capital_days=1.5e8,
                return_on_frozen_pct=2.4,
            ),
            BacktestRow(
                strategy="全部申购",
                year=2026,
                subscribed=40,
                profit_cny=-1_234.0,
                capital_days=3e8,
                return_on_frozen_pct=-0.2,
            ),
            BacktestRow(
                strategy="模型建议",
                year=None,
                subscribed=50,
                profit_cny=35_801.0,
                capital_days=3e8,
                return_on_frozen_pct=4.4,
            ),
        ),
        factors_used=("recent3_mean_return", "log_issue_price"),
        notes=("北证50近5日涨幅因子缺少数据，未使用。",),
    )


__all__ = ["ADVICE_CAUTION", "synthetic_model_report", "synthetic_prediction"]
