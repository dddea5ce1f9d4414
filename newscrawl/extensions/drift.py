"""Pages in no known layout (``DRIFT_DIR``): kept as WARC so that a new layout version can be written from
real pages.

An outlet's article page that none of its layouts matches is still read (JSON-LD, meta tags,
trafilatura); with ``DRIFT_DIR`` set (a server installation sets it through ``NEWSCRAWL_DRIFT_DIR``) the
raw page is also appended to ``DRIFT_DIR/<outlet>/<spider>-….warc.gz`` with the reason in the record's
``Newscrawl-Drift-Reason`` header, and counted (``newscrawl/drift/pages``). ``newscrawl status`` shows
each outlet's count of such pages.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.middlewares.rawarchive import RawArchiveWriter
from newscrawl.warc import DRIFT_HEADER, response_count

logger = logging.getLogger(__name__)


def drift_counts(folder: str | Path) -> dict[str, int]:
    """Per outlet: the pages in no known layout kept in a drift folder."""
    root = Path(folder)
    if not root.is_dir():
        return {}
    return {sub.name: response_count(sub) for sub in sorted(root.iterdir()) if sub.is_dir()}


class DriftArchive:
    """The crawl's keeper of pages in no known layout; off when ``DRIFT_DIR`` is unset."""

    def __init__(self, crawler: Crawler, folder: Path):
        self.crawler = crawler
        self.folder = folder
        self._writers: dict[str, RawArchiveWriter] = {}
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DriftArchive:
        folder = crawler.settings.get("DRIFT_DIR")
        if not folder:
            raise NotConfigured  # DRIFT_DIR is not set
        return cls(crawler, Path(folder))

    @classmethod
    def of(cls, crawler: Crawler) -> DriftArchive | None:
        """The crawl's drift archive, None when it is off."""
        return crawler.get_extension(cls)

    def keep(self, outlet: str, url: str, body: bytes, content_type: str | None, reason: str) -> None:
        """Append a page in no known layout, with the reason, to the outlet's WARC file."""
        writer = self._writers.get(outlet)
        if writer is None:
            name = self.crawler.spidercls.name if self.crawler.spidercls is not None else outlet
            writer = self._writers[outlet] = RawArchiveWriter(self.folder / outlet, name)
        try:
            writer.write(url, 200, [("Content-Type", content_type or "text/html")], body, article=True,
                         warc_headers={DRIFT_HEADER: reason})
        except OSError as exc:
            self.crawler.stats.inc_value("newscrawl/drift/errors")
            logger.error("drift: cannot keep %s: %s", url, exc)
            return
        self.crawler.stats.inc_value("newscrawl/drift/pages")

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
