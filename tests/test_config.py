from pathlib import Path

import pytest

from reportbot.config import load_config, read_secret
from reportbot.errors import ConfigError


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.paths.database == tmp_path / "output/reportbot.sqlite3"
    assert config.subscriber_defaults.annual_rate == 0.05
    assert config.source_file is None


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
