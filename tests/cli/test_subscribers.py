"""The subscribers CLI: import, list, export (CSV)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reportbot.cli import cli
from reportbot.config import Config


def test_subscribers_import_list_export(config: Config, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[paths]\ndatabase = "{config.paths.database}"\n')
    source = tmp_path / "subs.csv"
    source.write_text(
        "chat_id,name,capital_cny,annual_rate,min_probability,active\n1,甲,500000,0.03,0.6,1\n2,乙,,,,0\n"
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "import", str(source)])
    assert result.exit_code == 0 and "imported 2" in result.output
    listed = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "list"])
    assert "1\tactive\tcapital=500,000\trate=3.00%\tmin_probability=60%\t甲" in listed.output
    assert "2\tinactive (imported as inactive)\tcapital=1,000,000" in listed.output
    exported = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "export"])
    assert exported.output.splitlines() == [
        "chat_id,name,capital_cny,annual_rate,min_probability,active",
        "1,甲,500000,0.03,0.6,1",
        "2,乙,1000000,0.05,0.5,0",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("chat_id,annual_rate\n3,0.9\n")
    result = runner.invoke(cli, ["--config", str(cfg), "-q", "subscribers", "import", str(bad)])
    assert result.exit_code == 1 and "bad.csv:2: column annual_rate='0.9' is outside [0, 0.3]" in result.output
