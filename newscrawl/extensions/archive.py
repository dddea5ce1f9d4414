"""The crawl's archive, opened once and shared: the spider's "already archived" checks and watermarks,
and the pipelines' duplicate checks, read the same index."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.archive import Archive
from newscrawl.archive.index import ArchiveIndex
from newscrawl.archiving import Archiver

logger = logging.getLogger(__name__)


class CrawlArchive:
    """Opens the archive the settings name (``ARCHIVE_DIR``, ``ARCHIVE_LAYOUT``, ``ARCHIVE_INDEX``,
    ``ARCHIVE_FSYNC``) when a component first asks for it, brings its index in line with the folder
    (records added or removed by hand, a crawl killed before indexing), and closes it with the crawl.
    Components find it with ``CrawlArchive.of(crawler)``."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._archiver: Archiver | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlArchive:
        extension = cls(crawler)
        crawler.signals.connect(extension.close, signal=signals.spider_closed)
        return extension

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlArchive:
        """The crawl's instance of this extension."""
        extension = crawler.get_extension(cls)
        if extension is None:
            raise RuntimeError("the CrawlArchive extension is not enabled (EXTENSIONS)")
        return extension

    @property
    def archive(self) -> Archive:
        """The archive, opened and reconciled on first use."""
        return self.archiver.archive

    @property
    def index(self) -> ArchiveIndex:
        """The index the spider's "already archived" checks and watermarks read: the archive's."""
        return self.archive.index

    @property
    def archiver(self) -> Archiver:
        """What writes articles into the archive (records and index entries)."""
        if self._archiver is None:
            archiver = Archiver.from_settings(self.crawler.settings)
            archive = archiver.archive
            report = archive.reconcile()
            if report.imported or report.removed or report.temp_files_removed:
                logger.info("archive %s: %d records; indexed %d new or legacy, forgot %d, removed %d temp files",
                            archive.folder.root, report.records, len(report.imported), len(report.removed),
                            report.temp_files_removed)
            stats = self.crawler.stats
            stats.set_value("newscrawl/archive/records_at_start", report.records)
            stats.set_value("newscrawl/archive/indexed_at_start", len(report.imported))
            self._archiver = archiver
        return self._archiver

    def close(self) -> None:
        if self._archiver is not None:
            self._archiver.close()
