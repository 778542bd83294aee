"""Merging live IPO records into the ``ipos`` table with per-field provenance and logged conflicts.

Policy (README "Live data sources"):

- Records are keyed on the 920 code. A record that comes with an old 83/87/43xxxx code is matched to the
  stored row whose ``legacy_code`` it is; a stored row still keyed on the old code is re-keyed to the
  920 code when a source gives both.
- An empty stored field is filled. Equal values (numbers within :data:`REL_TOL`) change nothing.
- A different value from the source that set the field is that source's revision and replaces it.
- A different value from another source is a conflict: it is logged in ``source_conflicts`` (once per
  pair of values) and the source ranked higher for that field by ``rank`` wins; on a tie the newer
  value wins. Nothing is overwritten without a log entry.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportbot.domain import IPO_FIELDS, Ipo
from reportbot.store import fetches
from reportbot.store.ipos import insert_row, to_row, update_row

BUNDLED = "bundled"
REL_TOL = 5e-4  # displayed-precision differences (0.025654 vs 0.02565) are not conflicts
_LEGACY = re.compile(r"^(83|87|43)\d{4}$")
_NOT_MERGED = frozenset({"code", "segment", "sources", "notes", "name_aliases"})
Rank = Callable[[str, str], int]

# Merge ranks (higher wins a conflict; every conflict is logged either way): the exchange's own list is
# authoritative for the calendar, Eastmoney's BSE issue report for terms and outcomes.
CALENDAR_FIELDS = frozenset({"name", "legacy_code", "apply_date", "issue_result_date", "listing_date"})
CALENDAR_RANK = {"bse_newshare": 3, "em_issueinfo": 2, "em_ipoapply": 1, BUNDLED: 0}
TERMS_RANK = {"em_issueinfo": 3, "bse_newshare": 2, "em_ipoapply": 1, BUNDLED: 0}


def source_rank(source: str, field_name: str) -> int:
    """The merge rank of ``source`` for one IPO field (see README "Live data sources")."""
    table = CALENDAR_RANK if field_name in CALENDAR_FIELDS else TERMS_RANK
    return table.get(source, 0)


@dataclass(frozen=True)
class MergeResult:
    """What a merge did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0


def merge_ipos(conn: sqlite3.Connection, ipos: Iterable[Ipo], *, source: str, rank: Rank, now: datetime) -> MergeResult:
    """Merge one source's records; call inside a transaction so a failure leaves nothing behind."""
    inserted = updated = unchanged = conflicts = 0
    for ipo in ipos:
        code, legacy = _resolve_code(conn, ipo.code, ipo.legacy_code, now, source)
        new = to_row(ipo) | {"code": code, "legacy_code": legacy}
        old = conn.execute("SELECT * FROM ipos WHERE code = ?", (code,)).fetchone()
        if old is None:
            _insert(conn, new, source, now)
            inserted += 1
            continue
        changes, found = _changes(conn, dict(old), new, source, rank, now)
        conflicts += found
        if source not in (old["sources"] or "").split(" | "):
            changes["sources"] = " | ".join(s for s in (old["sources"], source) if s)
        if not changes:
            unchanged += 1
            continue
        update_row(conn, code, changes, source=source, now=now)
        updated += 1
    return MergeResult(inserted, updated, unchanged, conflicts)


def _resolve_code(
    conn: sqlite3.Connection, code: str, legacy: str | None, now: datetime, source: str
) -> tuple[str, str | None]:
    if _LEGACY.match(code):
        row = conn.execute("SELECT code FROM ipos WHERE legacy_code = ?", (code,)).fetchone()
        if row is not None:
            return str(row[0]), code
        return code, legacy
    if legacy and not _exists(conn, code) and _exists(conn, legacy):
        conn.execute(
            "UPDATE ipos SET code = ?, legacy_code = ?, updated_at = ?, updated_by = ? WHERE code = ?",
            (code, legacy, now.isoformat(), source, legacy),
        )
        fetches.rename_code(conn, legacy, code)
    return code, legacy


def _exists(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute("SELECT 1 FROM ipos WHERE code = ?", (code,)).fetchone() is not None


def _insert(conn: sqlite3.Connection, new: dict[str, Any], source: str, now: datetime) -> None:
    new = new | {"sources": source}
    insert_row(conn, new, source=source, now=now)
    if source == BUNDLED:  # a field without a recorded owner belongs to the bundled dataset
        return
    for name in IPO_FIELDS:
        if name not in _NOT_MERGED and new.get(name) is not None:
            fetches.set_field_source(conn, new["code"], name, source)


def _changes(
    conn: sqlite3.Connection,
    old: dict[str, Any],
    new: dict[str, Any],
    source: str,
    rank: Rank,
    now: datetime,
) -> tuple[dict[str, Any], int]:
    code = old["code"]
    changes: dict[str, Any] = {}
    found = 0
    for name in IPO_FIELDS:
        value, stored = new.get(name), old[name]
        if name in _NOT_MERGED or value is None or _same(stored, value):
            continue
        owner = fetches.field_source(conn, code, name) or BUNDLED
        if stored is None or owner == source:
            changes[name] = value
            fetches.set_field_source(conn, code, name, source)
            continue
        wins = rank(source, name) >= rank(owner, name)
        conflict = fetches.Conflict(
            code=code,
            field=name,
            kept_value=_text(value if wins else stored),
            kept_source=source if wins else owner,
            other_value=_text(stored if wins else value),
            other_source=owner if wins else source,
            resolution=fetches.RESOLUTION_REPLACED if wins else fetches.RESOLUTION_KEPT,
            first_seen=now,
        )
        found += int(fetches.record_conflict(conn, conflict))
        if wins:
            changes[name] = value
            fetches.set_field_source(conn, code, name, source)
    return changes, found


def _same(stored: Any, value: Any) -> bool:
    if stored is None:
        return False
    if isinstance(value, float) and isinstance(stored, int | float):
        return math.isclose(float(stored), value, rel_tol=REL_TOL, abs_tol=1e-9)
    return bool(stored == value)


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
