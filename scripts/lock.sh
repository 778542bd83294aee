#!/usr/bin/env bash
# Refresh constraints.txt, the versions `scripts/bootstrap.sh` installs (the lock):
#
#   bash scripts/lock.sh            # then: bash scripts/bootstrap.sh test, and commit both files if it passes
#
# It makes a fresh virtual environment, installs the project with its dev extra at the newest versions
# pyproject.toml allows (ignoring the current lock), and freezes the result. The lock is for the Python
# that runs this script (3.11 on Debian 12, as CI); pyproject.toml keeps the ranges other machines need.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
LOCK=constraints.txt
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say() { printf '[lock] %s\n' "$*" >&2; }

say "resolving pyproject.toml in a fresh virtual environment ($("$PYTHON" --version))"
"$PYTHON" -m venv "$tmp/venv"
if ! "$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]" > "$tmp/pip.log" 2>&1; then
  grep -v "^WARNING: Location" "$tmp/pip.log" >&2
  say "pip install failed"
  exit 1
fi
{
  echo "# The lock: exact versions for scripts/bootstrap.sh (pip install -c $LOCK -e .[dev])."
  echo "# Written by scripts/lock.sh with $("$tmp/venv/bin/python" --version); do not edit by hand."
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check
} > "$tmp/$LOCK"
mv "$tmp/$LOCK" "$LOCK"
say "wrote $LOCK ($(grep -vc '^#' "$LOCK") packages); now run: bash scripts/bootstrap.sh test"
