"""Fixtures shared by all tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import SHARED


@pytest.fixture
def shared() -> Path:
    """The shared reference folder beside the project; tests using it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
