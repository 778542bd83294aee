"""Time the full walk-forward over all stored IPOs (issue: must take ≤ 2 s on the target machine).

Usage: ``.venv/bin/python bench/walkforward.py [--repeat N]`` (uses the configured store, loading the
bundled data on first use). Prints the number of predictions and the wall time of each run.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime

from reportbot.config import load_config
from reportbot.domain import TZ
from reportbot.model import forecasts
from reportbot.pipeline import manage, modeling

LIMIT_S = 2.0


def main() -> None:
    """Run the walk-forward ``--repeat`` times with a cold cache and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config()
    conn = manage.open_store(config, lambda: datetime.now(TZ))
    assert forecasts.Forecaster  # imported above: the runs time the fit, not the import of statsmodels
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        report = modeling.full_report(config, modeling.stored_model(config, conn).forecaster())  # a new fit
        times.append(time.perf_counter() - start)
    n = len(report.predictions)
    scored = sum(p.actual_return_pct is not None for p in report.predictions)
    print(f"walk-forward over the stored BSE IPOs: {n} predictions ({scored} with outcomes)")
    print("runs (s): " + ", ".join(f"{t:.3f}" for t in times))
    best, worst = min(times), max(times)
    print(f"best {best:.3f} s, worst {worst:.3f} s, limit {LIMIT_S:.1f} s: {'OK' if worst <= LIMIT_S else 'TOO SLOW'}")
    print(f"worst / limit = {worst / LIMIT_S:.2f}")


if __name__ == "__main__":
    main()
