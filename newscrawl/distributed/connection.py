"""Connecting to Redis, and the names of everything newscrawl keeps there.

Every key starts with ``newscrawl:``. Per distributed crawl (named after its spider, or
``REDIS_CRAWL_NAME``): its frontier and duplicate filter (scrapy-redis's, keys from
``SCHEDULER_QUEUE_KEY`` and ``SCHEDULER_DUPEFILTER_KEY``), its nodes with their last heartbeat, each
node's requests in flight, and who runs or ran its discovery. Shared by all crawls: the stream of
articles for the archiver, and what the archiver publishes of the archive.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis

from newscrawl import settings

#: the stream the nodes put articles (and spider state) in and the archiver takes them from
ITEMS_KEY = settings.REDIS_ITEMS_KEY
#: articles the archiver could not archive (undecodable, unrenderable), kept with the reason
FAILED_ITEMS_KEY = "newscrawl:items:failed"
#: URL key of every archived record -> its number (what the archiver publishes of its index)
ARCHIVED_KEY = "newscrawl:archived"
#: per spider: the state it keeps for its next crawl (watermarks), ``newscrawl:state:<spider>``
STATE_KEY = "newscrawl:state:%(spider)s"
#: per topic (its query's digest): URL keys of the articles nodes found off it
OFF_TOPIC_KEY = "newscrawl:off_topic:%(digest)s"
#: held by the running archiver (one per stream)
ARCHIVER_LOCK_KEY = "newscrawl:archiver"
#: scrapy-redis's frontier and duplicate filter, ``%(spider)s`` being the crawl's name
QUEUE_KEY = "newscrawl:%(spider)s:requests"
DUPEFILTER_KEY = "newscrawl:%(spider)s:dupefilter"

#: what a crawl name may hold (anything else becomes ``_``): it is part of key names
_UNSAFE = re.compile(r"[^A-Za-z0-9_.,=+-]")

#: scrapy-redis's connection defaults (its ``REDIS_PARAMS``)
CLIENT_PARAMS = {"socket_timeout": 30, "socket_connect_timeout": 30, "retry_on_timeout": True}


def off_topic_key(topic: str) -> str:
    """The set of URL keys found off ``topic`` (a topic's query)."""
    return OFF_TOPIC_KEY % {"digest": hashlib.sha1(topic.encode("utf-8")).hexdigest()[:16]}


class RedisUnavailable(RuntimeError):
    """Redis does not answer at the configured address."""


def connect(url: str, *, decode: bool = True) -> redis.Redis:
    """A client of the Redis server at ``url`` (``redis://[:password@]host:port/db``,
    ``rediss://`` for TLS, ``unix:///path.sock``), checked with a PING. Replies are str when
    ``decode``, else bytes (the frontier's pickled requests)."""
    client = redis.Redis.from_url(url, decode_responses=decode, **CLIENT_PARAMS)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RedisUnavailable(f"Redis at {safe_url(url)} does not answer: {exc}") from None
    return client


def safe_url(url: str) -> str:
    """A Redis URL fit for a log line: its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}***@{netloc}"))


def crawl_name(name: str) -> str:
    """A crawl's name as it appears in key names."""
    return _UNSAFE.sub("_", name) or "_"


@dataclass(frozen=True)
class CrawlKeys:
    """The keys of one distributed crawl."""

    crawl: str
    frontier: str
    dupefilter: str

    @classmethod
    def for_crawl(cls, crawl: str, queue_key: str = QUEUE_KEY, dupefilter_key: str = DUPEFILTER_KEY) -> CrawlKeys:
        """The keys of the crawl named ``crawl`` (key templates as scrapy-redis's settings give them)."""
        name = crawl_name(crawl)
        return cls(name, queue_key % {"spider": name}, dupefilter_key % {"spider": name})

    @property
    def nodes(self) -> str:
        """Sorted set: node id -> time of its last heartbeat (Redis's clock, seconds)."""
        return f"newscrawl:{self.crawl}:nodes"

    @property
    def inflight_prefix(self) -> str:
        """Prefix of the per-node sorted sets of requests taken and not yet done."""
        return f"newscrawl:{self.crawl}:inflight:"

    def inflight(self, node: str) -> str:
        """Sorted set of the requests ``node`` took from the frontier and has not finished (same
        members and scores as in the frontier)."""
        return self.inflight_prefix + node

    @property
    def start(self) -> str:
        """The node that runs the crawl's discovery, or ``done`` once it ran."""
        return f"newscrawl:{self.crawl}:start"
