"""On a node of a distributed crawl: each finished article goes to the archiver's Redis stream."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from redis import Redis
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newscrawl.distributed import redis_enabled
from newscrawl.distributed.connection import ITEMS_KEY, connect
from newscrawl.distributed.messages import article_message
from newscrawl.distributed.node import CrawlNode
from newscrawl.items import Article

logger = logging.getLogger(__name__)


class RedisItemPipeline:
    """Takes the archive pipeline's place on a node (``REDIS_URL`` set): adds every article that
    reaches it, with all its fields, to the stream ``REDIS_ITEMS_KEY`` (default ``newscrawl:items``),
    from which ``newscrawl archive consume`` archives it (counted ``newscrawl/sent_to_archiver``).

    The request an article came from is acknowledged in the frontier only after this pipeline has
    returned; if Redis refuses the article, the pipeline fails it and the request is served again.
    An article gets its fetch time here if its spider gave none: the archiver tells a record it
    wrote before a crash from a duplicate by URL and fetch time.
    """

    def __init__(self, crawler: Crawler, server: Redis, stream: str = ITEMS_KEY):
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = server
        self.stream = stream

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisItemPipeline:
        settings = crawler.settings
        if not redis_enabled(settings):
            raise NotConfigured
        return cls(crawler, connect(settings["REDIS_URL"]), settings.get("REDIS_ITEMS_KEY"))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, Article):
            self.stats.inc_value("newscrawl/not_an_article")
            raise DropItem(f"not an article, not archived: {type(item).__name__}")
        if item.fetched_at is None:
            item.fetched_at = datetime.now(timezone.utc)
        crawl = self.crawler.spider.name if self.crawler.spider else ""
        self.server.xadd(self.stream, article_message(item, spider=crawl, node=self._node_id()))
        self.stats.inc_value("newscrawl/sent_to_archiver")
        self.stats.inc_value(f"newscrawl/sent_to_archiver/{item.outlet}")
        logger.debug("sent %s to the archiver", item.url)
        return item

    def _node_id(self) -> str:
        node = self.crawler.get_extension(CrawlNode)
        return node.id if node is not None else ""
