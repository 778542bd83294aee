"""Raw responses of a fetch kept on disk, so that a failed parse can be replayed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from reportbot.store.fetches import RawFile


def keep_raw(
    root: Path, source: str, started: datetime, pages: Sequence[tuple[str, bytes]]
) -> tuple[Path, list[RawFile]]:
    """Write each ``(url, body)`` page to ``root/source/<timestamp>[-n]/page-NNN.raw`` (plus ``urls.txt``)."""
    base = root / source / started.strftime("%Y%m%dT%H%M%S")
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    target.mkdir(parents=True)
    files: list[RawFile] = []
    for i, (url, body) in enumerate(pages):
        path = target / f"page-{i:03d}.raw"
        path.write_bytes(body)
        files.append(RawFile(url=url, path=str(path), sha256=hashlib.sha256(body).hexdigest(), size=len(body)))
    (target / "urls.txt").write_text("".join(f"{f.path}\t{f.url}\n" for f in files), encoding="utf-8")
    return target, files


def read_raw(files: Sequence[RawFile]) -> list[tuple[str, bytes]]:
    """The ``(url, body)`` of each kept file (OSError when one is gone)."""
    return [(f.url, Path(f.path).read_bytes()) for f in files]
