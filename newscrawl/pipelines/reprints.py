"""Drop reprints: articles whose text nearly duplicates a record already archived (any outlet, legacy
records included) or an article earlier in this crawl."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newscrawl.archive import Archive
from newscrawl.dedupe.neardup import (
    CrawlTexts,
    NearDuplicate,
    article_signature,
    find_near_duplicate,
    index_missing_signatures,
)
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.pipelines.dedupe import DuplicateArticle, count_duplicate

logger = logging.getLogger(__name__)


class ReprintPipeline:
    """Refuses an article whose story text has an estimated Jaccard similarity of at least
    ``REPRINT_THRESHOLD`` with an archived record (found through the index's LSH bands) or with an
    article earlier in this crawl. Each refusal is counted (``newscrawl/duplicates/reprint``) and
    remembered in the index with the record it reprints and the similarity.

    Runs after the exact dedupe (URL keys and body fingerprints), so that it only sees texts no
    record holds verbatim. Texts too short to judge pass and are counted (``newscrawl/reprints/too_short``).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.threshold = crawler.settings.getfloat("REPRINT_THRESHOLD")
        self.archive: Archive | None = None
        self.crawl_texts = CrawlTexts()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReprintPipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.archive = CrawlArchive.of(self.crawler).archive
        signed = index_missing_signatures(self.archive)
        if signed:
            logger.info("signed %d archived records for the reprint check", signed)
        self.stats.set_value("newscrawl/reprints/signed_at_start", signed)

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        signature = article_signature(adapter.get("title"), adapter.get("body"), getattr(item, "text_keys", None))
        if signature is None:
            self.stats.inc_value("newscrawl/reprints/too_short")
            return item
        self.stats.inc_value("newscrawl/reprints/checked")
        assert self.archive is not None
        match = (find_near_duplicate(self.archive.index, signature, self.threshold)
                 or self.crawl_texts.find(signature, self.threshold))
        if match is not None:
            self._refuse(adapter, match)
        self.crawl_texts.add(adapter["url"], signature)
        return item

    def _refuse(self, adapter: ItemAdapter, match: NearDuplicate) -> None:
        url = adapter["url"]
        assert self.archive is not None
        count_duplicate(self.stats, self.archive.index, url, adapter.get("outlet"), "reprint", match.number,
                        round(match.similarity, 4))
        of = f"record {match.number}" if match.number is not None else f"{match.url} in this crawl"
        raise DuplicateArticle(f"reprint (similarity {match.similarity:.2f}) of {of}: {url}")
