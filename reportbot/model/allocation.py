"""BSE online allocation for one subscriber (pure arithmetic, no I/O).

The rule (seed 002, BSE 网上发行 rules): the 配售比例 q is online shares ÷ valid subscribed shares. Each
subscriber first gets ``floor(subscribed shares × q / 100)`` whole lots of 100 shares ("by proportion").
The lots left over (零股, R) are handed out one lot at a time, larger subscriptions first
(申购数量优先) and, at equal quantity, earlier subscriptions first (时间优先), until none remain. A
subscription at the cap (申购上限) is the largest possible, so cap subscribers are first in line.

What the published results pin down, for an issue with ``L`` online lots, ``A`` allocated accounts,
``V`` valid shares and cap ``C`` shares (``k`` = the cap subscriber's lots by proportion):

- every account gets at most ``k`` lots by proportion and at most one leftover lot, and an account with
  no lot by proportion is allocated only through a leftover lot, so the leftover lots are at least
  ``L − k × A`` (and at most ``A``);
- at most ``V ÷ C`` accounts (and at most all valid accounts) can have subscribed at the cap.

So a cap subscriber's chance of one leftover lot is at least ``min(1, (L − k × A) ÷ (V ÷ C))`` and at
most 1; the data cannot say where in that range it is (the number of cap accounts and the order of
their subscriptions are not published). A subscriber below the cap with no lot by proportion gets a
leftover lot only after every larger subscription has one; how many larger ones there were is not
published either, so that chance is not quantifiable (range 0 … 1) and is not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportbot.domain import LotOutlook
from reportbot.errors import ModelError

LOT = 100  # shares per lot on BSE


@dataclass(frozen=True, kw_only=True)
class IssueFacts:
    """The published online-issue figures of one IPO (None where not published)."""

    online_shares: float
    valid_shares: float | None = None
    valid_accounts: float | None = None
    allocated_accounts: float | None = None
    cap_shares: float | None = None


@dataclass(frozen=True, kw_only=True)
class LeftoverBounds:
    """What the published figures allow about the leftover lots and a cap subscriber's extra lot."""

    leftover_low: int  # leftover lots, at least
    leftover_high: int  # leftover lots, at most
    cap_accounts_high: int  # accounts at the cap, at most
    p_extra_low: float  # a cap subscriber's chance of one leftover lot, at least (the upper bound is 1)


def subscribed_shares(capital: float, price: float, cap_shares: float | None) -> int:
    """Shares a capital can subscribe: whole lots, at most the cap."""
    if price <= 0:
        raise ModelError(f"allocation: issue price must be positive, got {price!r}")
    shares = int(capital // (price * LOT)) * LOT
    return min(shares, int(cap_shares)) if cap_shares is not None else shares


def lots_by_proportion(shares: float, ratio: float) -> int:
    """Whole lots from ``shares × ratio`` rounded down (an undersubscribed issue fills every order)."""
    if ratio <= 0:
        raise ModelError(f"allocation: 配售比例 must be positive, got {ratio!r}")
    return math.floor(shares * min(ratio, 1.0) / LOT + 1e-9)


def published_ratio(facts: IssueFacts) -> float | None:
    """配售比例 = online shares ÷ valid shares (1 when undersubscribed), None without valid shares."""
    if not facts.valid_shares:
        return None
    return min(facts.online_shares / facts.valid_shares, 1.0)


def online_lots(online_shares: float) -> int:
    """Online lots; a remainder below 100 shares (e.g. 10,164,707 shares) is one more, partial, lot."""
    return math.ceil(online_shares / LOT - 1e-9)


def leftover_bounds(facts: IssueFacts) -> LeftoverBounds | None:
    """Bounds on the leftover lots and on a cap subscriber's extra lot, None when the data lack them."""
    ratio = published_ratio(facts)
    if ratio is None or not facts.cap_shares or not facts.allocated_accounts or not facts.valid_shares:
        return None
    lots = online_lots(facts.online_shares)
    k = lots_by_proportion(facts.cap_shares, ratio)
    accounts = int(facts.allocated_accounts)
    low = max(0, lots - k * accounts) if ratio < 1 else 0
    cap_high = int(facts.valid_shares // facts.cap_shares)
    if facts.valid_accounts:
        cap_high = min(cap_high, int(facts.valid_accounts))
    p_low = 1.0 if ratio >= 1 else min(1.0, low / cap_high) if cap_high else 0.0
    return LeftoverBounds(
        leftover_low=low, leftover_high=min(accounts, lots), cap_accounts_high=cap_high, p_extra_low=p_low
    )


def lot_outlook(
    *,
    capital: float,
    price: float,
    cap_shares: float | None,
    ratio: float,
    cap_p_extra_low: float | None,
    basis: str,
    ratio_published: bool = False,
) -> LotOutlook:
    """The lots a subscriber with ``capital`` receives at 配售比例 ``ratio``.

    Args:
        capital: the subscriber's cash (CNY).
        price: issue price.
        cap_shares: 申购上限 in shares (None when unknown: the capital is not capped).
        ratio: 配售比例 as a fraction (published, or estimated before T).
        cap_p_extra_low: the lower bound of a cap subscriber's chance of a leftover lot (None: unknown,
            counted as 0).
        basis: Chinese sentence on where ``ratio`` and ``cap_p_extra_low`` come from.
        ratio_published: whether ``ratio`` is the announced 配售比例 rather than an estimate.
    """
    shares = subscribed_shares(capital, price, cap_shares)
    at_cap = cap_shares is not None and shares >= cap_shares
    k = lots_by_proportion(shares, ratio) if shares else 0
    p_low, p_high = extra_lot_range(ratio=ratio, shares=shares, at_cap=at_cap, cap_p_extra_low=cap_p_extra_low)
    return LotOutlook(
        shares=shares,
        cash=shares * price,
        at_cap=at_cap,
        ratio=ratio,
        ratio_published=ratio_published,
        by_proportion=k,
        p_extra_low=p_low,
        p_extra_high=p_high,
        basis=basis,
        capital_for_one_lot=capital_for_one_lot(price, ratio),
        cash_for_cap=None if cap_shares is None else cap_shares * price,
    )


def extra_lot_range(*, ratio: float, shares: int, at_cap: bool, cap_p_extra_low: float | None) -> tuple[float, float]:
    """The range of one subscriber's chance of one leftover lot (what the data allow, see the module)."""
    if ratio >= 1:
        return 0.0, 0.0  # every order filled: nothing left over
    if at_cap:
        return cap_p_extra_low or 0.0, 1.0
    return 0.0, 1.0 if shares else 0.0


def capital_for_one_lot(price: float, ratio: float) -> float:
    """Cash whose subscription gets one lot by proportion: ceil(100 / ratio) shares in whole lots."""
    shares = math.ceil(LOT / min(ratio, 1.0) / LOT - 1e-9) * LOT
    return shares * price
