"""The real BSE dataset shipped inside the package (the offline default).

Files (units and provenance in ``reportbot/data/PROVENANCE.md``):
``bse_ipos.csv`` (262 BSE IPOs 2022-04..2026-09) and ``bse_ipos_history_extra.csv`` (2021-11..2022-03 BSE
IPOs missing from the first file, the 精选层 offerings, and the old→920 code mapping).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportbot.domain import (
    BSE50_LAUNCH,
    IPO_DATE_FIELDS,
    IPO_FIELDS,
    IPO_NUMBER_FIELDS,
    Ipo,
)
from reportbot.errors import DataError
from reportbot.kinds import Segment
from reportbot.marketdata import MarketPoint

SOURCE_NAME = "bundled"
IPOS_FILE = "bse_ipos.csv"
EXTRA_FILE = "bse_ipos_history_extra.csv"
BSE50_POINTS_FILE = "bse50_points_from_news.csv"
MARKET_POINTS_FILE = "bse_market_anchor_points.csv"
POINTS_SOURCE_NAME = "bundled_points"
_CODE_920 = re.compile(r"920 code (920\d{3})")
_SEGMENTS = {"BSE_IPO": Segment.BSE, "NEEQ_select_layer_public_offering": Segment.NEEQ_SELECT}


@dataclass(frozen=True)
class BundledData:
    """Parsed bundled dataset."""

    ipos: list[Ipo]
    checksum: str
    as_of: date | None


DATA_DIR = Path(__file__).resolve().parents[1] / "data"  # reportbot/data, installed with the package


def load_bundled(directory: Path | None = None) -> BundledData:
    """Parse the bundled CSV files into validated IPO records.

    Raises:
        DataError: a file is missing or a value does not parse (names file, code, field and value).
    """
    directory = directory or DATA_DIR
    main_path, extra_path = directory / IPOS_FILE, directory / EXTRA_FILE
    digest = hashlib.sha256()
    rows_main = _read_csv(main_path, digest)
    rows_extra = _read_csv(extra_path, digest)
    ipos = [parse_main_row(row, main_path.name) for row in rows_main]
    known = {ipo.code for ipo in ipos}
    ipos += [
        parse_extra_row(row, extra_path.name)
        for row in rows_extra
        if row.get("in_bse_ipos_csv") == "0" and row["security_code_920"] not in known
    ]
    dates = [d for ipo in ipos for f in IPO_DATE_FIELDS if (d := getattr(ipo, f)) is not None]
    return BundledData(ipos=ipos, checksum=digest.hexdigest(), as_of=max(dates) if dates else None)


def parse_main_row(row: dict[str, str], where: str) -> Ipo:
    """One row of ``bse_ipos.csv``; legacy codes are re-keyed to their 920 code when the notes give it."""
    values: dict[str, str | None] = {k: row.get(k, "") for k in IPO_FIELDS if k in row}
    code = row["security_code"].strip()
    legacy = row.get("legacy_code", "").strip() or None
    match = _CODE_920.search(row.get("notes", ""))
    if row.get("code_type") == "legacy_83_87_43" and match:
        legacy, code = code, match.group(1)
    values.update(code=code, legacy_code=legacy, segment=Segment.BSE)
    return _typed(values, where, code)


def parse_extra_row(row: dict[str, str], where: str) -> Ipo:
    """One row of ``bse_ipos_history_extra.csv`` (IPOs absent from ``bse_ipos.csv``)."""
    code = row["security_code_920"].strip()
    segment = _SEGMENTS.get(row.get("segment", ""))
    if segment is None:
        raise DataError(f"{where}: code {code}: field segment has unknown value {row.get('segment')!r}")
    values = {k: row[k] for k in IPO_FIELDS if k in row}
    values.update(code=code, segment=segment, sources=row.get("source", ""), notes=row.get("notes", ""))
    return _typed(values, where, code)


def _typed(values: dict[str, Any], where: str, code: str) -> Ipo:
    kwargs: dict[str, Any] = {}
    for name, raw in values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        text = raw.strip() if isinstance(raw, str) else raw
        try:
            if name in IPO_DATE_FIELDS:
                kwargs[name] = date.fromisoformat(text)
            elif name in IPO_NUMBER_FIELDS:
                kwargs[name] = float(text)
            else:
                kwargs[name] = text
        except ValueError as exc:
            raise DataError(f"{where}: code {code}: field {name} has invalid value {raw!r}") from exc
    if "name" not in kwargs:
        raise DataError(f"{where}: code {code}: field name is empty")
    return Ipo(**kwargs)


def _read_csv(path: Path, digest: Any) -> list[dict[str, str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"bundled data file missing: {path} ({exc.strerror})") from exc
    digest.update(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@dataclass(frozen=True)
class BundledPoints:
    """Dated market figures quoted in news (sparse, each with its URL)."""

    points: list[MarketPoint]
    checksum: str
    as_of: date | None


def load_market_points(directory: Path | None = None) -> BundledPoints:
    """Parse ``bse50_points_from_news.csv`` (北证50 closes and changes) and ``bse_market_anchor_points.csv``.

    A value written ``~50`` is kept as 50 with "approximate" in the note; empty values are skipped.

    Raises:
        DataError: a file is missing or a value does not parse (names file, date, field and value).
    """
    directory = directory or DATA_DIR
    digest = hashlib.sha256()
    points: list[MarketPoint] = []
    for row in _read_csv(directory / BSE50_POINTS_FILE, digest):
        if row.get("date", "").strip() < BSE50_LAUNCH.isoformat():
            continue  # point in time: 北证50 was first published on its launch day; earlier values are a backfill
        note = "; ".join(t for t in (row.get("kind", ""), row.get("note", "")) if t)
        for column, metric, unit in (("close", "bse50_close", "点"), ("pct_change", "bse50_change_pct", "%")):
            point = _point(row, column, metric, unit, note, BSE50_POINTS_FILE)
            if point is not None:
                points.append(point)
    for row in _read_csv(directory / MARKET_POINTS_FILE, digest):
        point = _point(
            row, "value", row.get("metric", ""), row.get("unit", ""), row.get("note", ""), MARKET_POINTS_FILE
        )
        if point is not None:
            points.append(point)
    days = [p.day for p in points]
    return BundledPoints(points=points, checksum=digest.hexdigest(), as_of=max(days) if days else None)


def _point(row: dict[str, str], column: str, metric: str, unit: str, note: str, where: str) -> MarketPoint | None:
    text = row.get(column, "").strip()
    if not text:
        return None
    approximate = text.startswith("~")
    try:
        day = date.fromisoformat(row["date"].strip())
        value = float(text.lstrip("~"))
    except (KeyError, ValueError) as exc:
        raise DataError(f"{where}: date {row.get('date')!r}: field {column} has invalid value {text!r}") from exc
    if approximate:
        note = f"approximate ({text}); {note}" if note else f"approximate ({text})"
    return MarketPoint(day=day, metric=metric, value=value, unit=unit, source=row.get("source", "").strip(), note=note)
