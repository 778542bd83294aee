"""Pure checks shared by the parsers: payload framing (JSON, JSONP), field presence, types, units, ranges.

Every failure is a :class:`SourceError` naming the source, the field and the offending value, plus the
record (code) it was found in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from reportbot.domain import TZ, Ipo
from reportbot.errors import SourceError
from reportbot.sources.http import RawPage, is_anti_bot

_CODE = re.compile(r"^\d{6}$")
_EM_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: \d{2}:\d{2}:\d{2})?$")
# Security and company names: 2-20 characters, CJK or Latin letters, digits and the few marks real names
# carry (*ST, N/C prefixes, A/B, full-width brackets, middle dot); no markup, no control characters.
_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9*＊·\-－()（）&＆ ]{2,20}$")
_INDUSTRY = re.compile(r"^[\u4e00-\u9fff、，,（）()A-Za-z0-9 ]{2,30}$")
_COMPANY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9*＊·\-－()（）&＆ ]{2,60}$")


def _snippet(text: str, n: int = 60) -> str:
    return " ".join(text[:n].split())


def decode_body(source: str, page: RawPage) -> str:
    """The body as text in its declared charset (default UTF-8); bytes that do not decode raise.

    A GBK body served without a charset would otherwise turn every Chinese name into mojibake.
    """
    charset = page.charset or "utf-8"
    try:
        text = page.body.decode(charset)
    except LookupError:
        raise SourceError(source, f"unknown charset declared by {page.url}", field="charset", value=charset) from None
    except UnicodeDecodeError as exc:
        raise SourceError(
            source,
            f"body is not valid {charset} at byte {exc.start} (another encoding such as GBK?) from {page.url}",
            field="body",
            value=page.body[max(0, exc.start - 4) : exc.start + 4].hex(),
        ) from None
    return text.lstrip("\ufeff")


def _reject_html(source: str, page: RawPage, text: str, what: str) -> None:
    if is_anti_bot(text):
        raise SourceError(
            source,
            f"anti-bot verification page (访问验证) instead of {what} from {page.url}",
            field="body",
            value="访问验证",
        )
    if text.startswith("<"):
        raise SourceError(source, f"HTML page instead of {what} from {page.url}", field="body", value=_snippet(text))


def load_json(source: str, page: RawPage) -> Any:
    """Decode a JSON body; an HTML error page or truncated JSON raises with where it broke."""
    text = decode_body(source, page).strip()
    if not text:
        raise SourceError(source, f"empty response from {page.url}", field="body", value="")
    _reject_html(source, page, text, "JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            source, f"invalid or truncated JSON at char {exc.pos}: {exc.msg}", field="body", value=_snippet(text)
        ) from exc


def load_jsonp(source: str, page: RawPage, callback: str) -> Any:
    """Decode ``callback(<json>)``; a different callback name, HTML or broken JSON raises."""
    text = decode_body(source, page).strip()
    _reject_html(source, page, text, "JSONP")
    match = re.match(r"^([A-Za-z_$][\w$.]*)\s*\((.*)\)\s*;?$", text, flags=re.S)
    if match is None:
        raise SourceError(source, f"not a JSONP response from {page.url}", field="body", value=_snippet(text))
    if match.group(1) != callback:
        raise SourceError(source, f"JSONP callback is not {callback!r}", field="callback", value=match.group(1))
    body = re.sub(r",\s*'(\d{4}-\d{2}-\d{2})'\s*\]$", r', "\1"]', match.group(2).strip())
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise SourceError(
            source,
            f"invalid or truncated JSON in JSONP at char {exc.pos}: {exc.msg}",
            field="body",
            value=_snippet(body),
        ) from exc


def expect(source: str, value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` when it has the expected JSON type, else raise naming ``where``."""
    if not isinstance(value, kind) or isinstance(value, bool):
        shown = value if not isinstance(value, dict | list) else type(value).__name__
        raise SourceError(source, f"unexpected payload shape (want {_kind(kind)})", field=where, value=shown)
    return value


