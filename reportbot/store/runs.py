"""Storage for runs (filled in by its feature)."""

SCHEMA: tuple[str, ...] = ()
