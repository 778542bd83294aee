"""The 配售比例 a prediction uses, and the basis it states in Chinese."""

from __future__ import annotations

import sqlite3

from reportbot.kinds import Segment
from reportbot.model import publish
from reportbot.model.winning_rate import ExtraLotHistory, WinningRates
from reportbot.store import ipos as ipo_store


def test_published_view_states_the_range_the_result_allows(store: sqlite3.Connection) -> None:
    ipos = ipo_store.list_ipos(store, segment=Segment.BSE)
    kema = next(i for i in ipos if i.code == "920086")  # 科马材料
    assert kema.apply_date is not None
    view = publish.ratio_view(kema, kema.apply_date, WinningRates(ipos), ExtraLotHistory(ipos), 5, published=True)
    assert view.published and view.ratio_pct == kema.online_winning_rate_pct
    # 188,280 lots − 2 × 81,904 accounts ≥ 24,472 leftover lots; at most 81,904; ≤ 77,961 cap accounts
    assert "剩余股份 24,472~81,904 手" in view.basis
    assert "顶格账户至多 77,961 户" in view.basis
    assert "31%~100%" in view.basis


def test_estimated_view_before_t_names_its_basis(store: sqlite3.Connection) -> None:
    ipos = ipo_store.list_ipos(store, segment=Segment.BSE)
    kema = next(i for i in ipos if i.code == "920086")
    assert kema.apply_date is not None
    view = publish.ratio_view(kema, kema.apply_date, WinningRates(ipos), ExtraLotHistory(ipos), 5, published=False)
    assert not view.published and view.ratio_pct != kema.online_winning_rate_pct
    assert "申购日前最近5只已公布新股中签率的中位数" in view.basis
