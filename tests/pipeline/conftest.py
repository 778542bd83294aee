"""The use cases' tests share the local payload server of the source tests."""

from tests.sources.conftest import feeds, lconfig, server  # noqa: F401  # fixtures: the local payload server
