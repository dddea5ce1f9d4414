"""What a crawl's stats say: the figures the progress line, the health checks and the status share."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

#: where the failed writes of the archive's records and of the raw archive are counted, and below
#: them by why (``newscrawl/archive/write_errors/no_space_left_on_device``)
RECORD_WRITE_ERRORS = "newscrawl/archive/write_errors"
RAW_WRITE_ERRORS = "newscrawl/raw_archive/errors"


def stat(stats: Mapping[str, Any], key: str) -> int:
    """An integer stat (0 when absent)."""
    return int(stats.get(key, 0) or 0)


def error_count(stats: Mapping[str, Any]) -> int:
    """Pages that failed (after retries; each URL once) and spider exceptions."""
    if "newscrawl/pages" in stats:
        return stat(stats, "newscrawl/pages/failed") + stat(stats, "spider_exceptions/count")
    return (stat(stats, "newscrawl/failed/articles") + stat(stats, "newscrawl/failed/listings")
            + stat(stats, "spider_exceptions/count"))


def never_answered(stats: Mapping[str, Any], host: str) -> bool:
    """Whether ``host`` failed to answer (``newscrawl/unreachable/<host>``) and has not answered since
    (``newscrawl/reached/<host>``): its failed pages are then said once, in the crawl's closing lines."""
    return stats.get(f"newscrawl/unreachable/{host}") is not None and not stats.get(f"newscrawl/reached/{host}")


def items_extracted(stats: Mapping[str, Any]) -> int:
    """Articles a crawl extracted: archived, or refused by a pipeline (duplicates)."""
    return stat(stats, "item_scraped_count") + stat(stats, "item_dropped_count")


def write_failure(error: BaseException) -> str:
    """Why a write failed, in a few words (``no space left on device``, ``read-only file system``,
    ``permission denied``, SQLite's ``database or disk is full``)."""
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno).lower()
    return (str(error) or type(error).__name__).lower()


def count_write_failure(stats: Any, key: str, error: BaseException) -> str:
    """Count a failed write under ``key`` and below it by why; returns why."""
    why = write_failure(error)
    stats.inc_value(key)
    stats.inc_value(f"{key}/{why.replace(' ', '_')}")
    return why


def write_failures(stats: Mapping[str, Any], key: str) -> dict[str, int]:
    """The failed writes counted under ``key``, by why."""
    prefix = f"{key}/"
    return {k[len(prefix):].replace("_", " "): stat(stats, k) for k in stats if k.startswith(prefix)}
