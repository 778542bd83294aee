"""View models: plain dataclasses and Chinese text built from domain records (no I/O)."""
