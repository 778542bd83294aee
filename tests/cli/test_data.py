"""``reportbot data fetch`` and ``data status`` through the CLI, against the local server and offline."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reportbot.cli import cli
from tests.sources.conftest import BROKEN, Feeds, live_config_file, read


def test_fetch_shows_progress_on_stderr_and_results_on_stdout(
    tmp_path: Path, server: tuple[str, Feeds], feeds: Feeds
) -> None:
    cfg = live_config_file(tmp_path, server[0])
    result = CliRunner().invoke(cli, ["--config", str(cfg), "data", "fetch", "--source", "em_bse50"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "em_bse50: ok, 4 records, 4 inserted, 0 updated"
    assert "em_bse50: fetching from" in result.stderr and "1 page(s) received" in result.stderr
    quiet = CliRunner().invoke(cli, ["--config", str(cfg), "data", "fetch", "--source", "em_bse50", "--quiet"])
    assert quiet.exit_code == 0
    assert quiet.stdout.strip() == "em_bse50: ok, 4 records, 0 inserted, 0 updated"
    assert "fetching from" not in quiet.stderr


def test_failed_fetch_exits_1_with_one_line_and_status_shows_why(
    tmp_path: Path, server: tuple[str, Feeds], feeds: Feeds
) -> None:
    cfg = live_config_file(tmp_path, server[0])
    feeds.put("em_bse50", "k", (BROKEN / "em_bse50__other_security.json").read_text(encoding="utf-8"))
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "fetch", "--source", "em_bse50", "-q"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: fetch: 1 of 1 sources failed (see `reportbot data status`); first: em_bse50: field data.code='899001':"
        " answer is for another security than 899050"
    ]
    status = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "status"])
    assert status.exit_code == 0
    lines = status.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("em_bse50 "))
    assert "上次成功：从未" in lines[at + 1]
    assert "上次失败" in lines[at + 2] and "field data.code='899001'" in lines[at + 2]
    assert "北证50 日K 0 天（暂缺）" in status.stdout and "新闻数据点 54 条" in status.stdout
    fetch_id = lines[at + 2].split("获取记录 #")[1].split("）")[0]
    replay = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "replay", "em_bse50", fetch_id])
    assert replay.exit_code == 1  # the kept raw files fail as the fetch did, with the same line
    assert replay.stderr.strip() == "Error: " + result.stderr.strip().split("first: ")[1]
    feeds.put("em_bse50", "k", read("em_bse50.json"))
    ok = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "fetch", "--source", "em_bse50", "-q"])
    assert ok.exit_code == 0, ok.output
    later = str(int(fetch_id) + 1)
    again = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "data", "replay", "em_bse50", later])
    assert again.exit_code == 0 and again.stdout.strip() == f"em_bse50: fetch {later} parses to 4 records"


def test_offline_fetch_then_report_renders_from_stored_data(tmp_path: Path) -> None:
    cfg = live_config_file(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "data", "fetch", "--quiet"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "9 of 9 sources failed" in result.stderr and "Connection refused" in result.stderr
    report = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "report", "monthly", "--month", "2026-08", "--html"])
    assert report.exit_code == 0, report.output
    html = Path(report.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert "2026-09-16" in html  # the stored data's as-of date


def test_unknown_source_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(live_config_file(tmp_path, "http://127.0.0.1:9")), "data", "fetch", "--source", "nope"]
    )
    assert result.exit_code == 2
    assert "'nope' is not one of" in result.output
