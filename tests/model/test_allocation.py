"""BSE's proportional allocation: hand-computed cases and consistency with the bundled 2026 results."""

from __future__ import annotations

import random
import sqlite3

import pytest

from reportbot.kinds import Segment
from reportbot.model import allocation as al
from reportbot.store import ipos as ipo_store
from tests.model.orderbook import allocate


def test_proportional_lots_are_rounded_down() -> None:
    # q = 1,000 / 100,000 = 1 %: 25,000 shares → 250 shares → 2 lots (not 3)
    assert al.lots_by_proportion(25_000, 0.01) == 2
    assert al.lots_by_proportion(30_000, 0.01) == 3
    assert al.lots_by_proportion(9_900, 0.01) == 0  # below one lot by proportion


def test_leftover_lots_go_by_quantity_then_time() -> None:
    # 10 lots online, 40,000 valid shares (q = 2.5 %): by proportion 4,000 → 1, 8,000 → 2, 6,000 → 1,
    # 10,000 → 2, 8,000 → 2, 4,000 → 1: 9 lots; the 1 leftover lot goes to the largest order.
    orders = [(4_000, 0), (8_000, 2), (6_000, 3), (10_000, 9), (8_000, 1), (4_000, 5)]
    assert allocate(orders, 1_000) == [1, 2, 1, 3, 2, 1]
    book = [(4_000, 2), (4_000, 0), (4_000, 1), (2_000, 3)]  # 14,000 shares, 500 online → q ≈ 3.57 %
    got = allocate(book, 500)
    # by proportion: 4,000 × 500 / 14,000 = 142 → 1 lot each of the three, 71 → 0: 3 lots, 2 left over;
    # leftovers to the 4,000-share orders in time order: rank 0 then rank 1
    assert got == [1, 2, 2, 0]


def test_a_small_order_gets_a_leftover_lot_only_after_every_larger_one() -> None:
    book = [(10_000, 5), (1_000, 0), (1_000, 1)]  # 12,000 shares, 300 online: q = 2.5 %
    # proportional: 250 → 2 lots, 25 → 0, 25 → 0; 1 leftover lot: the large order is first in line
    assert allocate(book, 300) == [3, 0, 0]
    # 700 online (q ≈ 5.83 %): 583 → 5, 58 → 0, 58 → 0; 2 leftover lots: the large order, then the
    # earlier of the two small ones
    assert allocate([(10_000, 5), (1_000, 1), (1_000, 0)], 700) == [6, 0, 1]


def test_undersubscribed_issue_fills_every_order() -> None:
    assert allocate([(3_000, 0), (1_000, 1)], 10_000) == [30, 10]
    assert al.lots_by_proportion(3_000, 1.0) == 30
    outlook = al.lot_outlook(capital=30_500, price=10.0, cap_shares=5_000, ratio=1.0, cap_p_extra_low=0.5, basis="")
    assert (outlook.shares, outlook.by_proportion, outlook.p_extra_low, outlook.p_extra_high) == (3_000, 30, 0.0, 0.0)


def test_anda_default_subscriber_gets_no_lot_by_proportion_and_the_cap_gets_three() -> None:
    # 安达股份 (920202): issue price 7.55, cap 1,190,000 shares, estimated 配售比例 0.0267 %
    small = al.lot_outlook(
        capital=1_000_000, price=7.55, cap_shares=1_190_000, ratio=0.000267, cap_p_extra_low=0.2, basis=""
    )
    assert small.shares == 132_400 and small.by_proportion == 0 and not small.at_cap
    assert small.p_extra_low == 0.0  # a leftover lot below the cap is not counted
    assert small.cash_for_cap == pytest.approx(8_984_500)
    assert small.capital_for_one_lot == pytest.approx(374_600 * 7.55)  # ceil(100 / 0.000267) → 374,532 → 3,746 lots
    cap = al.lot_outlook(
        capital=10_000_000, price=7.55, cap_shares=1_190_000, ratio=0.000267, cap_p_extra_low=0.2, basis=""
    )
    assert cap.at_cap and cap.by_proportion == 3 and cap.expected_lots == pytest.approx(3.2)
    assert cap.cash == pytest.approx(8_984_500)


