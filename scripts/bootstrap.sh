#!/usr/bin/env bash
# Set up reportbot on a fresh Debian machine and run the demo or the test suite.
#
#   scripts/bootstrap.sh demo   # set up, render the latest monthly PDF and an alert preview (bundled data)
#   scripts/bootstrap.sh test   # set up, run lint, type checks, import contracts, dead code and size rules, all tests
#   scripts/bootstrap.sh setup  # set up only
#
# Setup: Debian packages (apt-get when root, otherwise prints the command), a virtual environment in
# .venv, and the Python packages at the versions of the lock (pip install -c constraints.txt -e ".[dev]";
# `scripts/lock.sh` refreshes the lock). Re-running is quick: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-demo}"
# The interpreter: $PYTHON when set, else Debian's own /usr/bin/python3 when it is 3.11 or newer (what a fresh
# Debian 12 machine has; built with PGO and LTO, it lays out a PDF about a quarter faster than a Python built
# without them, such as pyenv's default build), else python3 on the PATH.
default_python() {
  if /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo /usr/bin/python3
  else
    echo python3
  fi
}
PYTHON="${PYTHON:-$(default_python)}"
DEB_PACKAGES=(fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0)

say() { printf '[bootstrap] %s\n' "$*" >&2; }

check_python() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "Python >= 3.11 is required (found: $("$PYTHON" --version 2>&1 || echo none)); set PYTHON=..."
    exit 1
  fi
  if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    DEB_PACKAGES+=("python3-venv")
  fi
}

install_debian_packages() {
  local missing=()
  for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing Debian packages; run this, then re-run $0:"
    printf 'sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}"
    exit 1
  fi
}

install_python_packages() {
  local stamp=".venv/.reportbot-installed"
  local want
  want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
  local home
  home="$("$PYTHON" -c 'import os, sys; print(os.path.dirname(os.path.realpath(sys.executable)))')"
  if [ -x .venv/bin/python ] && ! grep -qxF "home = $home" .venv/pyvenv.cfg 2>/dev/null; then
    say "the virtual environment .venv was made with another Python: re-creating it with $PYTHON"
    rm -rf .venv
  fi
  if [ ! -x .venv/bin/python ]; then
    say "creating virtual environment .venv ($PYTHON)"
    "$PYTHON" -m venv .venv
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages (pip install -c constraints.txt -e .[dev])"
    if ! .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]" \
      > .venv/pip.log 2>&1; then
      grep -v "^WARNING: Location" .venv/pip.log >&2
      say "pip install failed (full log: .venv/pip.log)"
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
}

check_python
install_debian_packages
install_python_packages

case "$MODE" in
  setup)
    say "ready: .venv/bin/reportbot --help"
    ;;
  demo)
    say "rendering the monthly report of the latest month in the bundled data"
    pdf="$(.venv/bin/reportbot --quiet report monthly --latest | head -n 1)"
    .venv/bin/reportbot --quiet alerts preview --latest
    echo
    echo "PDF: $pdf"
    ;;
  test)
    .venv/bin/ruff check
    .venv/bin/ruff format --check
    .venv/bin/mypy
    .venv/bin/lint-imports
    .venv/bin/python scripts/deadcode.py
    .venv/bin/python scripts/sizes.py
    .venv/bin/pytest
    ;;
  *)
    say "usage: $0 demo|test|setup"
    exit 2
    ;;
esac
