"""Log a long crawl's progress periodically: Scrapy's LogStats line, with newscrawl's own counts."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.extensions.logstats import LogStats

from newscrawl.stats import error_count

logger = logging.getLogger(__name__)


class ProgressLog(LogStats):
    """Every ``LOGSTATS_INTERVAL`` seconds (default 60), logs pages and items with their rates per
    minute, as Scrapy's LogStats does, and what the crawl archived, refused as duplicate, skipped,
    retried and failed so far. Replaces ``scrapy.extensions.logstats.LogStats``."""

    def progress(self) -> dict[str, int | float]:
        """The figures of one progress line (``calculate_stats`` must have run)."""
        stats = self.stats

        def value(key: str) -> int:
            return int(stats.get_value(key, 0) or 0)

        return {"pages": self.pages, "pagerate": self.prate, "items": self.items, "itemrate": self.irate,
                "archived": value("newscrawl/archived"), "duplicates": value("newscrawl/duplicates"),
                "skipped": value("newscrawl/skipped"), "retries": value("retry/count"),
                "errors": error_count(stats.get_stats())}

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        logger.info("progress: %(pages)d pages (%(pagerate)d/min), %(items)d items (%(itemrate)d/min);"
                    " archived %(archived)d, duplicates %(duplicates)d, skipped %(skipped)d,"
                    " retries %(retries)d, errors %(errors)d", self.progress(), extra={"spider": spider})
