"""What a crawl's stats say: the figures the progress line, the health checks and the status share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def stat(stats: Mapping[str, Any], key: str) -> int:
    """An integer stat (0 when absent)."""
    return int(stats.get(key, 0) or 0)


def error_count(stats: Mapping[str, Any]) -> int:
    """Pages that failed (after retries; each URL once) and spider exceptions."""
    if "newscrawl/pages" in stats:
        return stat(stats, "newscrawl/pages/failed") + stat(stats, "spider_exceptions/count")
    return (stat(stats, "newscrawl/failed/articles") + stat(stats, "newscrawl/failed/listings")
            + stat(stats, "spider_exceptions/count"))


def items_extracted(stats: Mapping[str, Any]) -> int:
    """Articles a crawl extracted: archived, or refused by a pipeline (duplicates)."""
    return stat(stats, "item_scraped_count") + stat(stats, "item_dropped_count")
