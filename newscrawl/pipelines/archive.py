"""Write each article as a record into the archive folder and index it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy.crawler import Crawler

from newscrawl.archive import Archive
from newscrawl.archive.index import IndexEntry

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Archives every article that reaches it, in the layout ``ARCHIVE_LAYOUT`` selects.

    With ``ARCHIVE_WRITER_THREAD`` (the project's setting) records are written and indexed in one
    thread of their own, through a connection to the index of its own, so that file writes, fsyncs
    and index commits never hold the reactor; one thread keeps the numbering in arrival order.
    Without it they are written in the calling thread and ``process_item`` returns the item.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive: Archive | None = None
        self.in_thread = crawler.settings.getbool("ARCHIVE_WRITER_THREAD", False)
        self._writer: ThreadPoolExecutor | None = None
        self._writer_archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.archive = Archive.for_crawler(self.crawler)
        report = self.archive.opening_report
        if report is not None:
            self.stats.set_value("newscrawl/archive/records_at_start", report.records)
            self.stats.set_value("newscrawl/archive/indexed_at_start", len(report.imported))
        if self.in_thread:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="newscrawl-archive")
            self._writer_archive = Archive.from_settings(self.crawler.settings)

    def close_spider(self, spider=None) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            assert self._writer_archive is not None
            self._writer_archive.close()
        if self.archive is not None:
            self.stats.set_value("newscrawl/archive/records_at_end", self.archive.index.count())

    def process_item(self, item, spider=None) -> Any | Awaitable[Any]:
        assert self.archive is not None
        if self._writer is None:
            return self._archived(item, self.archive.add(item))
        return self._add_in_thread(item)

    async def _add_in_thread(self, item):
        assert self._writer is not None and self._writer_archive is not None
        entry = await asyncio.wrap_future(self._writer.submit(self._writer_archive.add, item))
        return self._archived(item, entry)

    def _archived(self, item, entry: IndexEntry):
        item.record = entry.name
        self.stats.inc_value("newscrawl/archived")
        self.stats.inc_value(f"newscrawl/archived/{entry.outlet}")
        assert self.archive is not None
        if entry.layout != self.archive.layout:
            self.stats.inc_value("newscrawl/archived/layout_fallback")
        logger.debug("archived %s as %s", item.url, entry.name)
        return item
