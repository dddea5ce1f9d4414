"""Discovery once per distributed crawl: the spider's ``start`` runs on one node only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.distributed.node import CrawlNode

logger = logging.getLogger(__name__)


class StartOnce:
    """A spider middleware: of the nodes of a crawl, the first to open runs the spider's ``start``
    (its feeds, listings, sitemaps and APIs: discovery) and the others only take requests from the
    shared frontier. Should that node die before its ``start`` is through, the next node that opens
    runs it again (the shared duplicate filter drops what was already queued). Off without
    ``REDIS_URL``; spiders need not know about it."""

    def __init__(self, crawler: Crawler, node: CrawlNode):
        self.crawler = crawler
        self.node = node

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartOnce:
        node = crawler.get_extension(CrawlNode)
        if node is None:
            raise NotConfigured
        return cls(crawler, node)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.node.claim_start():
            self.crawler.stats.inc_value("frontier/discovery/elsewhere")
            logger.info("node %s: discovery runs on another node of the crawl", self.node.id)
            return
        self.crawler.stats.inc_value("frontier/discovery/here")
        async for element in start:
            yield element
        self.node.start_done()
