"""The crawl's closing lines: one paragraph of what it did (pages, articles, archived, duplicates,
skipped, errors, where the records went) and, when hosts never answered, one line saying which
and why (DNS lookup failed, connection refused, timed out)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newscrawl.stats import items_extracted, stat

logger = logging.getLogger(__name__)

#: the stats key prefix of hosts that never answered (``newscrawl.middlewares.outcomes``)
UNREACHABLE = "newscrawl/unreachable/"
REACHED = "newscrawl/reached/"


def unreachable_hosts(stats: Mapping[str, Any]) -> dict[str, str]:
    """Hosts that never answered during the crawl, with the reason of their first failure."""
    reached = {k[len(REACHED):] for k in stats if k.startswith(REACHED)}
    return {k[len(UNREACHABLE):]: str(v) for k, v in sorted(stats.items())
            if k.startswith(UNREACHABLE) and k[len(UNREACHABLE):] not in reached}


def unreachable_line(stats: Mapping[str, Any]) -> str | None:
    """One line on the hosts that never answered; None when every host answered."""
    hosts = unreachable_hosts(stats)
    if not hosts:
        return None
    named = ", ".join(f"{host} ({reason})" for host, reason in hosts.items())
    if not stat(stats, "response_received_count"):
        return f"no outlet host could be reached: {named}; is this machine online?"
    return f"some hosts could not be reached: {named}"


def summary_paragraph(spider: str, reason: str, stats: Mapping[str, Any], archive_dir: str | None,
                      check: bool = False) -> str:
    """What a crawl did, in one paragraph (``check``: a check crawl, whose records are thrown away)."""
    seconds = stats.get("elapsed_time_seconds")
    took = f" in {float(seconds):.0f}s" if seconds is not None else ""
    skipped = {k.rsplit("/", 1)[1].replace("_", " "): v for k, v in stats.items()
               if k.startswith("newscrawl/skipped/")}
    why = f" ({', '.join(f'{k} {v}' for k, v in sorted(skipped.items()))})" if skipped else ""
    failed, exceptions = stat(stats, "newscrawl/pages/failed"), stat(stats, "spider_exceptions/count")
    errors = f"{failed} pages failed" + (f", {exceptions} spider exceptions" if exceptions else "")
    where = ("a check: its records were thrown away" if check
             else f"records in {os.path.abspath(archive_dir)}" if archive_dir else "no archive")
    how = "was stopped" if reason == "shutdown" else f"ended ({reason})"
    return (f"crawl of {spider} {how}{took}: {stat(stats, 'newscrawl/pages')} pages, "
            f"{items_extracted(stats)} articles, {stat(stats, 'newscrawl/archived')} archived, "
            f"{stat(stats, 'newscrawl/duplicates')} duplicates, {sum(skipped.values())} skipped{why}, {errors};"
            f" {where}")


class CrawlSummary:
    """Logs the closing paragraph and the unreachable hosts when a crawl closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        line = unreachable_line(stats)
        if line:
            logger.log(logging.ERROR if not stat(stats, "response_received_count") else logging.WARNING, line)
        settings = self.crawler.settings
        logger.info(summary_paragraph(spider.name, reason, stats, settings.get("ARCHIVE_DIR"),
                                      check=settings.getbool("CHECK")))
