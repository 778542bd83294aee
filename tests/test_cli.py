"""CLI: every command has help; the foundation commands work on the bundled data; errors are one line."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reportbot import zhfmt
from reportbot.cli import cli
from reportbot.config import Config
from tests.conftest import make_config


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name in group.list_commands(click.Context(group)):
        cmd = group.get_command(click.Context(group), name)
        assert cmd is not None
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p) or "reportbot")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)  # type: ignore[assignment]
    assert command.help, f"{' '.join(path)} has no help text"


def _write_config(tmp: Path) -> Path:
    config = make_config(tmp)
    path = tmp / "config.toml"
    path.write_text(
        f'[paths]\ndatabase = "{config.paths.database}"\noutput_dir = "{config.paths.output_dir}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def monthly_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    tmp = tmp_path_factory.mktemp("cli")
    cfg = _write_config(tmp)
    result = subprocess.run(
        [sys.executable, "-m", "reportbot", "--config", str(cfg), "report", "monthly", "--month", "2026-08"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pdf = Path(result.stdout.strip())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return cfg, result.stdout, text


def test_report_monthly_prints_pdf_path_and_pdf_matches_database(monthly_run: tuple[Path, str, str]) -> None:
    cfg, stdout, text = monthly_run
    pdf = Path(stdout.strip())
    assert pdf.name == "bse-monthly-2026-08.pdf" and pdf.is_file()
    assert "北交所新股月报（2026年8月）" in text
    conn = sqlite3.connect(cfg.parent / "db.sqlite3")
    rows = conn.execute(
        "SELECT name, first_day_return_pct FROM ipos WHERE listing_date LIKE '2026-08-%' AND segment = 'BSE'"
    ).fetchall()
    assert len(rows) == 8
    for name, ret in rows:
        assert name in text
        assert zhfmt.pct(ret) in text  # every return printed as the database has it (or 暂缺)
    returns = [r for _, r in rows if r is not None]
    assert zhfmt.pct(sum(returns) / len(returns)) in text
    assert re.search(r"(?<!\d)8\s*只", text) and "数据截至：2026-08-31" in text
    assert "免责声明" in text


def test_alerts_preview_for_friday_evening(tmp_path: Path) -> None:
    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "alerts", "preview", "--as-of", "2026-08-14"])
    assert result.exit_code == 0, result.output
    assert "2026-08-17" in result.output
    assert "华大海天（920288）" in result.output
    assert "发行价：12.57 元" in result.output
    assert "资金冻结：2 个自然日" in result.output


def test_alerts_preview_with_no_subscription(tmp_path: Path) -> None:
    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "alerts", "preview", "--as-of", "2026-11-20"])
    assert result.exit_code == 0
    assert "没有北交所新股申购" in result.output


def test_data_status(tmp_path: Path) -> None:
    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "status"])
    assert result.exit_code == 0, result.output
    assert "BSE 281 行" in result.output
    assert "first_day_return_pct" in result.output


def test_bad_month_is_a_usage_error(tmp_path: Path) -> None:
    cfg = _write_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "report", "monthly", "--month", "2026-13"])
    assert result.exit_code == 2
    assert "'2026-13' is not a month in YYYY-MM form" in result.output


def test_library_error_is_one_line_with_exit_code(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[paths]\nnope = 1\n")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "data", "status"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error:") and "unknown key 'nope'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_breakeven_command() -> None:
    result = CliRunner().invoke(cli, ["model", "breakeven", "--rate", "0.05", "--days", "4", "--winning-rate", "0.002"])
    assert result.exit_code == 0
    assert "27.4%" in result.output


def test_python_dash_m_entry_point(config: Config) -> None:
    result = subprocess.run([sys.executable, "-m", "reportbot", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "report" in result.stdout


HEAVY = ("weasyprint", "statsmodels", "telegram", "matplotlib", "pandas")
IMPORTS_OF = """
import sys
from reportbot.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


@pytest.mark.parametrize("args", [["--help"], ["data", "status"], ["report", "--help"]], ids=" ".join)
def test_light_commands_import_no_heavy_library(tmp_path: Path, args: list[str]) -> None:
    cfg = _write_config(tmp_path)
    argv = [sys.executable, "-c", IMPORTS_OF, "--config", str(cfg), "-q", *args]
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split("\n")[-2].split())
    assert "reportbot" in loaded and "click" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_top_level_help_lines_match_the_commands() -> None:
    from reportbot.cli import SUBCOMMANDS, load_command

    for name, (_, _, line) in SUBCOMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert (command.help or "").split()[:3] == line.split()[:3], name  # the same command, not a stale entry


def test_every_ops_command_is_listed() -> None:
    from reportbot.cli import SUBCOMMANDS
    from reportbot.cli.ops import OPS_COMMANDS

    assert {c.name for c in OPS_COMMANDS} <= set(SUBCOMMANDS), "add new commands to reportbot.cli.SUBCOMMANDS"
