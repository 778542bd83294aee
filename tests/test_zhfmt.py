from datetime import date

from reportbot import zhfmt


def test_missing_and_minus() -> None:
    assert zhfmt.pct(None) == "暂缺"
    assert zhfmt.pct(-0.1765) == "−0.18%"
    assert zhfmt.pct(12.5, signed=True) == "+12.50%"
    assert zhfmt.cny(11237580) == "1,123.76万元"
    assert zhfmt.day_week(date(2026, 8, 17)) == "2026-08-17（周一）"
    assert zhfmt.month_zh("2026-08") == "2026年8月"
