"""Tag each article with its publication date, an aware datetime in the outlet's zone."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newscrawl.extract.dates import resolve_published

logger = logging.getLogger(__name__)


def tag_published(adapter: ItemAdapter) -> str | None:
    """Resolve ``published`` from the machine-readable candidates first, the visible date second;
    returns where the date came from, or None when the article has none."""
    published, source = resolve_published(adapter.get("date_candidates") or (), adapter.get("timezone") or "UTC",
                                          adapter.get("visible_dates") or ())
    if published is not None:
        adapter["published"] = published
        adapter["published_source"] = source
    return source if published is not None else None


class PublishedDatePipeline:
    """Sets ``published``; an article with no date goes on without one, and is counted."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PublishedDatePipeline:
        return cls(crawler)

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        if adapter.get("published") is not None:
            self.stats.inc_value("newscrawl/dates/given")
            return item
        source = tag_published(adapter)
        if source is None:
            self.stats.inc_value("newscrawl/dates/missing")
            logger.info("no publication date found: %s", adapter.get("url"))
        else:
            self.stats.inc_value(f"newscrawl/dates/{source}")
        return item
