"""HTML→PDF of the monthly report under two Python interpreters, side by side, pair by pair.

Why the bootstrap prefers Debian's own ``/usr/bin/python3``: WeasyPrint's layout is pure Python, and an
interpreter built with PGO and LTO (Debian's) runs it faster than one built without (pyenv's default
build, ``--enable-shared`` without ``--enable-optimizations``). This script renders the same monthly HTML
(2026-08 by default, bundled data, charts handed over as in a command) in a new process of each
interpreter in turn, A B A B …, each process timing ``--passes`` passes after a warm-up, and prints each
interpreter's median pass and the ratio of the pair medians.

Both interpreters need the project's packages (each its own virtual environment); this checkout is put
first on their ``PYTHONPATH``, so both run the same code:

    .venv/bin/python bench/interpreters.py --other /path/to/other-venv/bin/python [--rounds 5] [--passes 3]
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import render as render_bench  # noqa: E402  # the monthly HTML as the render benchmark builds it

from reportbot.config import load_config  # noqa: E402

PASS = """
import pickle, statistics, sys, time
from pathlib import Path
from reportbot.render import pdf
page = pickle.load(open(sys.argv[1], "rb"))
out = sys.argv[2]
def once():
    pdf.write_pdf(page["html"], Path(out), base_url=Path(page["base"]), images=page["images"], speculate=False)
once()
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter(); once(); times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def one_process(python: str, page_file: Path, out: Path, passes: int) -> float:
    """The median pass of ``passes`` in a new process of ``python``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [python, "-c", PASS, str(page_file), str(out), str(passes)], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.split()[-1])


def main() -> None:
    """Alternate the two interpreters and print their medians and the ratio."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--other", required=True, help="the other interpreter (a virtual environment's python)")
    parser.add_argument("--month", default="2026-08")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    pythons = {"this": sys.executable, "other": args.other}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        font_cache = load_config(None, env={}).fonts.cache_dir.resolve()
        config = load_config(render_bench.write_config(tmp, font_cache), env={})
        page, _ = render_bench.monthly_html(config, args.month)
        page_file = tmp / "page.pickle"
        page_file.write_bytes(pickle.dumps({"html": page.html, "base": str(page.base_url), "images": page.images}))
        runs: dict[str, list[float]] = {name: [] for name in pythons}
        for _ in range(args.rounds):
            for name, python in pythons.items():
                runs[name].append(one_process(python, page_file, tmp / f"{name}.pdf", args.passes))
    for name, python in pythons.items():
        real = os.path.realpath(python)
        median = statistics.median(runs[name])
        print(f"{name:5} {python} ({real}): median pass {median:.3f} s of {args.rounds} processes")
    ratios = [other / this for this, other in zip(runs["this"], runs["other"], strict=True)]
    spread = f"min {min(ratios):.2f}, max {max(ratios):.2f}"
    print(f"other / this, pair by pair: median {statistics.median(ratios):.2f} ({spread})")


if __name__ == "__main__":
    main()
