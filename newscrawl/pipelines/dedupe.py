"""Drop articles the archive already holds: by URL first, then by the fingerprint of the body."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newscrawl.archive import Archive
from newscrawl.archive.index import ArchiveIndex
from newscrawl.dedupe.signatures import article_fingerprints
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.outlets import article_keys

logger = logging.getLogger(__name__)


class DuplicateArticle(DropItem):
    """An article that is already archived."""

    def __init__(self, message: str):
        super().__init__(message, log_level="INFO")


def count_duplicate(stats: StatsCollector, index: ArchiveIndex, url: str, outlet: str | None, kind: str,
                    number: int | None, similarity: float | None = None) -> None:
    """Count a refused duplicate (``newscrawl/duplicates/<kind>``) and remember it in the index with
    the record it duplicates."""
    stats.inc_value("newscrawl/duplicates")
    stats.inc_value(f"newscrawl/duplicates/{kind}")
    index.add_duplicate(url, outlet, kind, number, similarity)


class DedupePipeline:
    """Refuses an article whose URL (in any of its folded forms) or whose normalised body is
    already in the archive, in this crawl, earlier crawls or legacy records alike. Each refusal is
    counted in the stats and remembered in the index with the record it duplicates.

    Articles of this crawl on their way to the archive are remembered until they are archived (the
    index knows them then), so that memory does not grow with the length of a crawl."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive: Archive | None = None
        #: keys and fingerprints of articles of this crawl not archived (yet) -> their URL
        self.pending: dict[str, str] = {}
        #: URL of each such article -> its keys and fingerprints
        self._pending_by_url: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_archived, signal=signals.item_scraped)
        return pipeline

    def item_archived(self, item, response=None, spider=None) -> None:
        """An article passed every pipeline: it is in the index now, no longer pending."""
        url = getattr(item, "url", None)
        for key in self._pending_by_url.pop(url, ()):
            if self.pending.get(key) == url:
                del self.pending[key]

    def open_spider(self, spider=None) -> None:
        self.archive = CrawlArchive.of(self.crawler).archive

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        url = adapter["url"]
        keys = article_keys(url, adapter.get("canonical_url"), adapter.get("aliases") or ())
        fps = article_fingerprints(adapter.get("title"), adapter.get("body"), getattr(item, "text_keys", None))
        assert self.archive is not None
        index = self.archive.index
        if (number := index.find_url(keys)) is not None:
            self._refuse(url, adapter.get("outlet"), "url", number)
        if (number := index.find_fingerprint(fps)) is not None:
            self._refuse(url, adapter.get("outlet"), "body", number)
        # an article of this crawl still on its way to the archive: the same URL, or the same text
        # (counted as a body duplicate, as it is once the first one is archived)
        if seen := next((self.pending[k] for k in keys if k in self.pending), None):
            self._refuse(url, adapter.get("outlet"), "crawl", None, f"same article as {seen} in this crawl")
        if seen := next((self.pending[fp] for fp in fps if fp in self.pending), None):
            self._refuse(url, adapter.get("outlet"), "body", None, f"same text as {seen} in this crawl")
        known = (*keys, *fps)
        for key in known:
            self.pending[key] = url
        self._pending_by_url[url] = known
        return item

    def _refuse(self, url: str, outlet: str | None, kind: str, number: int | None, why: str = "") -> None:
        assert self.archive is not None
        count_duplicate(self.stats, self.archive.index, url, outlet, kind, number)
        raise DuplicateArticle(f"duplicate ({kind}) of record {number}: {url}" if number is not None
                               else f"duplicate ({kind}): {url}: {why}")
