"""``reportbot serve``, ``reportbot schedule`` and ``reportbot status``: running the service."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from reportbot.cli.common import CONTEXT_SETTINGS, AppContext, ReportbotGroup, pass_app
from reportbot.config import read_secret
from reportbot.domain import TZ
from reportbot.errors import ConfigError, DataError, ReportbotError
from reportbot.kinds import WEEKDAYS_ZH, RunOutcome
from reportbot.pipeline import deadlines, delivery_report, manage
from reportbot.pipeline.jobs import OUTCOME_ZH
from reportbot.schedule import jobs, scheduler, views
from reportbot.store import db
from reportbot.store import runs as run_store
from reportbot.tradingcal import calendar_end_warning, calendar_for

if TYPE_CHECKING:
    from reportbot.notify.bot import BotApplication

log = logging.getLogger(__name__)


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--no-bot", is_flag=True, help="Run the scheduler only, without the Telegram bot.")
@pass_app
def serve(app: AppContext, no_bot: bool) -> None:
    """Run the scheduler and the Telegram bot until SIGTERM/SIGINT.

    Without a bot token it refuses to start (exit 2) unless --no-bot. A second `serve` on the same lock
    file exits with an error instead of running jobs; a damaged database is reported to the admins.
    """
    bot = None if no_bot else _bot_application(app)
    service = scheduler.Service(app.config, now=app.now)
    try:
        db.check_integrity(app.config.paths.database)  # every page, once per start (not on every open)
        service.start()
    except DataError:  # the English detail is the command's error line; the admins get the Chinese one
        jobs.JobRunner(app.config, (), now=app.now).notify_admins(
            f"⚠️ reportbot 服务无法启动（{app.now():%Y-%m-%d %H:%M} 北京时间）：数据库损坏或缺失，需要从备份恢复。"
        )
        raise
    try:
        if bot is not None:
            log.info("serve: Telegram bot and scheduler running")
            bot.run_polling()
        else:
            _wait_for_signal()
    finally:
        log.info("serve: stopping (waiting for running jobs)")
        service.stop()


def _bot_application(app: AppContext) -> BotApplication:
    """The bot application over the bot service; a missing token is a configuration error (alerts would fail)."""
    config = app.config
    try:
        read_secret(config.telegram.token_env, config.telegram.token_file, "telegram token")
    except ConfigError as exc:
        raise ConfigError(f"serve: {exc} (or pass --no-bot to run the scheduler alone)") from exc
    from reportbot.notify.bot import build_application  # telegram: only for serve with the bot
    from reportbot.pipeline.botservice import BotService  # the model and WeasyPrint come with it

    return build_application(config, BotService(config, app.store(), app.now))


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("serve: received signal %d", signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    log.info("serve: scheduler running (Ctrl-C or SIGTERM to stop)")
    while not stop.wait(3600):
        pass


@click.group(cls=ReportbotGroup, context_settings=CONTEXT_SETTINGS)
def schedule() -> None:
    """List the scheduled jobs, or run one now."""


@schedule.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("-n", "--count", type=click.IntRange(1, 50), default=3, show_default=True, help="Next runs per job.")
@pass_app
def list_cmd(app: AppContext, count: int) -> None:
    """Print every job with its next run times (Beijing time) and its last result."""
    cal = calendar_for(app.config)
    now = app.now()
    click.echo(
        f"任务（{app.config.schedule.directory}；北京时间；现在 {_when(now)}）。"
        f"交易日历库数据截至 {cal.library_end.isoformat()}，其后的日期按工作日暂定（标注“暂定”）。"
    )
    for view in views.job_views(app.config, app.store(), now, count=count):
        spec = view.spec
        click.echo(f"\n{spec.name}  {spec.description}")
        click.echo(f"  时间：{spec.trigger.describe()}；目标：{spec.target}；补跑宽限 {spec.misfire_grace_s} 秒")
        if view.next_runs:
            runs = "，".join(
                _when(t) + ("（暂定）" if p else "") for t, p in zip(view.next_runs, view.provisional, strict=True)
            )
        elif spec.trigger.is_event:
            runs = "无（库中没有未来的新股日历日期）"
        else:
            runs = "无"
        click.echo(f"  下次运行：{runs}")
        if (deadline := _deadline(view)) is not None:
            click.echo(f"  送达时限：{deadline}")
        click.echo(f"  上次结果：{_last(view.last)}")


def _deadline(view: views.JobView) -> str | None:
    """An alert job's delivery deadline, and the start it moved to so that every subscriber gets it in time."""
    event = deadlines.event_of_job(view.spec.target)
    if event is None:
        return None
    text = deadlines.deadline_zh(event)
    configured = view.spec.trigger.cron_kwargs()
    planned = f"{int(configured.get('hour', '0')):02d}:{int(configured.get('minute', '0')):02d}"
    start = view.next_runs[0].astimezone(TZ).strftime("%H:%M") if view.next_runs else planned
    if start != planned:
        text += f"；按订阅人数与发送速率，开始时间由 {planned} 提前至 {start}"
    return text


