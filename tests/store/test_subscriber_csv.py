"""Subscriber CSV import: every row is checked before any is written, so a bad file changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reportbot.config import Config
from reportbot.errors import DataError
from reportbot.store import subscriber_csv
from reportbot.store import subscribers as sub_store
from tests.conftest import fixed_now


def test_a_bad_row_anywhere_leaves_every_subscriber_as_it_was(
    config: Config, store: sqlite3.Connection, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("chat_id,name,capital_cny\n11,甲,500000\n", encoding="utf-8")
    assert subscriber_csv.import_subscribers(config, store, fixed_now, good) == 1
    before = subscriber_csv.export_subscribers(store)
    bad = tmp_path / "bad.csv"
    bad.write_text("chat_id,name,capital_cny\n11,甲改,800000\n12,乙,600000\n13,丙,abc\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.csv:4: column capital_cny='abc' is not a number"):
        subscriber_csv.import_subscribers(config, store, fixed_now, bad)
    assert subscriber_csv.export_subscribers(store) == before
    assert [s.chat_id for s in sub_store.list_subscribers(store)] == [11]


def test_export_then_import_is_the_same_list(config: Config, store: sqlite3.Connection, tmp_path: Path) -> None:
    source = tmp_path / "subs.csv"
    source.write_text("chat_id,name,annual_rate,active\n21,甲,0.03,1\n-22,群,,0\n", encoding="utf-8")
    subscriber_csv.import_subscribers(config, store, fixed_now, source)
    exported = subscriber_csv.export_subscribers(store)
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    subscriber_csv.import_subscribers(config, store, fixed_now, again)
    assert subscriber_csv.export_subscribers(store) == exported
