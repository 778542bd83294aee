"""Narrative rules: rising / falling / flat, percentiles, missing data."""

from __future__ import annotations

import pytest

from reportbot.summary import narrative as nr


@pytest.mark.parametrize(
    ("current", "previous", "absolute", "expected"),
    [
        (12.0, 10.0, False, nr.UP),  # +20 %
        (8.0, 10.0, False, nr.DOWN),  # −20 %
        (10.4, 10.0, False, nr.FLAT),  # +4 % is inside the ±5 % band
        (130.0, 120.0, True, nr.UP),  # +10 points
        (118.0, 120.0, True, nr.FLAT),  # −2 points inside ±5 points
        (3.0, 0.0, False, nr.UP),  # no relative change from 0: the absolute change decides
    ],
)
def test_direction(current: float, previous: float, absolute: bool, expected: str) -> None:
    assert nr.Comparison(current=current, previous=previous, absolute=absolute).direction == expected


def test_no_previous_month_has_no_direction() -> None:
    cmp = nr.Comparison(current=5, previous=None)
    assert cmp.direction is None and cmp.delta is None
    assert nr.change_phrase(cmp, nr.count_fmt("只")) == "上月数据暂缺，无法计算环比"


def test_rising_sentence_with_percentile() -> None:
    history = [1, 2, 3, 6, 9, 4, 5, 7, 8, 2, 3, 6]
    text = nr.compare_sentence("本月上市新股数量为", 9, 6, nr.count_fmt("只"), history=history)
    assert text == "本月上市新股数量为9只，较上月（6只）上升50.0%，在12个可比月份中位于100%分位，处于历史高位。"


def test_extremes_are_new_highs_and_lows() -> None:
    history = [float(v) for v in range(10, 22)]
    assert nr.position_phrase(30.0, history) == "高于此前全部12个月，创历史新高"
    assert nr.position_phrase(1.0, history) == "低于此前全部12个月，创历史新低"
    text = nr.compare_sentence("数量为", 1, 21, nr.count_fmt("只"), history=history)
    assert "创历史新低" in text and "0%分位" not in text


def test_short_history_is_never_called_high() -> None:
    history = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]  # 7 months
    assert nr.position_phrase(100.0, history) == ""
    text = nr.compare_sentence("数量为", 100, 7, nr.count_fmt("只"), history=history)
    assert "历史" not in text and "分位" not in text


def test_falling_sentence_in_points() -> None:
    text = nr.compare_sentence("首日平均涨幅为", 127.74, 303.81, nr.pct_fmt(), absolute=True)
    assert text == "首日平均涨幅为127.74%，较上月（303.81%）下降176.07个百分点。"


def test_flat_sentence() -> None:
    text = nr.compare_sentence("比值为", 0.43, 0.43, nr.times_fmt(), history=[0.2, 0.5] * 6)
    assert "较上月（0.43倍）基本持平" in text and "位于50%分位" in text


def test_missing_value_says_why() -> None:
    text = nr.compare_sentence(
        "首日平均涨幅为", None, 10.0, nr.pct_fmt(), missing_reason="当月上市新股均无首日涨幅数据"
    )
    assert text == "首日平均涨幅为暂缺（当月上市新股均无首日涨幅数据）。"


@pytest.mark.parametrize(
    ("rank", "phrase"),
    [
        (95, "处于历史高位"),
        (75, "处于历史偏高水平"),
        (50, "处于历史中等水平"),
        (20, "处于历史偏低水平"),
        (5, "处于历史低位"),
    ],
)
def test_level_phrase(rank: float, phrase: str) -> None:
    assert nr.level_phrase(rank) == phrase


def test_percentile_rank() -> None:
    assert nr.percentile_rank(5, [1, 5, 9, 10]) == 50
    assert nr.percentile_rank(5, []) is None
