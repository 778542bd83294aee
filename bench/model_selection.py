"""How the model was chosen: candidate settings scored on IPOs subscribed up to 2025-06-30 only.

Usage: ``.venv/bin/python bench/model_selection.py`` (uses the configured store, loading the bundled
data on first use). For each candidate (EWMA half-life × with/without the PE factor) it prints the
out-of-sample figures of the development sample (建模样本); the holdout (2025-07-01…2026-09-30) is
deliberately not printed here — `reportbot model evaluate` reports it for the chosen setting.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime

from reportbot.config import load_config
from reportbot.domain import TZ
from reportbot.model import evaluation, forecasts
from reportbot.pipeline import manage, modeling

HALFLIVES = (2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)
BASE = (
    "recent_log_return_ewma",
    "bse50_5d_return",
    "log_issue_price",
    "log_expected_winning_rate",
    "ipos_subscribing_10d",
)


def main() -> None:
    """Print the development-sample figures of every candidate, best MAE ratio first."""
    config = load_config()
    conn = manage.open_store(config, lambda: datetime.now(TZ))
    rows = []
    for halflife in HALFLIVES:
        for with_pe in (False, True):
            factors = (*BASE, "log_pe_relative") if with_pe else BASE
            model = dataclasses.replace(config.model, factors=factors, recent_halflife_days=halflife)
            print(f"fitting half-life {halflife} days, PE {'on' if with_pe else 'off'} ...", file=sys.stderr)
            report = modeling.model_report(dataclasses.replace(config, model=model), conn)
            dev = next(e for e in report.evaluations if e.sample == forecasts.SAMPLE_DEV)
            base = next(b for b in dev.baselines if b.name == evaluation.BASELINE_RECENT)
            ratio = (dev.model.mae_pct or 0) / (base.mae_pct or 1)
            rows.append((ratio, halflife, with_pe, dev.model))
    print("development sample (T <= 2025-06-30), out of sample:")
    print("half-life  PE   n    MAE/last3  coverage  Brier(break)  Brier(>break-even)")
    for ratio, halflife, with_pe, m in sorted(rows, key=lambda r: r[0]):
        print(
            f"{halflife:>9.1f}  {'on ' if with_pe else 'off'}  {m.n:<4} {ratio:>9.3f}"
            f"  {(m.interval_coverage or 0) * 100:>7.1f}%"
            f"  {m.brier_break or 0:>12.3f}  {m.brier_beats_breakeven or 0:>18.3f}"
        )
    print(f"configured: half-life {config.model.recent_halflife_days}, factors {', '.join(config.model.factors)}")


if __name__ == "__main__":
    main()
