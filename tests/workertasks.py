"""Functions for extraction-pool tests, importable by spawned worker processes."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def stuck(html: str, url: str, outlet: str | None, timeout: float, hint: str | None = None) -> dict[str, Any] | None:
    """A page that never gives up by itself (its time-limit signal blocked, as in C code that does
    not return to Python); ``html == "quick"`` answers at once."""
    if html == "quick":
        return {"pid": os.getpid()}
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(3600)
    return None
