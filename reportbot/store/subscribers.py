"""Storage for subscribers (filled in by its feature)."""

SCHEMA: tuple[str, ...] = ()
