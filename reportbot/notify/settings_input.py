"""What a subscriber types into /settings: one documented meaning per input, messages in Chinese."""

from __future__ import annotations

import math

from reportbot import zhfmt
from reportbot.domain import SubscriberSettings

FRACTION_RULE = "带百分号按百分数理解（如 3%），不带百分号按小数理解（0.03 即 3%），因此不带百分号时不能大于 1"
FIELDS = {
    "capital": ("申购资金", "请输入申购资金（元），例如 500000、50万 或 0.5亿，范围 1000 元至 1 亿元。"),
    "rate": ("年化资金成本", f"请输入年化资金成本，例如 3% 或 0.03，范围 0 至 30%。{FRACTION_RULE}。"),
    "prob": ("概率阈值", f"请输入超过盈亏平衡的最低概率，例如 60% 或 0.6，范围 0 至 100%。{FRACTION_RULE}。"),
}
ECHO_MAX = 20  # characters of the user's input quoted back
# what a subscriber types after /settings: Chinese words (shown in the help), the field names still accepted
KEYWORDS = {"资金": "capital", "成本": "rate", "概率": "prob", **{name: name for name in FIELDS}}
USAGE = "用法：/settings，或 /settings 资金 500000 | 成本 3% | 概率 60%"
PRESETS = {
    "capital": (100_000.0, 500_000.0, 1_000_000.0, 2_000_000.0),
    "rate": (0.02, 0.03, 0.05, 0.08),
    "prob": (0.4, 0.5, 0.6, 0.7),
}


def parse_setting(field: str, text: str) -> float:
    """Parse and validate one setting typed by a user.

    Capital takes 元, 万 or 亿. Rates and probabilities have one meaning: with a percent sign a percentage
    (``3%``), without one a fraction (``0.03``), so a number without ``%`` above 1 is refused.

    Raises:
        ValueError: with a Chinese message saying what is accepted (the input quoted, at most 20 characters).
    """
    shown = text.strip()
    shown = shown if len(shown) <= ECHO_MAX else shown[:ECHO_MAX] + "…"
    raw = text.strip().replace(",", "").replace("，", "").replace("元", "")
    scale = 1.0
    if field == "capital":
        for suffix, factor in (("万", 1e4), ("亿", 1e8)):
            if raw.endswith(suffix):
                raw, scale = raw[: -len(suffix)], factor
    percent = raw.endswith("%")
    raw = raw.rstrip("%").strip()
    try:
        value = float(raw) * scale
    except ValueError:
        raise ValueError(f"无法识别“{shown}”。{FIELDS[field][1]}") from None
    if not math.isfinite(value):
        raise ValueError(f"无法识别“{shown}”。{FIELDS[field][1]}")
    if field == "capital":
        if not 1_000 <= value <= 1e8:
            raise ValueError(f"申购资金 {amount(value)} 超出范围。{FIELDS[field][1]}")
        return value
    if not percent and value > 1:
        raise ValueError(f"“{shown}”没有百分号，按小数理解时大于 1。{FIELDS[field][1]}")
    value = value / 100 if percent else value
    upper = 0.3 if field == "rate" else 1.0
    if not 0 <= value <= upper:
        raise ValueError(f"数值 {amount_pct(value)} 超出范围。{FIELDS[field][1]}")
    return value


def amount(value: float) -> str:
    """CNY in 元/万元/亿元, bounded: beyond ±1万亿 it says so instead of printing every digit."""
    if abs(value) >= 1e12:
        return "超过 1 万亿元" if value > 0 else "低于 −1 万亿元"
    return zhfmt.cny(value, 2 if abs(value) >= 1e4 else 0)


def amount_pct(value: float) -> str:
    """A fraction as a percentage, bounded like :func:`amount`."""
    if abs(value) >= 1e4:
        return "超过 100 万%" if value > 0 else "低于 −100 万%"
    return zhfmt.pct(value * 100, 2)


def describe(settings: SubscriberSettings) -> str:
    """Settings as Chinese text."""
    return (
        f"申购资金：{zhfmt.cny(settings.capital_cny)}\n"
        f"年化资金成本：{settings.annual_rate * 100:.2f}%\n"
        f"概率阈值（超过盈亏平衡的概率不低于此值才建议申购）：{settings.min_probability * 100:.0f}%"
    )


def with_value(settings: SubscriberSettings, field: str, value: float) -> SubscriberSettings:
    """A copy of ``settings`` with one field changed."""
    return SubscriberSettings(
        capital_cny=value if field == "capital" else settings.capital_cny,
        annual_rate=value if field == "rate" else settings.annual_rate,
        min_probability=value if field == "prob" else settings.min_probability,
    )
