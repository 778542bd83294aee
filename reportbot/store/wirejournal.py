"""The wire journal: an append-only file of Bot API requests handed to the kernel and answers received.

One ``write`` system call per line survives SIGKILL and costs far less than a database commit, so the
sender records ``row part total`` right before the request's body goes out, ``d row part total`` when
the answer came back and ``x row part total`` when the attempt definitely failed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class WireJournal:
    """Append-only record of requests handed to the kernel (``row part total`` lines)."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` for appending (shared safely by forked sender processes: O_APPEND)."""
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def record(self, row_id: int, part: int, total: int) -> None:
        """Part ``part`` (0-based) of ``total`` of row ``row_id`` may now reach the recipient."""
        os.write(self._fd, f"{row_id} {part} {total}\n".encode("ascii"))

    def confirm(self, row_id: int, part: int, total: int) -> None:
        """That part was accepted (the answer came back): a restart counts it as delivered."""
        os.write(self._fd, f"d {row_id} {part} {total}\n".encode("ascii"))

    def retract(self, row_id: int, part: int, total: int) -> None:
        """That attempt definitely failed (e.g. 429 or 5xx): it did not reach the recipient."""
        os.write(self._fd, f"x {row_id} {part} {total}\n".encode("ascii"))

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)


def journal_path(database: Path, key: str = "") -> Path:
    """Where the wire journal of ``database`` for lock ``key`` (an event, or the monthly report) lives."""
    return Path(f"{database}.wire-{key}" if key else f"{database}.wire")


@dataclass(frozen=True)
class JournalEntry:
    """What the wire journal says of one row: the highest part on the wire and the highest confirmed."""

    on_wire: int  # -1: none
    confirmed: int  # -1: none
    total: int


def read_journal(path: Path) -> dict[int, JournalEntry]:
    """Row id → its journal entry; retracted attempts and torn lines are ignored."""
    wire: dict[int, set[int]] = {}
    confirmed: dict[int, int] = {}
    totals: dict[int, int] = {}
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except FileNotFoundError:
        return {}
    for line in lines:
        fields = line.split()
        kind = fields[0] if fields and fields[0] in ("x", "d") else ""
        numbers = fields[1:] if kind else fields
        if len(numbers) != 3 or not all(f.isdigit() for f in numbers):
            continue
        row_id, part, total = (int(f) for f in numbers)
        totals[row_id] = total
        if kind == "x":
            wire.get(row_id, set()).discard(part)
        elif kind == "d":
            confirmed[row_id] = max(confirmed.get(row_id, -1), part)
        else:
            wire.setdefault(row_id, set()).add(part)
    rows = set(confirmed) | {r for r, parts in wire.items() if parts}
    return {r: JournalEntry(max(wire.get(r) or {-1}), confirmed.get(r, -1), totals[r]) for r in rows}


def clear_journal(journal: Path) -> None:
    """Empty the wire journal (after its recovery committed)."""
    if journal.exists():
        os.truncate(journal, 0)
