"""Scheduler: APScheduler jobs built from schedules/*.toml on the exchange calendar."""