def test_kema_bounds_from_the_published_result() -> None:
    # 科马材料 (920086): 188,280 online lots, 81,904 allocated accounts, cap 941,400 shares, q = 0.025654 %
    facts = al.IssueFacts(
        online_shares=18_828_000,
        valid_shares=73_393_241_000,
        valid_accounts=624_494,
        allocated_accounts=81_904,
        cap_shares=941_400,
    )
    ratio = al.published_ratio(facts)
    assert ratio == pytest.approx(0.00025654, rel=1e-4)
    assert al.lots_by_proportion(941_400, ratio) == 2  # type: ignore[arg-type]
    b = al.leftover_bounds(facts)
    assert b is not None
    assert b.leftover_low == 188_280 - 2 * 81_904  # 24,472 lots at least went by time priority
    assert b.cap_accounts_high == 73_393_241_000 // 941_400
    assert b.p_extra_low == pytest.approx(24_472 / 77_961)


def test_every_2026_result_is_consistent_with_the_rule(store: sqlite3.Connection) -> None:
    rows = [
        i
        for i in ipo_store.list_ipos(store, segment=Segment.BSE)
        if i.online_valid_shares and i.online_allocated_accounts
    ]
    assert len(rows) >= 40
    for ipo in rows:
        facts = al.IssueFacts(
            online_shares=ipo.online_issue_shares,  # type: ignore[arg-type]
            valid_shares=ipo.online_valid_shares,
            valid_accounts=ipo.online_valid_accounts,
            allocated_accounts=ipo.online_allocated_accounts,
            cap_shares=ipo.subscription_cap_shares,
        )
        ratio = al.published_ratio(facts)
        assert ratio is not None
        # the published 中签率 is the same ratio
        assert ratio * 100 == pytest.approx(ipo.online_winning_rate_pct, rel=2e-3), ipo.code
        lots = al.online_lots(ipo.online_issue_shares)  # type: ignore[arg-type]
        k = al.lots_by_proportion(ipo.subscription_cap_shares, ratio)  # type: ignore[arg-type]
        # every allocated account has at most k + 1 lots, so the lots cannot exceed (k + 1) × accounts
        assert lots <= (k + 1) * ipo.online_allocated_accounts, ipo.code  # type: ignore[operator]
        assert ipo.online_allocated_accounts <= lots, ipo.code  # type: ignore[operator]
        b = al.leftover_bounds(facts)
        assert b is not None and 0 <= b.leftover_low <= b.leftover_high, ipo.code
        assert 0.0 <= b.p_extra_low <= 1.0


@pytest.mark.parametrize("seed", range(20))
def test_closed_forms_agree_with_the_full_order_book(seed: int) -> None:
    rng = random.Random(seed)
    cap = 100 * rng.randint(20, 60)
    n = rng.randint(50, 400)
    orders = [(cap if rng.random() < 0.3 else 100 * rng.randint(1, cap // 100), rank) for rank in range(n)]
    total = sum(s for s, _ in orders)
    online = 100 * rng.randint(total // 400, total // 120)  # oversubscribed 1.2…4×
    got = allocate(orders, online)
    ratio = online / total
    by_proportion = [al.lots_by_proportion(s, ratio) for s, _ in orders]
    assert all(k <= g <= k + 1 for k, g in zip(by_proportion, got, strict=True))
    bounds = al.leftover_bounds(
        al.IssueFacts(
            online_shares=online,
            valid_shares=total,
            valid_accounts=n,
            allocated_accounts=sum(g > 0 for g in got),
            cap_shares=cap,
        )
    )
    assert bounds is not None
    leftover = online // 100 - sum(by_proportion)
    assert bounds.leftover_low <= leftover <= bounds.leftover_high
    at_cap = [g - k for (s, _), k, g in zip(orders, by_proportion, got, strict=True) if s == cap]
    assert len(at_cap) <= bounds.cap_accounts_high
    assert sum(at_cap) / len(at_cap) >= bounds.p_extra_low - 1e-9  # the counted chance is a lower bound
