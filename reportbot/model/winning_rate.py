"""The winning rate a subscriber can expect before T, from recent IPOs whose rates were already published.

Method: the median online winning rate of the last ``lookback`` IPOs (same segment) whose rate was
published strictly before T. A rate counts as published on the issue-result announcement day
(发行结果公告日), or on the listing day when the data lacks that date (later, so never look-ahead).
The median of the most recent IPOs follows the regime shifts of the BSE (≈1 % in 2022, ≈0.03 % since
2025) faster than a long average; issue size, the natural "comparability" key, is missing before 2026.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence
from datetime import date

from reportbot.domain import Ipo
from reportbot.model import allocation as al


def published_on(ipo: Ipo) -> date | None:
    """The day the IPO's winning rate became public (issue result, else listing day)."""
    return ipo.issue_result_date or ipo.listing_date


class WinningRates:
    """Published winning rates in publication order, for "known before T" look-ups."""

    def __init__(self, ipos: Sequence[Ipo]) -> None:
        """Keep every IPO with a winning rate and a publication day."""
        known = sorted(
            (
                (day, float(ipo.online_winning_rate_pct))  # same-day ties by rate, never by code
                for ipo in ipos
                if ipo.online_winning_rate_pct is not None
                and ipo.online_winning_rate_pct > 0
                and (day := published_on(ipo)) is not None
            ),
        )
        self._days = [k[0] for k in known]
        self._rates = [k[1] for k in known]

    def expected_before(self, t: date, lookback: int) -> float | None:
        """Median winning rate (percent) of the last ``lookback`` rates published before ``t``."""
        end = bisect.bisect_left(self._days, t)
        recent = self._rates[max(0, end - lookback) : end]
        return statistics.median(recent) if recent else None

    def recent_before(self, t: date, lookback: int) -> list[float]:
        """The last ``lookback`` rates (percent) published before ``t``, oldest first."""
        end = bisect.bisect_left(self._days, t)
        return self._rates[max(0, end - lookback) : end]


def issue_facts(ipo: Ipo) -> al.IssueFacts | None:
    """The published online-issue figures of ``ipo`` (None without online shares)."""
    if not ipo.online_issue_shares:
        return None
    return al.IssueFacts(
        online_shares=ipo.online_issue_shares,
        valid_shares=ipo.online_valid_shares,
        valid_accounts=ipo.online_valid_accounts,
        allocated_accounts=ipo.online_allocated_accounts,
        cap_shares=ipo.subscription_cap_shares,
    )


class ExtraLotHistory:
    """Per published issue, the lower bound of a cap subscriber's chance of one leftover lot."""

    def __init__(self, ipos: Sequence[Ipo]) -> None:
        """Keep every IPO whose published figures bound the leftover lots."""
        known = []
        for ipo in ipos:
            facts = issue_facts(ipo)
            bounds = None if facts is None else al.leftover_bounds(facts)
            day = published_on(ipo)
            if bounds is not None and day is not None:
                known.append((day, bounds.p_extra_low))
        known.sort()
        self._days = [d for d, _ in known]
        self._lows = [p for _, p in known]

    def low_before(self, t: date, lookback: int) -> tuple[float, int] | None:
        """The smallest lower bound among the last ``lookback`` issues published before ``t``, and their count."""
        end = bisect.bisect_left(self._days, t)
        recent = self._lows[max(0, end - lookback) : end]
        return (min(recent), len(recent)) if recent else None
