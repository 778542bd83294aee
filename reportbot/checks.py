"""Value checks for the configuration: numeric ranges and the trading-calendar override file.

Kept apart from :mod:`reportbot.config` (which builds the dataclasses) so each stays small; both are
core modules that import nothing of reportbot but the errors.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportbot.errors import ConfigError

OVERRIDE_KEYS = ("closed", "open")

# Allowed ranges of numeric keys: (minimum, maximum, whether the minimum itself is allowed). A numeric key
# not listed here must be a finite number >= 0.
RANGES: dict[str, tuple[float, float | None, bool]] = {
    "calendar.refund_offset_trading_days": (0, 30, True),
    "subscriber_defaults.capital_cny": (0, None, False),
    "subscriber_defaults.annual_rate": (0, 1, True),
    "subscriber_defaults.min_probability": (0, 1, True),
    "model.min_train_size": (5, None, True),
    "model.interval_level": (0, 1, False),
    "model.winning_rate_lookback": (1, None, True),
    "model.industry_min_count": (1, None, True),
    "model.recent_halflife_calendar_days": (0, None, False),
    "sources.timeout_s": (0, None, False),
    "sources.retries": (0, 20, True),
    "sources.page_size": (1, 10_000, True),
    "telegram.max_messages_per_second": (0, 1000, True),
    "telegram.timeout_s": (0, None, False),
    "telegram.send_concurrency": (1, 1000, True),
    "telegram.send_processes": (1, 64, True),
    "telegram.max_attempts": (1, 100, True),
    "smtp.port": (1, 65535, True),
    "smtp.timeout_s": (0, None, False),
    "schedule.default_misfire_grace_s": (1, None, True),
    "backup.keep": (1, 1000, True),
}


def check_ranges(obj: Any, ranges: Mapping[str, tuple[float, float | None, bool]], prefix: str = "") -> None:
    """Check every int/float field of the (nested) dataclass ``obj`` against ``ranges`` (by dotted key).

    Raises:
        ConfigError: one line naming the key, the value and the allowed range.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            check_ranges(value, ranges, f"{key}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            low, high, low_ok = ranges.get(key, (0, None, True))
            inside = math.isfinite(value) and (value >= low if low_ok else value > low)
            if not inside or (high is not None and value > high):
                bound = f"{'>=' if low_ok else '>'} {low:g}" + (f" and <= {high:g}" if high is not None else "")
                raise ConfigError(f"{key}: {value!r} is out of range (must be {bound})")


def read_overrides(path: Path) -> tuple[frozenset[date], frozenset[date]]:
    """The ``closed`` and ``open`` dates of an override file.

    Raises:
        ConfigError: the file is missing or unreadable, is not TOML, has a key other than ``closed`` and
            ``open`` (e.g. a typo such as ``closd``), or an entry that is not a TOML date.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"calendar.overrides_file: cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(OVERRIDE_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(OVERRIDE_KEYS)})")
    sets = []
    for key in OVERRIDE_KEYS:
        values = data.get(key, [])
        if not isinstance(values, list):
            raise ConfigError(f"{path}: {key} must be a list of dates, got {values!r}")
        days = set()
        for value in values:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ConfigError(f"{path}: {key} entry must be a TOML date (YYYY-MM-DD), got {value!r}")
            days.add(value)
        sets.append(frozenset(days))
    return sets[0], sets[1]
