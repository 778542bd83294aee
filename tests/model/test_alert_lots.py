"""The alert a ¥1,000,000 subscriber gets for 安达股份 (920202) follows BSE's allocation rule."""

from __future__ import annotations

import sqlite3
from datetime import date

from reportbot.config import Config
from reportbot.pipeline import alerting


def test_anda_alert_says_zero_lots_what_the_cap_requires_and_the_cap_lots(
    config: Config, store: sqlite3.Connection
) -> None:
    preview = alerting.preview_alerts(config, store, date(2026, 9, 15))
    [text] = [t for t in preview.texts if "安达股份（920202）" in t]
    assert "您可申购 132,400 股" in text
    assert "按比例配售您将获配 0 手" in text
    assert "顶格申购需资金 898.45万元" in text
    assert "顶格申购（898.45万元）：按比例获配 3 手" in text and "期望至少 3.00 手" in text
    assert "建议：回避" in text
    assert "预期收益（扣除冻结成本）：−273.87元" in text  # the freeze cost for sure, nothing else
    assert not any("a" <= ch.lower() <= "z" for ch in text.replace("/settings", ""))  # Chinese only
