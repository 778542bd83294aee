import sqlite3
from datetime import date

import pytest

from reportbot.config import Config
from reportbot.domain import Ipo
from reportbot.errors import DataError
from reportbot.pipeline import manage
from reportbot.sources import bundled
from reportbot.store import db, merge
from reportbot.store import ipos as ipo_store
from tests.conftest import fixed_now


def test_bundled_rows_match_the_shipped_files(store: sqlite3.Connection) -> None:
    status = {r[0]: r[1] for r in store.execute("SELECT segment, COUNT(*) FROM ipos GROUP BY segment")}
    # 262 rows of bse_ipos.csv + 19 BSE IPOs only in the history file; 68 精选层 offerings
    assert status == {"BSE": 281, "NEEQ_select": 68}
    with_outcome = store.execute(
        "SELECT COUNT(*) FROM ipos WHERE segment='BSE' AND first_day_return_pct IS NOT NULL"
    ).fetchone()[0]
    assert with_outcome == 253 + 19


def test_legacy_codes_are_rekeyed_to_920(store: sqlite3.Connection) -> None:
    ipo = ipo_store.get_ipo(store, "873169")
    assert ipo is not None
    assert (ipo.code, ipo.legacy_code, ipo.name) == ("920169", "873169", "七丰精工")
    assert ipo.first_day_return_pct == 22.0
    assert ipo.listing_date == date(2022, 4, 15)


def test_reload_changes_nothing(store: sqlite3.Connection) -> None:
    before = [dict(r) for r in store.execute("SELECT * FROM ipos ORDER BY code")]
    assert manage.ensure_bundled(store, fixed_now) is None  # same checksum: skipped
    result = manage.ensure_bundled(store, fixed_now, force=True)
    assert result is not None and (result.inserted, result.updated, result.unchanged) == (0, 0, 349)
    after = [dict(r) for r in store.execute("SELECT * FROM ipos ORDER BY code")]
    assert before == after


def test_failed_batch_leaves_store_unchanged(store: sqlite3.Connection) -> None:
    before = store.execute("SELECT COUNT(*) FROM ipos").fetchone()[0]
    good = Ipo(code="999991", name="测试甲")
    with pytest.raises(sqlite3.IntegrityError), db.transaction(store):
        ipo_store.upsert_ipos(store, [good], source="test", now=fixed_now())
        store.execute(
            "INSERT INTO ipos (code, name, segment, updated_at, updated_by) VALUES (NULL, 'x', 'BSE', '', '')"
        )
    assert store.execute("SELECT COUNT(*) FROM ipos").fetchone()[0] == before
    assert ipo_store.get_ipo(store, "999991") is None


def test_none_never_erases_a_value(store: sqlite3.Connection) -> None:
    with db.transaction(store):
        result = ipo_store.upsert_ipos(store, [Ipo(code="920169", name="七丰精工")], source="t", now=fixed_now())
    assert result.unchanged == 1
    ipo = ipo_store.get_ipo(store, "920169")
    assert ipo is not None and ipo.issue_price == 6.0


def test_bad_bundled_value_names_file_code_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = bundled.DATA_DIR
    for name in (bundled.IPOS_FILE, bundled.EXTRA_FILE):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    path = tmp_path / bundled.IPOS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(",6.0,15.16,", ",six,15.16,", 1), encoding="utf-8")
    with pytest.raises(DataError) as err:
        bundled.load_bundled(tmp_path)
    assert str(err.value) == "bse_ipos.csv: code 920169: field issue_price has invalid value 'six'"


def test_database_path_comes_from_config(config: Config) -> None:
    conn = manage.open_store(config, fixed_now)
    conn.close()
    assert config.paths.database.is_file()


def test_bundled_reload_never_overwrites_a_live_value(store: sqlite3.Connection) -> None:
    live = Ipo(code="920169", name="七丰精工", issue_price=6.5)
    with db.transaction(store):
        merge.merge_ipos(store, [live], source="em_issueinfo", rank=merge.source_rank, now=fixed_now())
    result = manage.ensure_bundled(store, fixed_now, force=True)
    assert result is not None and result.updated == 0 and result.conflicts == 0  # conflict already logged once
    ipo = ipo_store.get_ipo(store, "920169")
    assert ipo is not None and ipo.issue_price == 6.5
    logged = store.execute(
        "SELECT kept_source, other_source FROM source_conflicts WHERE code = '920169' AND field = 'issue_price'"
    ).fetchall()
    assert [tuple(r) for r in logged] == [("em_issueinfo", "bundled")]
