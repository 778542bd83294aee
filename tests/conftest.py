"""Shared fixtures: an isolated config, a store with the bundled data, a fixed clock, a made-up prediction."""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from reportbot.config import Config, PathsConfig, load_config
from reportbot.domain import ADVICE_SUBSCRIBE, TZ, Prediction
from reportbot.pipeline import manage
from tests.fakes import FakeTelegramServer

FIXED_NOW = datetime(2026, 11, 21, 9, 30, tzinfo=TZ)
# One report cache for the whole session: its entries are keyed by the records, settings and code, so a
# test sees only results of its own data, and the walk-forward is fitted once per data set, not per test.
REPORT_CACHE = Path(tempfile.mkdtemp(prefix="reportbot-tests-cache-"))
atexit.register(shutil.rmtree, REPORT_CACHE, ignore_errors=True)


def fixed_now() -> datetime:
    """The tests' clock."""
    return FIXED_NOW


def make_config(tmp: Path) -> Config:
    """Defaults with every path under ``tmp``."""
    base = load_config(None, env={})
    return dataclasses.replace(
        base,
        paths=PathsConfig(
            database=tmp / "db.sqlite3", output_dir=tmp / "out", raw_dir=tmp / "raw", cache_dir=REPORT_CACHE
        ),
    )


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A config whose files live in the test's tmp dir."""
    return make_config(tmp_path)


@pytest.fixture
def store(config: Config) -> Iterator[sqlite3.Connection]:
    """A database with the bundled dataset loaded."""
    conn = manage.open_store(config, fixed_now)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def session_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """One config for session-scoped (slow) artefacts such as rendered PDFs."""
    return make_config(tmp_path_factory.mktemp("session"))


@pytest.fixture(scope="session")
def session_store(session_config: Config) -> Iterator[sqlite3.Connection]:
    """The bundled dataset in the session's database (for tests that only read it)."""
    conn = manage.open_store(session_config, fixed_now)
    yield conn
    conn.close()


TOKEN = "424242:SECRET-TOKEN-abcdef"


@pytest.fixture
def tg_server() -> Iterator[FakeTelegramServer]:
    """A fresh fake Bot API server."""
    with FakeTelegramServer(token=TOKEN, timeout_delay_s=3.0) as server:
        yield server


@pytest.fixture
def tg_config(config: Config, tg_server: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The test config, talking to the fake server, with fast retries and no pacing delays."""
    monkeypatch.setenv(config.telegram.token_env, TOKEN)
    telegram = dataclasses.replace(
        config.telegram,
        base_url=tg_server.base_url,
        base_file_url=tg_server.base_file_url,
        max_messages_per_second=0.0,
        per_chat_interval_s=0.0,
        timeout_s=1.0,  # an answer later than this is a timeout (in doubt); injected ones take 3 s
        backoff_s=0.05,
        max_attempts=3,
        management_chat_ids=(900,),
        admin_chat_ids=(901, 902),
    )
    return dataclasses.replace(config, telegram=telegram)


def synthetic_prediction(code: str, apply_day: date, predicted: float, advice: str = ADVICE_SUBSCRIBE) -> Prediction:
    """A made-up prediction (test data only)."""
    return Prediction(
        code=code,
        apply_date=apply_day,
        predicted_return_pct=predicted,
        interval_low_pct=predicted - 60,
        interval_high_pct=predicted + 60,
        interval_level=0.8,
        p_break_issue=0.07,
        freeze_days=2,
        expected_winning_rate_pct=0.03,
        breakeven_return_pct=91.3,
        p_beats_breakeven=0.66,
        expected_profit_per_10k=4.2,
        advice=advice,
        train_size=180,
    )
