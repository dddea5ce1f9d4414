"""The crawl's archive, opened once and shared: the spider's "already archived" checks and watermarks,
and the pipelines' duplicate checks, read the same index."""

from __future__ import annotations

import logging
import tempfile

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
    Components find it with ``CrawlArchive.of(crawler)``.

    A check crawl (``CHECK``) opens a throw-away archive in a temporary folder instead, removed when the
    crawl closes: a check reads articles whatever the archive holds and leaves the archive, its index
    and the crawl state (watermarks) as they were."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._archiver: Archiver | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

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
            archiver = self.open_archiver()
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

    @property
    def throw_away(self) -> bool:
        """Whether this crawl's archive is a temporary one (a check crawl)."""
        return self.crawler.settings.getbool("CHECK")

    def open_archiver(self) -> Archiver:
        """A new archiver of the crawl's archive (for a writer in a thread of its own)."""
        settings = self.crawler.settings
        if not self.throw_away:
            return Archiver.from_settings(settings)
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="newscrawl-check-archive-")
            logger.info("check crawl: archiving into a throw-away archive (%s), not %s", self._scratch.name,
                        settings.get("ARCHIVE_DIR"))
        return Archiver.open(self._scratch.name, settings.get("ARCHIVE_LAYOUT"), None, False,
                             settings.getfloat("REPRINT_THRESHOLD"))

    def close(self) -> None:
        if self._archiver is not None:
            self._archiver.close()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
