"""The systemd unit and its config: absolute state paths, the hardening the README promises."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from reportbot.config import load_config

REPO = Path(__file__).parents[1]
UNIT = REPO / "deploy" / "reportbot.service"


def test_deploy_config_has_only_known_keys_and_absolute_state_paths(tmp_path: Path) -> None:
    text = (REPO / "deploy" / "config.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    copy = tmp_path / "config.toml"  # the clone is here, not in /opt/reportbot
    copy.write_text(text.replace("/opt/reportbot/", f"{REPO}/"), encoding="utf-8")
    config = load_config(copy, env={})  # unknown keys, wrong types or values, a missing overrides file raise
    assert config.schedule.directory == REPO / "schedules"
    writable = ("/var/lib/reportbot/", "/var/cache/reportbot/", "/run/reportbot/")
    for section, key in [
        ("paths", "database"),
        ("paths", "output_dir"),
        ("paths", "raw_dir"),
        ("fonts", "cache_dir"),
        ("schedule", "lock_file"),
        ("backup", "directory"),
    ]:
        assert data[section][key].startswith(writable), (section, key)
    assert data["calendar"]["overrides_file"] == "/opt/reportbot/schedules/holidays.toml"


def test_unit_has_the_promised_settings() -> None:
    lines = {line.strip() for line in UNIT.read_text(encoding="utf-8").splitlines()}
    for setting in (
        "StateDirectory=reportbot",
        "CacheDirectory=reportbot",
        "LogsDirectory=reportbot",
        "ProtectSystem=strict",
        "UMask=0077",
        "RestartPreventExitStatus=2",
        "EnvironmentFile=/etc/reportbot/env",
        "AssertFileNotEmpty=/etc/reportbot/env",
        "TimeoutStopSec=600",
    ):
        assert setting in lines, setting


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_scores_at_most_5_in_the_offline_security_analysis() -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(UNIT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    last = [line for line in done.stdout.splitlines() if "Overall exposure level" in line]
    assert last, done.stdout + done.stderr
    score = float(last[0].split(":")[1].split()[0])
    assert score <= 5.0, last[0]
