"""The CLI tests of ``data fetch`` share the local payload server of the source tests."""

from tests.sources.conftest import feeds, server  # noqa: F401  # fixtures: the local payload server
