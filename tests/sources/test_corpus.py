"""Every broken payload of the corpus fails with a clear error and leaves the database unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportbot.errors import SourceError
from reportbot.pipeline import fetch, manage
from reportbot.sources.http import RawPage
from reportbot.sources.registry import SOURCES
from reportbot.store import db, fetches
from tests.conftest import fixed_now
from tests.sources.conftest import BROKEN, Feeds, dump, live_config, load_cases

CASES = load_cases()


def test_corpus_is_large_and_covers_every_source() -> None:
    assert len(CASES) >= 30
    assert {c["source"] for c in CASES} == set(SOURCES)
    assert all((BROKEN / str(c["file"])).is_file() for c in CASES)


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory, server: tuple[str, Feeds]) -> Path:
    """A database after one good fetch of every source."""
    tmp = tmp_path_factory.mktemp("corpus")
    server[1].reset()
    config = live_config(tmp, server[0])
    conn = manage.open_store(config, fixed_now)
    try:
        assert fetch.refresh(config, conn, fixed_now).ok
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return config.paths.database


@pytest.fixture
def copy_conn(base_db: Path, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A private copy of the fetched database."""
    src = sqlite3.connect(base_db)
    target = tmp_path / "db.sqlite3"
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    conn = db.connect(target)
    yield conn
    conn.close()


@pytest.mark.parametrize("case", CASES, ids=[str(c["file"]) for c in CASES])
def test_broken_payload_fails_cleanly(
    case: dict[str, object], copy_conn: sqlite3.Connection, tmp_path: Path, server: tuple[str, Feeds], feeds: Feeds
) -> None:
    source, expect = str(case["source"]), [str(e) for e in case["expect"]]  # type: ignore[attr-defined]
    config = live_config(tmp_path, server[0])
    feeds.put(source, str(case["slot"]), (BROKEN / str(case["file"])).read_bytes())
    before = dump(copy_conn)
    summary = fetch.refresh(config, copy_conn, fixed_now, sources=[source])
    assert not summary.ok
    error = summary.failed[0].error
    assert error.startswith(f"{source}: ") and "\n" not in error
    for part in expect:
        assert part in error, error
    assert dump(copy_conn) == before
    failure = fetches.source_health(copy_conn, source).last_failure
    assert failure is not None and failure.error == error


@pytest.mark.parametrize("case", CASES[:8], ids=[str(c["file"]) for c in CASES[:8]])
def test_parsers_replay_raw_payloads(case: dict[str, object]) -> None:
    """Parsers are pure: the raw file alone reproduces the error."""
    body = (BROKEN / str(case["file"])).read_bytes()
    with pytest.raises(SourceError, match=str(case["source"])):
        SOURCES[str(case["source"])].parse([RawPage(url="file:" + str(case["file"]), body=body, status=200)])
