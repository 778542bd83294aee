"""Scheduler fixtures: a config with its own schedules directory, and a recording admin callable."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reportbot.config import Config
from tests.schedule import targets


def with_schedules(config: Config, tmp: Path, text: str) -> Config:
    """``config`` with a schedules directory holding one file ``jobs.toml`` = ``text``."""
    directory = tmp / "schedules"
    directory.mkdir(exist_ok=True)
    (directory / "jobs.toml").write_text(text, encoding="utf-8")
    schedule = dataclasses.replace(config.schedule, directory=directory, lock_file=tmp / "serve.lock")
    return dataclasses.replace(config, schedule=schedule)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass (real time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    targets.CALLS.clear()


@pytest.fixture
def admin() -> list[str]:
    """Admin messages sent (the injected admin callable appends here)."""
    return []
