"""Instructions of one monthly HTML→PDF pass, counted by valgrind's callgrind: a figure the host's speed cannot move.

Wall times on a shared virtual machine drift by a third from one minute to the next; the instruction
count of the same pass, with the same interpreter and inputs, is the same in every run. This script
builds the monthly HTML (bundled data, 2026-08 by default, charts handed over as a command does), then
runs one warm-up pass and one counted pass in a new process under ``valgrind --tool=callgrind`` with
instrumentation switched on (``callgrind_control -i on``) only around the counted pass, and prints the
count. ``--variant`` files (HTML files with the same images) are counted the same way, one by one, to
compare a change of the templates side by side.

    .venv/bin/python bench/render_instructions.py [--month 2026-08] [--variant other.html ...]

Needs Debian's ``valgrind`` (``apt-get install valgrind``); about 2 minutes a count.
"""

from __future__ import annotations

import argparse
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import render as render_bench  # noqa: E402  # the monthly HTML as the render benchmark builds it

from reportbot.config import load_config  # noqa: E402

PASS = """
import os, pickle, subprocess, sys
from pathlib import Path
from reportbot.render import pdf
page = pickle.load(open(sys.argv[1], "rb"))
def once():
    pdf.write_pdf(page["html"], Path(sys.argv[2]), base_url=Path(page["base"]), images=page["images"], speculate=False)
once()
subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
once()
subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)
"""
COLLECTED = re.compile(r"Collected : (\d+)")


def count(page_file: Path, tmp: Path) -> int:
    """Instructions of the counted pass of the page pickled in ``page_file``."""
    out = tmp / "callgrind.out"
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    done = subprocess.run(
        [*valgrind, sys.executable, "-c", PASS, str(page_file), str(tmp / "pass.pdf")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count: {done.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    """Count the report's pass and each variant's."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--month", default="2026-08")
    parser.add_argument("--variant", action="append", default=[], type=Path, help="an HTML file to count as well")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        font_cache = load_config(None, env={}).fonts.cache_dir.resolve()
        config = load_config(render_bench.write_config(tmp, font_cache), env={})
        page, _ = render_bench.monthly_html(config, args.month)
        htmls = [(f"monthly {args.month}", page.html)] + [(str(v), v.read_text(encoding="utf-8")) for v in args.variant]
        base = None
        for label, html in htmls:
            page_file = tmp / "page.pickle"
            page_file.write_bytes(pickle.dumps({"html": html, "base": str(page.base_url), "images": page.images}))
            n = count(page_file, tmp)
            base = base or n
            print(f"{label}: {n:,} instructions ({n / base - 1:+.1%} against the report)", flush=True)


if __name__ == "__main__":
    main()
