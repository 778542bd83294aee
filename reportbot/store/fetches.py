"""Storage for fetches (filled in by its feature)."""

SCHEMA: tuple[str, ...] = ()
