"""The typed job registry: a schedule file's ``target`` names one of these functions.

Every target has one signature, ``(Config, Connection, Clock) -> JobResult``, so mypy checks the
wiring. Adding a job is one line here and a ``[[jobs]]`` table in ``schedules/``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reportbot.pipeline import jobs
from reportbot.pipeline.jobs import JobFunc

JOBS: Mapping[str, JobFunc] = {
    "refresh": jobs.refresh,
    "alerts-eve": jobs.alerts_eve,
    "alerts-morning": jobs.alerts_morning,
    "alerts-result": jobs.alerts_result,
    "alerts-listing": jobs.alerts_listing,
    "monthly-report": jobs.monthly_report,
    "model-refit": jobs.model_refit,
    "health-summary": jobs.health_summary,
    "backup": jobs.backup,
    "deliveries-resume": jobs.deliveries_resume,
    "deliveries-prune": jobs.deliveries_prune,
}
