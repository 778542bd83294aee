"""SQLite storage: IPOs, datasets, fetch log, subscribers, delivery ledger, job runs."""
