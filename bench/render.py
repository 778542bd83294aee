"""Benchmark: the monthly report's HTML→PDF step with the prepared font vs stock WeasyPrint.

Both documents are the same HTML of the monthly report of MONTH (bundled data, fresh temporary store);
"stock" names the system Noto Sans CJK SC (OTF/CFF outlines in a TTC) through fontconfig, "prepared"
links the cached TrueType subset with @font-face. WeasyPrint subsets fonts with HarfBuzz when
libharfbuzz-subset0 is installed and with fontTools otherwise; both paths are measured (the fontTools
path by hiding HarfBuzz-Subset from WeasyPrint in this process).

    .venv/bin/python bench/render.py [--month 2026-08] [--runs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import tempfile
import time
from pathlib import Path

import weasyprint
import weasyprint.pdf.fonts as wp_fonts

from reportbot import pipeline
from reportbot.config import PathsConfig, load_config
from reportbot.domain import TZ
from reportbot.pipeline import reports
from reportbot.render.pdf import local_fetcher

TARGET_S = 1.0
TARGET_RATIO = 8.0
TARGET_KIB = 400


def fixed_now():
    from datetime import datetime

    return datetime(2026, 11, 21, 9, 30, tzinfo=TZ)


def render(html: str, base: Path) -> bytes:
    """One HTML→PDF conversion (layout + PDF writing, font subsetting included)."""
    return weasyprint.HTML(string=html, base_url=str(base), url_fetcher=local_fetcher()).write_pdf()


def measure(html: str, base: Path, runs: int) -> tuple[float, float, int]:
    """Median and best time over ``runs`` after one warm-up, and the PDF size."""
    data = render(html, base)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        data = render(html, base)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2026-08")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base_config = load_config(None, env={})
        config = dataclasses.replace(
            base_config,
            paths=PathsConfig(database=tmp / "db.sqlite3", output_dir=tmp, raw_dir=tmp / "raw"),
            fonts=dataclasses.replace(base_config.fonts, cache_dir=base_config.fonts.cache_dir.resolve()),
        )
        conn = pipeline.open_store(config, fixed_now)
        start = time.perf_counter()
        reports.report_font(config)
        print(f"font preparation (cached after the first run): {time.perf_counter() - start:.2f} s")
        prepared = reports.monthly_html(config, conn, fixed_now, args.month)
        stock = reports.monthly_html(config, conn, fixed_now, args.month, stock_font=True)
        hb = wp_fonts.harfbuzz_subset
        paths = [("HarfBuzz-Subset", hb)] if hb is not None else []
        paths.append(("fontTools", None))
        print(f"monthly report {args.month}, HTML→PDF, median (best) of {args.runs} runs after a warm-up:")
        results = {}
        for label, lib in paths:
            wp_fonts.harfbuzz_subset = lib
            p_med, p_best, p_size = measure(prepared.html, tmp, args.runs)
            s_med, s_best, s_size = measure(stock.html, tmp, args.runs)
            results[label] = (p_med, p_size, s_med)
            print(f"  [{label} subsetting]")
            print(f"    prepared font : {p_med:.3f} s ({p_best:.3f}), PDF {p_size / 1024:.0f} KiB")
            print(f"    stock fonts   : {s_med:.3f} s ({s_best:.3f}), PDF {s_size / 1024:.0f} KiB")
            print(f"    ratio stock/prepared: {s_med / p_med:.1f}x")
        wp_fonts.harfbuzz_subset = hb
        ours = results.get("HarfBuzz-Subset", results["fontTools"])
        stock_s = results["fontTools"][2]
        print(
            f"reportbot set-up ({'prepared font + HarfBuzz-Subset' if hb else 'prepared font'}): {ours[0]:.3f} s,"
            f" PDF {ours[1] / 1024:.0f} KiB; stock WeasyPrint with the system Noto CJK (fontTools subsetting,"
            f" as without libharfbuzz-subset0): {stock_s:.3f} s; ratio {stock_s / ours[0]:.1f}x"
        )
        if hb is None:
            print("  (libharfbuzz-subset0 not installed: only the fontTools path was measured)")
        print(f"targets: <= {TARGET_S} s, >= {TARGET_RATIO:.0f}x, PDF <= {TARGET_KIB} KiB")


if __name__ == "__main__":
    main()
