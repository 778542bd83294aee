"""Dead-code check of ``reportbot/`` with vulture (run by ``scripts/bootstrap.sh test`` and pre-commit).

Besides ``scripts/vulture_whitelist.py``, every attribute a Jinja template reads (``{{ row.name }}``) counts
as used, so a field kept only for a template is not reported while the template reads it. Click commands
and groups are used by their decorators. Exit status 1 when vulture reports unused code, else 0.

Findings under ``ADVISORY`` are printed but do not fail the check; see the comment there.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Code whose owners are still removing what vulture names (their branches land separately). Each entry
# goes when its folder is clean; the list must end empty.
ADVISORY: tuple[str, ...] = ()
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_ATTRIBUTE = re.compile(r"\.([A-Za-z_]\w*)")


def template_names(directory: Path) -> set[str]:
    """Every attribute name read inside a ``{{ … }}`` or ``{% … %}`` of the templates below ``directory``."""
    names: set[str] = set()
    for path in directory.rglob("*.j2"):
        for tag in _TAG.findall(path.read_text(encoding="utf-8")):
            names.update(_ATTRIBUTE.findall(tag))
    return names


def main() -> int:
    """Run vulture; print its findings; fail on those outside ``ADVISORY``."""
    with tempfile.TemporaryDirectory() as tmp:
        used = Path(tmp) / "template_names.py"
        used.write_text("".join(f"_.{name}\n" for name in sorted(template_names(ROOT / "templates"))))
        cmd = [sys.executable, "-m", "vulture", "reportbot", "scripts/vulture_whitelist.py", str(used)]
        done = subprocess.run(
            [*cmd, "--ignore-decorators", "@*.command,@*.group"], cwd=ROOT, capture_output=True, text=True, check=False
        )
    if done.returncode not in (0, 3):  # 3: unused code found
        print(done.stdout + done.stderr, file=sys.stderr)
        return 1
    findings = done.stdout.splitlines()
    advisory = [line for line in findings if line.startswith(ADVISORY)]
    fatal = [line for line in findings if not line.startswith(ADVISORY)]
    for line in advisory:
        print(f"dead code (advisory, owner to resolve): {line}", file=sys.stderr)
    for line in fatal:
        print(f"dead code: {line}", file=sys.stderr)
    print(f"deadcode: {len(fatal)} finding(s), {len(advisory)} advisory", file=sys.stderr)
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(main())
