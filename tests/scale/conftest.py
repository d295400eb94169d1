"""Fixtures that run the real servers: one PostgreSQL cluster, one redis-server and one
S3-compatible server (moto) per test session, with a fresh database / bucket per test.

Every test that uses one of them is marked ``scale`` and skips, saying what is missing, when the
``scale`` extra or a server binary is not installed (CI installs both, so CI runs them all)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.scale import servers

_names = itertools.count()


SERVER_FIXTURES = frozenset(
    {"postgres_cluster", "postgres_url", "redis_url", "s3_endpoint", "s3_bucket"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``scale`` every test that uses a server fixture (tests that ask for one only by
    ``getfixturevalue`` mark that parameter themselves)."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.scale)


def _require_binaries() -> None:
    modules = servers.missing_modules()
    if modules:
        pytest.skip(
            f"the scale extra is not installed (no {', '.join(modules)}): "
            f"{servers.SCALE_EXTRA_HINT}"
        )
    missing = servers.missing_binaries()
    if missing:
        pytest.skip(
            f"scale-out servers not installed: {', '.join(missing)} "
            "(scripts/setup.sh installs them)"
        )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[str]:
    """The admin URL of a throwaway PostgreSQL cluster."""
    _require_binaries()
    with servers.postgres_cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_cluster: str) -> str:
    """A URL to a new, empty database on the throwaway cluster."""
    return servers.create_database(postgres_cluster, f"test_{next(_names)}")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a throwaway redis-server."""
    _require_binaries()
    with servers.redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The endpoint of a throwaway S3-compatible server."""
    _require_binaries()
    with servers.s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the S3 server."""
    name = f"i23d-test-{next(_names)}"
    servers.create_bucket(s3_endpoint, name)
    return name
