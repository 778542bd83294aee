"""schedules/*.toml → JobSpec, with errors naming file, key and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportbot.config import load_config
from reportbot.errors import ConfigError
from reportbot.schedule.definitions import load_definitions, parse_file
from reportbot.schedule.registry import JOBS

T = {"m", "pkg"}  # the job functions the test files may name

REPO = Path(__file__).parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_schedules_define_every_job_and_skip_the_calendar_file() -> None:
    config = load_config(None, env={})
    specs = load_definitions(
        REPO / "schedules", default_grace_s=3600, targets=JOBS, skip=REPO / "schedules" / "holidays.toml"
    )
    names = {s.name for s in specs}
    assert names == {
        "refresh",
        "alerts-eve",
        "alerts-morning",
        "alerts-result",
        "alerts-listing",
        "monthly-report",
        "model-refit",
        "health-summary",
        "deliveries-resume",
        "deliveries-prune",
        "backup",
    }
    by_name = {s.name: s for s in specs}
    assert by_name["alerts-eve"].trigger.on == (("apply_date", -1),)
    assert by_name["alerts-eve"].target == "alerts-eve"
    assert all(s.target in JOBS for s in specs)
    assert by_name["alerts-result"].trigger.on == (("issue_result_date", 0), ("apply_date", 3))
    assert by_name["monthly-report"].trigger.trading_day == "first_of_month"
    assert by_name["refresh"].trigger.trading_day == "every"
    assert by_name["model-refit"].trigger.trading_day is None
    assert by_name["health-summary"].misfire_grace_s == config.schedule.default_misfire_grace_s
    assert by_name["health-summary"].notify_result == "admins"
    assert all(s.coalesce for s in specs)


def test_defaults_and_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[jobs]]\nname = "a"\ntarget = "pkg"\ntrigger = { hour = "9", minute = 5, trading_day = "last_of_week" }\n',
    )
    (spec,) = parse_file(path, default_grace_s=77, targets=T)
    assert spec.misfire_grace_s == 77
    assert spec.coalesce is True
    assert spec.target == "pkg"
    assert spec.trigger.cron_kwargs() == {"hour": "9", "minute": "5"}
    assert spec.trigger.describe() == "每周最后一个交易日 09:05"
    assert spec.source == path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "a"\ntarget = "m"\ntrigger = { hour = 25 }', "job 'a'.trigger: invalid cron fields {'hour': '25'}"),
        ('name = "a"\ntarget = "m"\ntrigger = { hour = 1, colour = 2 }', "job 'a'.trigger: unknown key 'colour'"),
        (
            'name = "a"\ntarget = "pkg.mod:func"\ntrigger = { hour = 1 }',
            "job 'a'.target: unknown job function 'pkg.mod:func' (known: m, pkg)",
        ),
        ('name = "a"\ntarget = "m"\nkwargs = { x = 1 }\ntrigger = { hour = 1 }', "jobs[0]: unknown key 'kwargs'"),
        ('name = "A B"\ntarget = "m"\ntrigger = { hour = 1 }', "jobs[0].name: 'A B' must match"),
        (
            'name = "a"\ntarget = "m"\ntrigger = { hour = 1 }\nmisfire_grace_s = 0',
            "misfire_grace_s: expected a positive",
        ),
        ('name = "a"\ntarget = "m"\ntrigger = { on = "apply_dat-1" }', "job 'a'.trigger.on: 'apply_dat-1' is not"),
        ('name = "a"\ntarget = "m"\ntrigger = { on = "apply_date", day_of_week = "mon" }', "'day_of_week' cannot"),
        ('name = "a"\ntarget = "m"\ntrigger = { hour = 1, trading_day = "third" }', "trading_day: expected one of"),
        ('name = "a"\ntarget = "m"\ntrigger = { hour = 1 }\ncoalesce = "yes"', "coalesce: expected true or false"),
        ('name = "a"\ntarget = "m"', "job 'a': missing key 'trigger'"),
        ('target = "m"\ntrigger = { hour = 1 }', "jobs[0]: missing key 'name'"),
    ],
)
def test_errors_name_file_key_and_value(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, "[[jobs]]\n" + body + "\n")
    with pytest.raises(ConfigError) as info:
        parse_file(path, default_grace_s=60, targets=T)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_duplicate_names_across_files(tmp_path: Path) -> None:
    job = '[[jobs]]\nname = "a"\ntarget = "m"\ntrigger = { hour = 1 }\n'
    (tmp_path / "one.toml").write_text(job, encoding="utf-8")
    (tmp_path / "two.toml").write_text(job, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"two.toml: job name 'a' is already defined in .*one.toml"):
        load_definitions(tmp_path, default_grace_s=60, targets=T)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[[jobs]\n")
    with pytest.raises(ConfigError, match=r"jobs.toml: cannot read schedule file"):
        parse_file(path, default_grace_s=60, targets=T)
