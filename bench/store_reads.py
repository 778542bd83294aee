"""How often one report goes to the store: the SQL statements of a monthly report and of a per-IPO brief.

Runs on the bundled data in a fresh temporary directory (its own config, database and report cache), and
counts every statement the report use case sends to SQLite (``sqlite3.Connection.set_trace_callback``),
per table: the report reads one snapshot and hands it down, so the ``ipos`` table is read once.

    .venv/bin/python bench/store_reads.py [--month 2026-08] [--code 920059]
"""

from __future__ import annotations

import argparse
import collections
import re
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from reportbot.config import load_config
from reportbot.domain import TZ
from reportbot.kinds import Month
from reportbot.pipeline import manage
from reportbot.pipeline import report as report_case

TABLE = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


def fixed_now() -> datetime:
    return datetime(2026, 11, 21, 9, 30, tzinfo=TZ)


def count(conn: sqlite3.Connection, run: Callable[[], object]) -> collections.Counter[str]:
    """Statements per table while ``run`` runs."""
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        run()
    finally:
        conn.set_trace_callback(None)
    return collections.Counter(m[1] for s in seen for m in [TABLE.search(s)] if m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2026-08")
    parser.add_argument("--code", default="920059")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reportbot-bench-"))
    config_path = tmp / "config.toml"
    config_path.write_text(f'[paths]\ndatabase = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "out"}"\n')
    config = load_config(config_path, env={})
    conn = manage.open_store(config, fixed_now)
    month = Month.parse(args.month)
    for label, run in (
        (f"monthly report {month}", lambda: report_case.monthly_html(config, conn, fixed_now, month)),
        (f"brief {args.code}", lambda: report_case.render_ipo_brief(config, conn, fixed_now, args.code)),
    ):
        tables = count(conn, run)
        per_table = ", ".join(f"{t} {n}" for t, n in sorted(tables.items()))
        print(f"{label}: {sum(tables.values())} reads ({per_table}); ipos table read {tables['ipos']} time(s)")


if __name__ == "__main__":
    main()
