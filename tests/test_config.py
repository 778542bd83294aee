from pathlib import Path

import pytest

from reportbot.config import load_config, read_secret
from reportbot.errors import ConfigError


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.paths.database == tmp_path / "output/reportbot.sqlite3"
    assert config.subscriber_defaults.annual_rate == 0.05


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "conf" / "c.toml"
    cfg.parent.mkdir()
    cfg.write_text('[paths]\ndatabase = "data/x.sqlite3"\n[telegram]\nmanagement_chat_ids = [1, 2]\n')
    config = load_config(cfg, env={})
    assert config.paths.database == tmp_path / "conf/data/x.sqlite3"
    assert config.telegram.management_chat_ids == (1, 2)


def test_example_config_is_valid_and_matches_defaults() -> None:
    example = load_config(Path(__file__).parents[1] / "config.example.toml", env={})
    defaults = load_config(None, env={})
    assert example.subscriber_defaults == defaults.subscriber_defaults
    assert example.model == defaults.model
    assert example.sources == defaults.sources
    assert example.telegram.token_env == defaults.telegram.token_env


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[paths]\ndatbase = 'x'\n", "config.toml.paths: unknown key 'datbase'"),
        ("[smtp]\nport = 'x'\n", "config.toml.smtp.port: expected int, got 'x'"),
        ("[telegram]\nadmin_chat_ids = 5\n", "config.toml.telegram.admin_chat_ids: expected a list, got 5"),
        ("[paths\n", "invalid TOML"),
    ],
)
def test_bad_config_names_key_and_value(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg, env={})
    assert message in str(err.value).replace(str(tmp_path) + "/", "")


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_secret_from_env_then_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("from-file\n")
    assert read_secret("TOK", secret_file, "telegram token", env={"TOK": "from-env"}) == "from-env"
    assert read_secret("TOK", secret_file, "telegram token", env={}) == "from-file"
    with pytest.raises(ConfigError) as err:
        read_secret("TOK", None, "telegram token", env={})
    assert "TOK" in str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[schedule]\ntimezone = "Asia/Shangai"', "schedule.timezone: unknown time zone 'Asia/Shangai'"),
        ("[schedule]\ndefault_misfire_grace_s = -5", "schedule.default_misfire_grace_s: -5 is out of range"),
        ("[telegram]\nmax_messages_per_second = -1", "telegram.max_messages_per_second: -1.0 is out of range"),
        ("[telegram]\nsend_concurrency = 0", "telegram.send_concurrency: 0 is out of range (must be >= 1"),
        ("[sources]\npacing_s = -0.5", "sources.pacing_s: -0.5 is out of range (must be >= 0)"),
        ("[model]\ninterval_level = 1.5", "model.interval_level: 1.5 is out of range (must be > 0 and <= 1)"),
        ("[backup]\nkeep = 0", "backup.keep: 0 is out of range"),
        ("[model]\nrecent_halflife_calendar_days = 0", "model.recent_halflife_calendar_days: 0.0 is out of range"),
        ("[model]\ntrain_window = -1", "model.train_window: -1 is out of range (must be >= 0)"),
        ("[model]\nrecent3_weight = 1.5", "model.recent3_weight: 1.5 is out of range (must be >= 0 and <= 1)"),
        ('[calendar]\noverrides_file = "missing.toml"', "calendar.overrides_file: cannot read"),
    ],
)
def test_invalid_values_stop_at_load_with_key_and_value(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(cfg, env={})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_overrides_file_with_a_mistyped_key_is_refused(tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.toml"
    holidays.write_text("closd = [2027-01-01]\n", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[calendar]\noverrides_file = "{holidays}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holidays.toml: unknown key 'closd' \(known: closed, open\)"):
        load_config(cfg, env={})


def test_unset_schedule_paths_fall_back_to_the_project_schedules(tmp_path: Path) -> None:
    cfg = tmp_path / "etc" / "config.toml"  # as in /etc/reportbot: no schedules/ beside the file
    cfg.parent.mkdir()
    cfg.write_text('[paths]\ndatabase = "/var/lib/reportbot/db.sqlite3"\n', encoding="utf-8")
    config = load_config(cfg, env={})
    repo = Path(__file__).parents[1]
    assert config.calendar.overrides_file == repo / "schedules" / "holidays.toml"
    assert config.schedule.directory == repo / "schedules"


def test_config_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportbot.cli import cli

    cfg = tmp_path / "c.toml"
    cfg.write_text('[schedule]\ntimezone = "Asia/Shangai"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "status"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: schedule.timezone: unknown time zone 'Asia/Shangai' (e.g. 'Asia/Shanghai')"
    ]
