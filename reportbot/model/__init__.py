"""The first-day-return model and subscription math: pure functions, no I/O, no clock."""
