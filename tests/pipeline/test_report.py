"""The report use case reads the store once and hands the records down."""

from __future__ import annotations

import sqlite3

from reportbot.config import Config
from reportbot.kinds import Month
from reportbot.pipeline import report as report_case
from reportbot.store import cache as report_cache
from tests.conftest import fixed_now


def _statements(conn: sqlite3.Connection, run: object) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        assert callable(run)
        run()
    finally:
        conn.set_trace_callback(None)
    return seen


def test_a_monthly_report_reads_the_ipos_once(config: Config, store: sqlite3.Connection) -> None:
    seen = _statements(store, lambda: report_case.monthly_html(config, store, fixed_now, Month(2026, 8)))
    ipo_reads = [s for s in seen if "FROM ipos" in s]
    assert len(ipo_reads) == 1, ipo_reads  # one snapshot: the model and the summary get it handed down
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen)  # a report writes nothing


def test_a_brief_reads_the_ipos_once(config: Config, store: sqlite3.Connection) -> None:
    seen = _statements(store, lambda: report_case.render_ipo_brief(config, store, fixed_now, "920059"))
    assert len([s for s in seen if "FROM ipos" in s]) == 1


def test_compiled_templates_are_kept_for_the_next_process(config: Config, store: sqlite3.Connection) -> None:
    first = report_case.monthly_html(config, store, fixed_now, Month(2026, 8))
    kept = sorted((report_cache.cache_dir(config) / "templates").glob("__jinja2_*.cache"))
    assert len(kept) >= 2  # monthly.html.j2 and the base it extends
    again = report_case.monthly_html(config, store, fixed_now, Month(2026, 8))  # from the compiled copies
    assert again.html == first.html
