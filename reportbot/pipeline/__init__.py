"""Use cases, each one module telling a short story over the layers below.

``manage`` (open and inspect the store), ``fetch`` (live sources into the store), ``report`` (monthly
report and per-IPO brief), ``modeling`` (model evaluation and refit), ``alerting`` (alert texts),
``delivery`` and its helpers (sending), ``botservice`` (the bot's backend) and ``jobs`` (the scheduled
job bodies). Every dependency (config, connection, clock, notifier) is a parameter.
"""
