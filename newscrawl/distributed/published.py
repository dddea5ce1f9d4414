"""What the archiver publishes of the archive in Redis, for the nodes of distributed crawls: the URL
keys of every record and the spiders' state (watermarks).

:class:`PublishedIndex` offers the lookups spiders make of the archive's index (``find_url``,
``get_state``, ``set_state``) with :class:`~newscrawl.archive.index.ArchiveIndex`'s signatures:
:class:`NodeArchive` gives it to a node's spider as the crawl's index. A state a node sets is visible to other
nodes at once and reaches the index through the archiver, in order with the articles before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from redis import Redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.archive.index import ArchiveIndex
from newscrawl.archiving import Archiver
from newscrawl.distributed import redis_enabled
from newscrawl.distributed.connection import ARCHIVED_KEY, ITEMS_KEY, STATE_KEY, connect, off_topic_key
from newscrawl.distributed.messages import state_message
from newscrawl.extensions.archive import CrawlArchive

#: URL keys written to Redis per call when the whole index is published
PUBLISH_CHUNK = 10_000


def _text(value: str | bytes | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class PublishedIndex:
    """The archive's URL keys and spiders' state as the archiver keeps them in Redis."""

    def __init__(self, server: Redis, stream: str = ITEMS_KEY):
        self.server = server
        self.stream = stream

    # -- what spiders on the nodes ask
    def find_url(self, keys: Iterable[str]) -> int | None:
        """The record known under any of these URL keys (the lowest number, should they name several)."""
        keys = list(keys)
        if not keys:
            return None
        numbers = [int(n) for n in self.server.hmget(ARCHIVED_KEY, keys) if n is not None]
        return min(numbers, default=None)

    def is_off_topic(self, keys: Iterable[str], topic: str) -> bool:
        """Whether a node found the article with these URL keys off ``topic`` (a topic's query)."""
        name = off_topic_key(topic)
        return any(self.server.sismember(name, key) for key in set(keys))

    def add_off_topic(self, keys: Iterable[str], topic: str) -> None:
        """Remember, for every node, that the article with these URL keys is off ``topic``."""
        keys = set(keys)
        if keys:
            self.server.sadd(off_topic_key(topic), *keys)

    def get_state(self, spider: str, key: str) -> str | None:
        """A value a spider stored for its next crawl."""
        return _text(self.server.hget(STATE_KEY % {"spider": spider}, key))

    def set_state(self, spider: str, key: str, value: str) -> None:
        """Store a value for a spider's next crawl: visible to every node now, in the archive's index
        once the archiver has taken the articles sent before it."""
        with self.server.pipeline(transaction=True) as pipe:
            pipe.hset(STATE_KEY % {"spider": spider}, key, value)
            pipe.xadd(self.stream, state_message(spider, key, value))
            pipe.execute()

    # -- what the archiver does
    def publish_index(self, index: ArchiveIndex) -> int:
        """Publish every URL key and spider state of the index, replacing what Redis held (records
        removed from the archive are forgotten); returns how many URL keys."""
        building = f"{ARCHIVED_KEY}:building"
        self.server.delete(building)
        published = 0
        rows = index.url_keys()
        while chunk := list(islice(rows, PUBLISH_CHUNK)):
            self.server.hset(building, mapping=dict(chunk))
            published += len(chunk)
        if published:
            self.server.rename(building, ARCHIVED_KEY)
        else:
            self.server.delete(ARCHIVED_KEY)
        for spider, key, value in index.states():
            self.publish_state(spider, key, value)
        return published

    def publish_keys(self, keys: Iterable[tuple[str, int]]) -> None:
        """Records were archived: ``(URL key, record number)`` of each."""
        mapping = dict(keys)
        if mapping:
            self.server.hset(ARCHIVED_KEY, mapping=mapping)

    def publish_state(self, spider: str, key: str, value: str | None) -> None:
        """A spider's state as the index holds it."""
        if value is None:
            self.server.hdel(STATE_KEY % {"spider": spider}, key)
        else:
            self.server.hset(STATE_KEY % {"spider": spider}, key, value)


class NodeArchive(CrawlArchive):
    """:class:`~newscrawl.extensions.archive.CrawlArchive` on a node of a distributed crawl: the
    spider's "already archived" checks and watermarks read (and its watermarks write) the
    :class:`PublishedIndex` the archiver keeps in Redis; the node has no archive of its own and
    writes no record (the archiver does). The add-on puts it in ``CrawlArchive``'s place."""

    def __init__(self, crawler: Crawler, published: PublishedIndex):
        super().__init__(crawler)
        self.published = published

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NodeArchive:
        if not redis_enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler, PublishedIndex(connect(crawler.settings["REDIS_URL"]),
                                           crawler.settings.get("REDIS_ITEMS_KEY")))

    @property
    def index(self) -> PublishedIndex:  # type: ignore[override]
        return self.published

    @property
    def archive(self) -> None:  # type: ignore[override]
        """None: a node has no archive (what looks through every attribute of the spider, such as
        Scrapy's feed exports, finds nothing to open)."""
        return None

    @property
    def archiver(self) -> Archiver:
        raise RuntimeError("a node of a distributed crawl writes no records: the archiver does "
                           "(newscrawl archive consume)")
