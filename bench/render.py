"""Benchmark of the monthly report: cold command wall time, HTML→PDF against stock WeasyPrint, PDF size, --help.

Everything runs on the bundled data in a fresh temporary directory (its own config, database, output and
report cache; the prepared font comes from the usual font cache), in one run of this script; the first
line names the interpreter (see ``bench/interpreters.py``):

1. ``reportbot report monthly --month MONTH`` in a new process: the first run (empty database and report
   cache: it loads the data, fits the walk-forward model, draws the charts) and then the median of RUNS
   cold processes, which read the model results and charts from the disk cache;
2. ``reportbot --help`` in a new process (median of RUNS);
3. HTML→PDF of the same monthly HTML in this process (median of RUNS after a warm-up): reportbot's way
   (prepared font, ``reportbot.render.pdf.write_pdf`` as a command calls it: the compact reflow forked
   only with at least 3 CPUs, one idle, and beside it with the fork forced) against stock WeasyPrint with the
   system Noto Sans CJK found by fontconfig and the charts as image files beside the HTML, under HarfBuzz
   subsetting (libharfbuzz-subset0) and fontTools subsetting (the HarfBuzz library hidden from WeasyPrint
   in this process);
4. the PDF's size;
5. for reference (not a target), HTML→PDF of a month whose nearly empty last page is reflowed
   (``--reflow-month``, default 2025-04): two layouts, forked and in one process.

    .venv/bin/python bench/render.py [--month 2026-08] [--runs 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import weasyprint
import weasyprint.pdf.fonts as wp_fonts

from reportbot.config import Config, load_config
from reportbot.domain import TZ
from reportbot.kinds import Month
from reportbot.pipeline import manage
from reportbot.pipeline import report as report_case
from reportbot.render import pdf
from reportbot.render.fonts import CjkFont
from reportbot.store import snapshot

TARGET_COLD_S = 3.0
TARGET_PDF_S = 0.8
TARGET_KIB = 400
TARGET_HELP_S = 0.6
REPORTBOT = Path(sys.executable).with_name("reportbot")


def fixed_now() -> datetime:
    """The benchmark's clock (the PDF's creation date)."""
    return datetime(2026, 11, 21, 9, 30, tzinfo=TZ)


def wall(argv: list[str]) -> float:
    """Wall time of one new process; fails loudly when the command fails."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def median_of(runs: int, once: Callable[[], object]) -> tuple[float, float]:
    """Median and best wall time of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def stock_pdf(html: str, base: Path) -> bytes:
    """Stock WeasyPrint: the HTML names the system font family, fontconfig finds it; charts are files."""
    data: bytes = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
    return data


def stock_html(page: report_case.RenderedHtml, base: Path) -> str:
    """``page`` as a stock set-up has it: each chart an image file beside the HTML, named by its file name."""
    text = page.html
    for url, image in page.images.items():
        name = url.rpartition(":")[2] + ".jpg"
        (base / name).write_bytes(image)
        text = text.replace(f'"{url}"', f'"{name}"')
    return text


def write_config(tmp: Path, font_cache: Path) -> Path:
    """A config with every path under ``tmp`` except the prepared-font cache."""
    path = tmp / "config.toml"
    path.write_text(
        f'[paths]\ndatabase = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "out"}"\n'
        f'[fonts]\ncache_dir = "{font_cache}"\n',
        encoding="utf-8",
    )
    return path


def verdict(ok: bool) -> str:
    """PASS / FAIL."""
    return "PASS" if ok else "FAIL"


def bench_commands(config_path: Path, month: str, runs: int) -> tuple[float, float]:
    """Cold ``report monthly`` and ``--help`` wall times (new processes)."""
    cmd = [str(REPORTBOT), "--config", str(config_path), "-q", "report", "monthly", "--month", month]
    first = wall(cmd)
    print(f"report monthly --month {month}, first run (empty database and report cache): {first:.2f} s")
    cold, cold_best = median_of(runs, lambda: wall(cmd))
    print(
        f"report monthly --month {month}, cold process (report cache on disk): median {cold:.2f} s"
        f" (best {cold_best:.2f}) of {runs}   target <= {TARGET_COLD_S} s  {verdict(cold <= TARGET_COLD_S)}"
    )
    help_s, help_best = median_of(runs, lambda: wall([str(REPORTBOT), "--help"]))
    print(
        f"reportbot --help: median {help_s:.2f} s (best {help_best:.2f}) of {runs}"
        f"   target <= {TARGET_HELP_S} s  {verdict(help_s <= TARGET_HELP_S)}"
    )
    return cold, help_s


def monthly_html(config: Config, month: str) -> tuple[report_case.RenderedHtml, str]:
    """The monthly report's HTML for reportbot (prepared font) and for stock WeasyPrint (system font by name)."""
    conn = manage.open_store(config, fixed_now)
    cal = report_case.trading_calendar(config)
    snap = snapshot.read_month(conn, cal, Month.parse(month))
    report = report_case.monthly_report(config, snap, cal, fixed_now)
    font = report_case.report_font(config)
    charts = report_case.monthly_charts(config, report, font, snap.base)
    ours = report_case.render_monthly_html(config, report, font, charts)
    # stock WeasyPrint: the system font family by name, found through fontconfig (no @font-face)
    stock = report_case.render_monthly_html(
        config, report, CjkFont(font.path, config.fonts.family), charts, font_face=False
    )
    config.paths.output_dir.mkdir(parents=True, exist_ok=True)
    return ours, stock_html(stock, config.paths.output_dir)


