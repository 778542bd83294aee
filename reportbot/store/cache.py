"""A content-addressed disk cache for the report's expensive parts (model results, charts).

An entry's key is the SHA-256 of everything its value depends on: the input records (as ``repr`` of
frozen dataclasses, which is deterministic), the settings, and the source code that computes it. New data,
other settings or changed code give another key, so an entry is never stale; a past month's inputs do
not change when later data arrive (point in time), so its entries stay valid. Entries are written
atomically; an unreadable entry is recomputed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from reportbot.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
FORMAT = "1"


def cache_dir(config: Config) -> Path:
    """``[paths].cache_dir``, or ``<output_dir>/cache`` when unset."""
    return config.paths.cache_dir or config.paths.output_dir / "cache"


@cache
def code_digest(modules: tuple[str, ...]) -> str:
    """SHA-256 over the source of ``modules`` (paths relative to the package; a directory means all its .py)."""
    digest = hashlib.sha256(FORMAT.encode())
    for name in modules:
        path = PACKAGE_DIR / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def key_of(parts: Iterable[object], code: tuple[str, ...]) -> str:
    """The cache key of a value computed from ``parts`` by the code in ``code``."""
    digest = hashlib.sha256(code_digest(code).encode())
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def cached(config: Config, kind: str, key: str, compute: Callable[[], T]) -> T:
    """The cached value of ``kind``/``key``, else ``compute()`` stored under it."""
    path = cache_dir(config) / f"{kind}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            value: Any = pickle.load(fh)  # our own file, written below
    except FileNotFoundError:
        pass
    except Exception as exc:  # a truncated or foreign file: recompute and replace it
        log.warning("ignoring unreadable cache entry %s: %s", path, exc)
    else:
        log.debug("cache hit: %s", path.name)
        return cast(T, value)
    fresh = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.part")
    with tmp.open("wb") as fh:
        pickle.dump(fresh, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return fresh
