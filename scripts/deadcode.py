"""Dead-code check of ``reportbot/`` with vulture (run by ``scripts/bootstrap.sh test`` and pre-commit).

Besides ``scripts/vulture_whitelist.py``, every attribute a Jinja template reads (``{{ row.name }}``) counts
as used, so a field kept only for a template is not reported while the template reads it. Click commands
and groups are used by their decorators. Exit status 1 when vulture reports unused code, else 0.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
    """Run vulture; print its findings; fail on any."""
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
    for line in findings:
        print(f"dead code: {line}", file=sys.stderr)
    print(f"deadcode: {len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