@schedule.command("run", context_settings=CONTEXT_SETTINGS)
@click.argument("job")
@pass_app
def run_cmd(app: AppContext, job: str) -> None:
    """Run JOB once now (recorded like a scheduled run; a failure also goes to the admins)."""
    specs = scheduler.load_specs(app.config)
    names = [s.name for s in specs]
    if job not in names:
        raise click.BadParameter(f"unknown job {job!r} (known: {', '.join(names)})", param_hint="JOB")
    result = jobs.JobRunner(app.config, specs, now=app.now).run(job, kind="manual")
    if result.outcome is not RunOutcome.OK:
        raise ReportbotError(f"job {job}: {OUTCOME_ZH[result.outcome]} ({result.outcome}): {result.error}")
    click.echo(f"{job}: {OUTCOME_ZH[RunOutcome.OK]}" + (f"：{result.detail}" if result.detail else ""))


@click.command("status", context_settings=CONTEXT_SETTINGS)
@pass_app
def status(app: AppContext) -> None:
    """One-screen health view: data, calendar, service, jobs and recent failures."""
    config, conn, now = app.config, app.store(), app.now()
    st = manage.store_status(config, conn)
    as_of = manage.data_as_of(conn)
    cal = calendar_for(config)
    click.echo(f"reportbot 状态（{_when(now)} 北京时间）")
    click.echo(f"数据：{st.database}；北交所新股 {st.bse_rows} 行；数据截至 {as_of.isoformat() if as_of else '暂缺'}")
    today = now.date()
    nxt = cal.next_trading_day(today)
    click.echo(
        f"交易日历：{config.calendar.exchange}，库数据截至 {cal.library_end.isoformat()}；"
        f"今天{'是' if cal.is_trading_day(today) else '不是'}交易日；下一个交易日 {nxt.isoformat()}"
        + ("（暂定）" if cal.is_provisional(nxt) else "")
    )
    warning = calendar_end_warning(cal, today)
    if warning:
        click.echo(f"警告：{warning}（在 {config.calendar.overrides_file} 中补充休市日后重启 serve）")
    running = scheduler.lock_holder(config)
    click.echo(f"服务：reportbot serve {'运行中' if running else '未运行'}（锁文件 {config.schedule.lock_file}）")
    recent = run_store.runs_since(conn, now - timedelta(hours=24))
    counts = {k: sum(1 for r in recent if r.outcome == k) for k in OUTCOME_ZH}
    click.echo("过去 24 小时任务：" + "，".join(f"{OUTCOME_ZH[k]} {v}" for k, v in counts.items()))
    for view in views.job_views(config, conn, now, count=1):
        nxt_run = _when(view.next_runs[0]) + ("（暂定）" if view.provisional[0] else "") if view.next_runs else "无"
        click.echo(f"  {view.spec.name:<16} 上次：{_last(view.last):<34} 下次：{nxt_run}")
    problems = [r for r in run_store.runs_since(conn, now - timedelta(days=7)) if r.outcome.is_problem]
    if problems:
        click.echo("最近 7 天的失败与错过：")
        for run in problems[-10:]:
            click.echo(f"  {_when(run.started_at)} {run.job} {OUTCOME_ZH[run.outcome]}：{run.error or run.detail}")
    for line in delivery_report.status_lines(conn, now - timedelta(days=7)):
        click.echo(line)


def _when(moment: datetime) -> str:
    local = moment.astimezone(TZ)
    return f"{local:%Y-%m-%d} 周{WEEKDAYS_ZH[local.weekday()]} {local:%H:%M}"


def _last(run: run_store.JobRun | None) -> str:
    if run is None:
        return "暂无记录"
    text = f"{OUTCOME_ZH[run.outcome]} {_when(run.started_at)}"
    if run.outcome.is_problem and run.outcome is not RunOutcome.MISSED:
        text += f"（{run.error[:40]}…）" if len(run.error) > 40 else f"（{run.error}）"
    return text


@click.command("backup", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the copy (default: [backup].directory).",
)
@pass_app
def backup(app: AppContext, directory: Path | None) -> None:
    """Copy the database now (SQLite online backup, safe while serve runs); keep the newest [backup].keep.

    Prints the path of the copy.
    """
    made = db.backup_database(
        app.store(), directory or app.config.backup.directory, app.now(), keep=app.config.backup.keep
    )
    log.info("backup: %d bytes; removed %d older copies", made.size_bytes, len(made.removed))
    click.echo(str(made.path))


@click.command("restore", context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def restore(app: AppContext, file: Path) -> None:
    """Replace the database with the backup FILE (checked first; serve must be stopped).

    The replaced file is kept beside the database as <name>.replaced-<time>.
    """
    if scheduler.lock_holder(app.config):
        lock = app.config.schedule.lock_file
        raise ReportbotError(f"restore: reportbot serve is running (lock {lock}); stop it first")
    target = app.config.paths.database
    kept = db.restore_database(file, target, app.now())
    if kept is not None:
        log.info("restore: the replaced database is kept as %s", kept)
    click.echo(str(target))
