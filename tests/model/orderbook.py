"""BSE's online allocation over a full order book: the rule itself, as a test oracle.

The package only needs the closed forms for one subscriber (:mod:`reportbot.model.allocation`); the
tests check those against this simulation of the whole book.
"""

from __future__ import annotations

LOT = 100


def allocate(orders: list[tuple[int, int]], online_shares: int) -> list[int]:
    """Lots per order: floor(shares × q / 100) by proportion, then leftover lots by quantity, then time.

    Args:
        orders: (shares subscribed, time rank) per account; a lower rank subscribed earlier.
        online_shares: shares offered online.

    Returns:
        Lots received by each order, in the order given.
    """
    total = sum(s for s, _ in orders)
    if total <= online_shares:  # undersubscribed: every order is filled
        return [s // LOT for s, _ in orders]
    got = [(s * online_shares // total) // LOT for s, _ in orders]  # floor(s × q / 100), exactly
    left = online_shares // LOT - sum(got)
    queue = sorted(range(len(orders)), key=lambda i: (-orders[i][0], orders[i][1]))
    while left > 0:
        open_orders = [i for i in queue if got[i] * LOT < orders[i][0]]
        if not open_orders:
            break
        for i in open_orders[:left]:
            got[i] += 1
        left -= min(left, len(open_orders))
    return got
