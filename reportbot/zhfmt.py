"""Chinese number/date formatting shared by templates and text alerts. ``None`` → 暂缺."""

from __future__ import annotations

from datetime import date, datetime

from reportbot.kinds import WEEKDAYS_ZH

MISSING = "暂缺"


def pct(value: float | None, digits: int = 2, *, signed: bool = False) -> str:
    """Format a value already in percent: ``12.3456`` → ``12.35%``; uses a true minus sign."""
    if value is None:
        return MISSING
    text = f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"
    return text.replace("-", "−")


def num(value: float | None, digits: int = 2) -> str:
    """Format a number with thousands separators: ``1234.5`` → ``1,234.50``."""
    if value is None:
        return MISSING
    return f"{value:,.{digits}f}".replace("-", "−")


def with_unit(value: float | None, unit: str, digits: int = 2) -> str:
    """``12.3`` → ``12.30亿元``; missing → 暂缺 alone (a unit only ever follows a number)."""
    return MISSING if value is None else f"{num(value, digits)}{unit}"


def shares(value: float | None) -> str:
    """Format a share count: ``1485000`` → ``148.50万股``."""
    if value is None:
        return MISSING
    return f"{value / 1e4:,.2f}万股"


def cny(value: float | None, digits: int = 2) -> str:
    """Format CNY: below 1万 as 元, below 1亿 as 万元, else 亿元."""
    if value is None:
        return MISSING
    if abs(value) >= 1e8:
        return f"{value / 1e8:,.{digits}f}亿元".replace("-", "−")
    if abs(value) >= 1e4:
        return f"{value / 1e4:,.{digits}f}万元".replace("-", "−")
    return f"{value:,.{digits}f}元".replace("-", "−")


def day(value: date | None) -> str:
    """``2026-08-17`` → ``2026-08-17``; missing → 暂缺."""
    return MISSING if value is None else value.isoformat()


def day_week(value: date | None) -> str:
    """``2026-08-17`` → ``2026-08-17（周一）``."""
    if value is None:
        return MISSING
    return f"{value.isoformat()}（周{WEEKDAYS_ZH[value.weekday()]}）"


def month_zh(month: str) -> str:
    """``2026-08`` → ``2026年8月``."""
    year, mon = month.split("-")
    return f"{int(year)}年{int(mon)}月"


def stamp(value: datetime) -> str:
    """A tz-aware time as Beijing time text."""
    return value.strftime("%Y-%m-%d %H:%M") + "（北京时间）"
