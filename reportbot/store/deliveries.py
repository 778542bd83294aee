"""Storage for deliveries (filled in by its feature)."""

SCHEMA: tuple[str, ...] = ()
