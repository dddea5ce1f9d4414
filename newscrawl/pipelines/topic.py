"""Keep the archive to a subject: articles off ``ARCHIVE_TOPIC`` are not archived, and are counted."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newscrawl.archive.topics import TopicMatcher, resolve_topic
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.outlets import article_keys

logger = logging.getLogger(__name__)


class OffTopicArticle(DropItem):
    """An article that does not match the crawl's topic."""

    def __init__(self, message: str):
        super().__init__(message, log_level="INFO")


class TopicPipeline:
    """Passes the articles whose title and body match ``ARCHIVE_TOPIC`` (a query in the search syntax,
    or a topic named in ``ARCHIVE_TOPICS_FILE``) and drops the others. Both are counted, in all and per
    outlet (``newscrawl/topic/kept``, ``newscrawl/topic/skipped``, ``…/<outlet>``); a dropped article
    stays in the raw archive, so ``archive rebuild`` can bring it in under a wider topic, and its URL is
    remembered in the index with the topic's query, so that the next crawl on this topic does not
    fetch it again (a crawl on another topic does).
    Not enabled without a topic."""

    def __init__(self, crawler: Crawler, matcher: TopicMatcher):
        self.crawler = crawler
        self.stats = crawler.stats
        self.matcher = matcher
        self.stats.set_value("newscrawl/topic", matcher.topic.label)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TopicPipeline:
        topic = resolve_topic(crawler.settings.get("ARCHIVE_TOPIC"), crawler.settings.get("ARCHIVE_TOPICS_FILE"))
        if topic is None:
            raise NotConfigured  # no ARCHIVE_TOPIC: every article is archived (nothing to warn of)
        logger.info("archiving only articles on the topic %s", topic.label)
        return cls(crawler, TopicMatcher(topic))

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        outlet = adapter.get("outlet") or "-"
        if self.matcher.matches(adapter.get("title"), adapter.get("body")):
            self.stats.inc_value("newscrawl/topic/kept")
            self.stats.inc_value(f"newscrawl/topic/kept/{outlet}")
            return item
        self.stats.inc_value("newscrawl/topic/skipped")
        self.stats.inc_value(f"newscrawl/topic/skipped/{outlet}")
        keys = article_keys(adapter.get("url"), adapter.get("canonical_url"), adapter.get("aliases") or ())
        CrawlArchive.of(self.crawler).index.add_off_topic(keys, self.matcher.topic.query)
        raise OffTopicArticle(f"off the topic {self.matcher.topic.label}: {adapter.get('url')}")

    def close_spider(self, spider=None) -> None:
        self.matcher.close()