def _kind(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return "/".join(k.__name__ for k in kinds)


class Record:
    """One source record with typed, named accessors that raise :class:`SourceError` on bad values."""

    def __init__(self, source: str, data: Any, required: tuple[str, ...], label: str, code_key: str = "") -> None:
        """Check the record is an object holding every ``required`` key (values may be null).

        ``code_key`` names the field whose value identifies the record in error messages.
        """
        self.source = source
        self.data: Mapping[str, Any] = expect(source, data, dict, label)
        code = self.data.get(code_key) if code_key else None
        self.label = f"{label}, {code_key} {code}" if isinstance(code, str) else label
        for key in required:
            if key not in self.data:
                raise self.error(key, "<missing>", "required field is missing (renamed or removed?)")

    def error(self, key: str, value: Any, message: str) -> SourceError:
        """An error naming this record."""
        return SourceError(self.source, f"{message} (in {self.label})", field=key, value=value)

    def raw(self, key: str) -> Any:
        """The raw value (None when absent or null)."""
        return self.data.get(key)

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string field (numbers are accepted as their text form)."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(key, value, "required value is empty")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(key, value, "expected text")
        return str(value).strip()

    def name(self, key: str, *, company: bool = False) -> str:
        """A security name (2-20 characters) or company name (up to 60): CJK, Latin, digits, no markup."""
        value = self.text(key, required=True) or ""
        pattern = _COMPANY if company else _NAME
        if not pattern.match(value):
            shown = value if len(value) <= 40 else f"{value[:20]}...({len(value)} characters)"
            limit = 60 if company else 20
            raise self.error(key, shown, f"not a plausible name (2-{limit} CJK/Latin characters, no markup)")
        return value

    def industry(self, key: str) -> str | None:
        """A CSRC industry name (2-30 characters, no markup); None when empty."""
        value = self.text(key)
        if value is not None and not _INDUSTRY.match(value):
            raise self.error(key, value[:40], "not a plausible CSRC industry name")
        return value

    def code(self, key: str, *, required: bool = True) -> str | None:
        """A six-digit security code."""
        value = self.text(key, required=required)
        if value is not None and not _CODE.match(value):
            raise self.error(key, value, "expected a six-digit security code")
        return value

    def number(
        self,
        key: str,
        *,
        positive: bool = False,
        low: float | None = None,
        high: float | None = None,
        numeric_text: bool = False,
    ) -> float | None:
        """A JSON number (or numeric text when ``numeric_text``), range-checked; None when null."""
        value = self.data.get(key)
        if value is None or (numeric_text and isinstance(value, str) and value.strip() in ("", "-")):
            return None
        if numeric_text and isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise self.error(key, value, "expected a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.error(key, value, "expected a number")
        number = float(value)
        if positive and number <= 0:
            raise self.error(key, value, "must be > 0")
        if low is not None and number < low:
            raise self.error(key, value, f"below the plausible range (>= {low:g}); other units?")
        if high is not None and number > high:
            raise self.error(key, value, f"above the plausible range (<= {high:g}); other units?")
        return number

    def percent(self, key: str) -> float | None:
        """A rate in percent: 0 < value <= 100."""
        value = self.number(key)
        if value is not None and not 0 < value <= 100:
            raise self.error(key, value, "rate in percent must be in (0, 100]")
        return value

    def em_date(self, key: str) -> date | None:
        """An Eastmoney date ``YYYY-MM-DD[ hh:mm:ss]``."""
        value = self.text(key)
        if value is None:
            return None
        match = _EM_DATE.match(value)
        day = _iso_date(match.group(1)) if match else None
        if day is None:
            raise self.error(key, value, "expected a date YYYY-MM-DD[ hh:mm:ss]")
        return day

    def epoch_date(self, key: str) -> date | None:
        """A bse.cn date object ``{time: epoch-ms}`` converted in Asia/Shanghai (midnight Beijing)."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict) or "time" not in value:
            raise self.error(key, value, "expected a date object with 'time' (epoch milliseconds)")
        ms = value["time"]
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 < ms < 4e12:
            raise self.error(f"{key}.time", ms, "expected epoch milliseconds")
        return datetime.fromtimestamp(ms / 1000, TZ).date()


def check_order(rec: Record, earlier: str, first: date | None, later: str, second: date | None) -> None:
    """``first <= second`` when both are known."""
    if first is not None and second is not None and first > second:
        raise rec.error(later, second.isoformat(), f"is before {earlier} {first.isoformat()}")


def check_ratio(
    rec: Record, key: str, value: float | None, expected: float | None, *, tolerance: float, unit: str
) -> None:
    """``value`` must agree with ``expected`` (computed from other fields) within a relative tolerance.

    Catches values delivered in other units (a fraction instead of percent, 万元 instead of 元).
    """
    if value is None or expected is None or expected == 0:
        return
    if abs(value - expected) > tolerance * abs(expected):
        raise rec.error(key, value, f"inconsistent with the other fields (expected about {expected:.6g} {unit})")


def unique_ipos(source: str, ipos: list[Ipo]) -> list[Ipo]:
    """Drop exact repeats (paging drift); two different records for one code raise."""
    seen: dict[str, Ipo] = {}
    for ipo in ipos:
        old = seen.get(ipo.code)
        if old is None:
            seen[ipo.code] = ipo
        elif old != ipo:
            raise SourceError(source, "duplicate record with different values", field="code", value=ipo.code)
    return list(seen.values())


def check_first_day_return(
    rec: Record, key: str, value: float | None, close: float | None, price: float | None
) -> None:
    """The first-day return (percent) must match close/issue price - 1; a fraction fails here."""
    if value is None or close is None or price is None:
        return
    expected = (close / price - 1) * 100
    if abs(value - expected) > 0.5 + 0.02 * abs(expected):
        raise rec.error(key, value, f"inconsistent with close/issue price (expected about {expected:.4g} percent)")


def _iso_date(text: str) -> date | None:
    """``YYYY-MM-DD`` as a date, or None when it names no calendar day (2026-02-30)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
