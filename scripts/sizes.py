"""Size rules of ``reportbot/`` (run by ``scripts/bootstrap.sh test`` and pre-commit).

No function or method over 40 lines (from its ``def`` line to its last line, decorators excluded) and
no module over 300 lines. Exit status 1 naming each one over, else 0.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FUNCTION_LINES = 40
MAX_MODULE_LINES = 300


def oversized(path: Path) -> list[str]:
    """One line per function or module of ``path`` over its limit."""
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(ROOT)
    found = []
    if (lines := len(text.splitlines())) > MAX_MODULE_LINES:
        found.append(f"{where}: module of {lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{where}:{node.lineno}: {node.name} has {length} lines (limit {MAX_FUNCTION_LINES})")
    return found


def main() -> int:
    """Check every module of the package; print what is over."""
    found = [line for path in sorted((ROOT / "reportbot").rglob("*.py")) for line in oversized(path)]
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
