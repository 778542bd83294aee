"""Make the README's picture of the monthly report's first page from the bundled data.

    .venv/bin/python scripts/readme_image.py [--month 2026-08] [--out docs/monthly-first-page.png]

Renders the monthly report into a temporary directory (fresh store, bundled data only), rasterises page 1
with pdftoppm (poppler-utils) and writes a small palette PNG.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from PIL import Image

from reportbot.config import PathsConfig, load_config
from reportbot.domain import TZ
from reportbot.kinds import Month
from reportbot.pipeline import manage
from reportbot.pipeline import report as report_case

ROOT = Path(__file__).resolve().parents[1]


def now() -> datetime:
    """The wall clock in Beijing time (printed in the report header)."""
    return datetime.now(TZ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2026-08")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "monthly-first-page.png")
    parser.add_argument("--dpi", type=int, default=72)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = load_config(None, env={})
        config = dataclasses.replace(
            base,
            paths=PathsConfig(database=tmp / "db.sqlite3", output_dir=tmp, raw_dir=tmp / "raw"),
            fonts=dataclasses.replace(base.fonts, cache_dir=(ROOT / base.fonts.cache_dir).resolve()),
            calendar=dataclasses.replace(base.calendar, overrides_file=ROOT / "schedules" / "holidays.toml"),
        )
        conn = manage.open_store(config, now)
        pdf = report_case.render_monthly(config, conn, now, Month.parse(args.month))[0]
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp / "page")],
            check=True,
        )
        image = Image.open(tmp / "page.png").convert("RGB").quantize(colors=64)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        image.save(args.out, optimize=True)
    print(f"{args.out} ({args.out.stat().st_size // 1024} KiB, {image.width}x{image.height})")


if __name__ == "__main__":
    main()
