"""The IPO review pipeline (受理 → 问询 → 上市委通过 → 提交注册 → 注册生效, or 终止) from stored states (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportbot.marketdata import ReviewEvent, ReviewState

ACCEPTED = "受理"
INQUIRED = "问询"
PASSED = "上市委通过"
SUBMITTED = "提交注册"
REGISTERED = "注册生效"
TERMINATED = "终止"
STAGES = (ACCEPTED, INQUIRED, PASSED, SUBMITTED, REGISTERED, TERMINATED)
METRICS = {
    ACCEPTED: "review_accepted",
    INQUIRED: "review_inquired",
    PASSED: "review_passed",
    SUBMITTED: "review_submitted",
    REGISTERED: "review_registered",
    TERMINATED: "review_terminated",
}


def stage_of(state: str) -> str | None:
    """The pipeline stage a published state stands for (None: 中止, 暂缓 and other pauses)."""
    if "终止" in state:
        return TERMINATED
    if "注册生效" in state:
        return REGISTERED
    if "提交注册" in state:
        return SUBMITTED
    if "上市委" in state and "通过" in state:
        return PASSED
    if "问询" in state:
        return INQUIRED
    if "受理" in state:
        return ACCEPTED
    return None


def month_events(history: Sequence[ReviewState], first: date, last: date) -> list[ReviewEvent]:
    """Each company's transitions dated in ``[first, last]`` (one event per company and stage).

    A stored state is dated by its update day, acceptance by the acceptance day.
    """
    events: dict[tuple[str, str], ReviewEvent] = {}
    for s in history:
        if s.accept_date is not None and first <= s.accept_date <= last:
            events.setdefault(
                (s.org, ACCEPTED),
                ReviewEvent(day=s.accept_date, company=s.company, stage=ACCEPTED, state="已受理", industry=s.industry),
            )
        stage = stage_of(s.state)
        if stage is not None and stage != ACCEPTED and first <= s.update_date <= last:
            event = ReviewEvent(day=s.update_date, company=s.company, stage=stage, state=s.state, industry=s.industry)
            old = events.get((s.org, stage))
            if old is None or event.day < old.day:
                events[(s.org, stage)] = event
    return sorted(events.values(), key=lambda e: (STAGES.index(e.stage), e.day, e.company))


def stage_counts(events: Sequence[ReviewEvent]) -> dict[str, int]:
    """Companies per stage (every stage present, zero when none)."""
    return {stage: sum(1 for e in events if e.stage == stage) for stage in STAGES}
