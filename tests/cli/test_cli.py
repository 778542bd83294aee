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
from reportbot.cli import SUBCOMMANDS, cli
from reportbot.cli.common import MONTH
from reportbot.kinds import Month
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
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "report", "monthly", "--month", "2026-08"])
    assert result.exit_code == 0, result.output
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


def test_month_option_gives_a_month() -> None:
    assert MONTH.convert("2026-08", None, None) == Month(2026, 8)
    assert str(MONTH.convert(" 2026-08 ", None, None)) == "2026-08"


HEAVY = ("weasyprint", "statsmodels", "telegram", "matplotlib", "pandas")
# One cold process runs ``python -m reportbot`` with each light command in turn, then lists what it imported.
COLD_RUN = """
import runpy, sys
for args in (["--help"], ["report", "--help"], ["--config", sys.argv[1], "-q", "data", "status"]):
    sys.argv = ["reportbot", *args]
    try:
        runpy.run_module("reportbot", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_python_dash_m_and_light_commands_import_no_heavy_library(tmp_path: Path) -> None:
    cfg = _write_config(tmp_path)
    result = subprocess.run([sys.executable, "-c", COLD_RUN, str(cfg)], capture_output=True, text=True, check=True)
    assert "report" in result.stdout and "数据库" in result.stdout  # the help and the status were printed
    loaded = set(result.stdout.split("\n")[-2].split())
    assert "reportbot" in loaded and "click" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_top_level_help_lines_match_the_commands() -> None:
    for name, (load, line) in SUBCOMMANDS.items():
        command = load()
        assert command.name == name
        assert (command.help or "").split()[:3] == line.split()[:3], name  # the same command, not a stale entry


def test_every_top_level_command_is_listed() -> None:
    from reportbot.cli import alerts, bot, data, model, ops, report

    found = {
        c for m in (alerts, bot, data, model, ops, report) for c in vars(m).values() if isinstance(c, click.Command)
    }
    nested = {c for group in found if isinstance(group, click.Group) for c in group.commands.values()}
    assert {c.name for c in found - nested} == set(SUBCOMMANDS), "add new commands to reportbot.cli.SUBCOMMANDS"
