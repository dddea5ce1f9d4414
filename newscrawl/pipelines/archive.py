"""Write each article as a record into the archive folder and index it."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from newscrawl.archive import Archive

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Archives every article that reaches it, in the layout ``ARCHIVE_LAYOUT`` selects."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.archive = Archive.for_crawler(self.crawler)
        report = self.archive.opening_report
        if report is not None:
            self.stats.set_value("newscrawl/archive/records_at_start", report.records)
            self.stats.set_value("newscrawl/archive/indexed_at_start", len(report.imported))

    def close_spider(self, spider=None) -> None:
        if self.archive is not None:
            self.stats.set_value("newscrawl/archive/records_at_end", self.archive.index.count())

    def process_item(self, item, spider=None):
        assert self.archive is not None
        entry = self.archive.add(item)
        item.record = entry.name
        self.stats.inc_value("newscrawl/archived")
        self.stats.inc_value(f"newscrawl/archived/{entry.outlet}")
        if entry.layout != self.archive.layout:
            self.stats.inc_value("newscrawl/archived/layout_fallback")
        logger.debug("archived %s as %s", item.url, entry.name)
        return item