def bench_reflow(config: Config, month: str, runs: int) -> None:
    """For reference: a month whose nearly empty last page is reflowed (the compact layout is a second pass)."""
    page, _ = monthly_html(config, month)
    out = Path(tempfile.mkdtemp()) / "reflow.pdf"
    times = {}
    for speculate in (True, False):

        def once(speculate: bool | None = speculate) -> Path:
            return pdf.write_pdf(page.html, out, base_url=page.base_url, images=page.images, speculate=speculate)

        once()
        times[speculate] = median_of(runs, once)
    print(
        f"for reference, {month} (its last page is reflowed: two layouts): {times[True][0]:.3f} s forked,"
        f" {times[False][0]:.3f} s in one process (not a target)"
    )


def bench_pdf(config_path: Path, month: str, runs: int, reflow_month: str) -> None:
    """HTML→PDF: reportbot as a command runs it (and with the fork forced) against stock WeasyPrint."""
    config = load_config(config_path, env={})
    ours, stock = monthly_html(config, month)
    out = Path(tempfile.mkdtemp()) / "bench.pdf"
    base = config.paths.output_dir
    hb = wp_fonts.harfbuzz_subset
    paths = [("HarfBuzz", hb)] if hb is not None else []
    paths.append(("fontTools", None))
    print(f"HTML→PDF of the monthly report {month}, median (best) of {runs} runs after a warm-up:")
    results = {}
    for label, lib in paths:
        wp_fonts.harfbuzz_subset = lib
        results[label] = bench_subsetting(label, ours, stock, base, out, runs)
    wp_fonts.harfbuzz_subset = hb
    default, forked, size = results.get("HarfBuzz", results["fontTools"])
    cpus = os.cpu_count() or 1
    way = "a reflow forked when a CPU is idle" if cpus >= pdf.SPECULATE_MIN_CPUS else "a reflow in this process"
    ok = verdict(default <= TARGET_PDF_S)
    print(f"reportbot HTML→PDF ({cpus} CPUs: {way}): {default:.3f} s   target <= {TARGET_PDF_S} s  {ok}")
    if threading.active_count() > 1:
        print("  (this process runs other threads: the compact variant was NOT forked, both figures are serial)")
    print(f"  (with the compact layout forked whatever the CPUs: {forked:.3f} s)")
    print(f"PDF size: {size / 1024:.0f} KiB   target <= {TARGET_KIB} KiB  {verdict(size <= TARGET_KIB * 1024)}")
    if hb is None:
        print("(libharfbuzz-subset0 is not installed: only the fontTools path was measured)")
    if reflow_month:
        bench_reflow(config, reflow_month, runs)


def bench_subsetting(
    label: str, ours: report_case.RenderedHtml, stock: str, base: Path, out: Path, runs: int
) -> tuple[float, float, int]:
    """One subsetting path: reportbot as a command runs it and with the fork forced, stock WeasyPrint."""

    def our_pdf(speculate: bool | None) -> Callable[[], Path]:
        return lambda: pdf.write_pdf(ours.html, out, base_url=base, images=ours.images, speculate=speculate)

    times = {}
    for speculate in (None, True):
        our_pdf(speculate)()
        times[speculate] = median_of(runs, our_pdf(speculate))
    size = out.stat().st_size
    stock_pdf(stock, base)
    theirs, theirs_best = median_of(runs, lambda: stock_pdf(stock, base))
    stock_size = len(stock_pdf(stock, base))
    (default, default_best), (forked, forked_best) = times[None], times[True]
    print(
        f"  {label:9} subsetting: reportbot {default:.3f} s ({default_best:.3f}), fork forced {forked:.3f} s"
        f" ({forked_best:.3f}), PDF {size / 1024:.0f} KiB | stock WeasyPrint + system Noto CJK {theirs:.3f} s"
        f" ({theirs_best:.3f}), PDF {stock_size / 1024:.0f} KiB | stock / reportbot {theirs / default:.1f}x"
        f" (fork forced {theirs / forked:.1f}x)"
    )
    return default, forked, size


def main() -> None:
    """Run every measurement once and print the figures with their targets."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--month", default="2026-08")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reflow-month", default="2025-04", help="a month whose last page is reflowed ('': skip)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    start_load = os.getloadavg()[0]
    interpreter = os.path.realpath(sys.executable)
    print(f"interpreter: {interpreter} (Python {platform.python_version()}; the venv's, as bootstrap.sh made it)")
    font_cache = load_config(None, env={}).fonts.cache_dir.resolve()
    with tempfile.TemporaryDirectory() as tmp_name:
        config_path = write_config(Path(tmp_name), font_cache)
        report_case.report_font(load_config(config_path, env={}))  # prepared once per machine
        bench_commands(config_path, args.month, args.runs)
        bench_pdf(config_path, args.month, args.runs, args.reflow_month)
    one, five, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {one:.1f} (1 min) / {five:.1f} (5 min) at the end of the run")
    print(f"(at the start: {start_load:.1f}; the forked compact layout needs a spare CPU to pay off)")


if __name__ == "__main__":
    main()
