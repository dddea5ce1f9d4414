"""scrapy-redis's scheduler, fitted to the Scrapy this project runs on and made to lose no request
when a node dies.

scrapy-redis 0.9.1 (its latest release) keeps the frontier in a Redis sorted set (``PriorityQueue``:
pickled requests scored by their priority) and the duplicate filter in a Redis set; these
subclasses keep that layout and change only what a shared, crash-proof frontier needs:

* ``PriorityQueue.pop`` removes a request from Redis for good: a node killed with requests in its
  downloader or callbacks loses them. :class:`ReliablePriorityQueue` moves the request, atomically,
  into the node's in-flight set (one Lua script: ``ZPOPMIN`` and ``ZADD``). The scheduler removes
  it from there (acknowledges it) once Scrapy's engine is done with it: downloaded, its callback run,
  the requests it made in the frontier and its items through the pipelines (so in the archiver's
  stream). If the node dies first, another node puts it back in the frontier
  (:mod:`newscrawl.distributed.node`) and it is served again.
* ``PriorityQueue._encode_request`` serializes a request with ``Request.to_dict``, which looks for
  the callback's name through every attribute of the spider (``inspect.getmembers``: each property
  evaluated, for each request). :meth:`ReliablePriorityQueue._encode_request` writes the same
  dictionary, the callback named by :func:`spider_method_name` in one lookup.
* ``Scheduler``: named after the crawl rather than the spider (:class:`~newscrawl.distributed.node.CrawlNode`
  joins and leaves the crawl); always persistent: a node that closes never clears the shared
  frontier or duplicate filter (scrapy-redis clears both at close unless ``SCHEDULER_PERSIST``);
  never blocks the reactor waiting on an empty queue; ``has_pending_requests`` also counts requests
  in flight on other nodes, whose callbacks may bring more, so that a node does not close while
  others still work; stats without the ``spider`` argument Scrapy deprecated; a request that cannot
  be serialized (its callback is no spider method) stays in this node's memory, counted
  (``scheduler/enqueued/memory``), as Scrapy's own scheduler does with ``JOBDIR``.
* ``RFPDupeFilter`` fingerprints with its own function: :class:`RedisDupeFilter` uses the crawl's
  ``REQUEST_FINGERPRINTER_CLASS`` (Scrapy's, or Splash's for rendered pages), and never clears the
  shared set when a node closes.
"""

from __future__ import annotations

import importlib
import logging
import pickle
from collections import deque
from collections.abc import Iterable
from typing import Any

from redis import Redis, RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

from newscrawl.distributed.node import CrawlNode

logger = logging.getLogger(__name__)

#: KEYS: frontier, in-flight set. The request served next (lowest score: highest priority), moved
#: into the in-flight set with its score; returns {request, score} or nil
TAKE = """
local top = redis.call('ZPOPMIN', KEYS[1])
if #top == 0 then
  return false
end
redis.call('ZADD', KEYS[2], top[2], top[1])
return top
"""

#: seconds between a node's asks for requests while the frontier is empty and other nodes work
POLL_INTERVAL = 0.5
#: what serializing a request raises when it cannot be (a callback that is no spider method, an
#: unpicklable meta value)
UNSERIALIZABLE = (ValueError, TypeError, AttributeError, pickle.PicklingError)


def spider_method_name(spider: Spider, func: Any) -> str | None:
    """The name of the spider's method ``func`` (a request's callback or errback), for
    ``request_from_dict`` to find it again; ValueError when it is no method of the spider."""
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    method = getattr(type(spider), name, None) if name else None
    if getattr(func, "__self__", None) is spider and method is getattr(func, "__func__", None):
        return name
    raise ValueError(f"{func!r} is not a method of the spider {spider.name}")


def requests_in_progress(engine: Any) -> set[Request]:
    """The requests Scrapy's engine took from the scheduler and has not finished with: being
    downloaded, or their response or failure in the callback, the callback's requests being
    scheduled and its items in the pipelines. Scrapy offers no public view of it; it is the set the
    engine waits on before it closes a spider (``ExecutionEngine._slot.inprogress``), checked to be
    there when the scheduler opens (:func:`check_engine`)."""
    return engine._slot.inprogress


def wake_engine(engine: Any) -> None:
    """Have Scrapy's engine ask the scheduler for requests now. An idle engine asks every 5 seconds
    only (its heartbeat); a node waiting for other nodes' requests asks every
    :data:`POLL_INTERVAL` through this, which is what the engine itself does when a download ends
    (``ExecutionEngine._slot.nextcall.schedule()``)."""
    slot = getattr(engine, "_slot", None)
    if slot is not None:
        slot.nextcall.schedule()


def check_engine(engine: Any) -> None:
    """Fail early when Scrapy's engine no longer has what :func:`requests_in_progress` and
    :func:`wake_engine` use."""
    slot = getattr(engine, "_slot", None)
    if not isinstance(getattr(slot, "inprogress", None), set) or not callable(
            getattr(getattr(slot, "nextcall", None), "schedule", None)):
        raise RuntimeError("this Scrapy's engine has no set of requests in progress (engine._slot.inprogress) or no "
                           "engine._slot.nextcall: the distributed frontier cannot tell when a request is done")


class ReliablePriorityQueue(PriorityQueue):
    """``scrapy_redis.queue.PriorityQueue`` whose ``pop`` moves the request into this node's
    in-flight set instead of deleting it; :meth:`ack` deletes it from there once it is done,
    :meth:`release` puts it back in the frontier."""

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        node = spider.crawler.get_extension(CrawlNode)
        if node is None or node.keys is None:
            raise NotConfigured("ReliablePriorityQueue needs the CrawlNode extension, joined to a crawl")
        self.inflight_key = node.keys.inflight(node.id)
        self.undecodable_key = f"{key}:undecodable"
        #: requests taken and not yet acknowledged or released -> (member, score) in Redis
        self.taken: dict[Request, tuple[bytes, float]] = {}
        self._take = server.register_script(TAKE)

    def _encode_request(self, request: Request) -> bytes:
        """The request serialized as ``Request.to_dict`` does, its callback and errback named by
        :func:`spider_method_name` (``to_dict`` looks through every attribute of the spider for
        each request, properties included)."""
        data: dict[str, Any] = {"url": request.url, "callback": spider_method_name(self.spider, request.callback),
                                "errback": spider_method_name(self.spider, request.errback),
                                "headers": dict(request.headers)}
        for attr in request.attributes:
            data.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
        return self.serializer.dumps(data)

    def pop(self, timeout: int = 0) -> Request | None:
        """The request served next, now in this node's in-flight set (``timeout`` is ignored, as
        by scrapy-redis's priority queue: the reactor never waits on Redis)."""
        while popped := self._take(keys=[self.key, self.inflight_key]):
            data, score = popped
            try:
                request = self._decode_request(data)
            except Exception as exc:  # a request this spider cannot run (a callback it no longer has)
                self._set_aside(data, exc)
                continue
            self.taken[request] = (data, float(score))
            return request
        return None

    def ack(self, requests: Iterable[Request]) -> None:
        """The requests are done: delete them from the in-flight set."""
        members = [self.taken[r][0] for r in requests]
        if members:
            self.server.zrem(self.inflight_key, *members)
        for r in requests:
            del self.taken[r]

    def release(self, requests: Iterable[Request]) -> None:
        """Put the requests back in the frontier, to be served again."""
        entries = [self.taken[r] for r in requests]
        if not entries:
            return
        with self.server.pipeline(transaction=True) as pipe:
            pipe.zadd(self.key, {data: score for data, score in entries})
            pipe.zrem(self.inflight_key, *(data for data, _ in entries))
            pipe.execute()
        for r in requests:
            del self.taken[r]

    def _set_aside(self, data: bytes, exc: Exception) -> None:
        logger.error("a request in the frontier cannot be read (%s); kept in %s", exc, self.undecodable_key)
        with self.server.pipeline(transaction=True) as pipe:
            pipe.rpush(self.undecodable_key, data)
            pipe.zrem(self.inflight_key, data)
            pipe.execute()
        stats = self.spider.crawler.stats
        stats.inc_value("frontier/undecodable")


class RedisDupeFilter(RFPDupeFilter):
    """``scrapy_redis.dupefilter.RFPDupeFilter`` fingerprinting with the crawl's request fingerprinter,
    on the crawl's key; the set is shared by every node and outlives each of them."""

    def __init__(self, server: Redis, key: str, debug: bool = False, *, fingerprinter: Any = None):
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_spider(cls, spider: Spider) -> RedisDupeFilter:
        crawler = spider.crawler
        node = crawler.get_extension(CrawlNode)
        if node is None or node.keys is None:
            raise NotConfigured("RedisDupeFilter needs the CrawlNode extension, joined to a crawl")
        return cls(node.server, node.keys.dupefilter, crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:
            return super().request_fingerprint(request)
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the set: other nodes use it (the crawl's last node clears it)."""


class RedisScheduler(Scheduler):
    """``scrapy_redis.scheduler.Scheduler`` as one node's share of a distributed crawl's frontier."""

    queue: ReliablePriorityQueue

    def __init__(self, crawler: Crawler, node: CrawlNode, **kwargs: Any):
        super().__init__(node.server, persist=True, flush_on_start=False, idle_before_close=0,
                         queue_cls=f"{ReliablePriorityQueue.__module__}.{ReliablePriorityQueue.__qualname__}",
                         **kwargs)
        self.crawler = crawler
        self.node = node
        self.stats = crawler.stats
        #: requests that cannot be serialized, kept in this process
        self.local: deque[Request] = deque()
        #: requests taken whose items did not reach Redis: put back rather than acknowledged
        self.failed: set[Request] = set()
        self._poll: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        node = crawler.get_extension(CrawlNode)
        if node is None:
            raise NotConfigured("RedisScheduler needs the CrawlNode extension (set REDIS_URL)")
        settings = crawler.settings
        kwargs: dict[str, Any] = {"dupefilter_cls": settings.get("DUPEFILTER_CLASS")}
        if serializer := settings.get("SCHEDULER_SERIALIZER"):  # a module with loads and dumps, as in scrapy-redis
            kwargs["serializer"] = importlib.import_module(serializer) if isinstance(serializer, str) else serializer
        if not hasattr(load_object(kwargs["dupefilter_cls"]), "from_spider"):
            kwargs["dupefilter_cls"] = f"{RedisDupeFilter.__module__}.{RedisDupeFilter.__qualname__}"
        return cls(crawler, node, **kwargs)

    def open(self, spider: Spider) -> None:
        check_engine(self.crawler.engine)
        keys = self.node.join(spider)
        self.node.start_heartbeat()
        self.queue_key, self.dupefilter_key = keys.frontier, keys.dupefilter
        super().open(spider)
        self.crawler.signals.connect(self.item_failed, signal=signals.item_error)

    def close(self, reason: str) -> None:
        if self._poll is not None and self._poll.active():
            self._poll.cancel()
        self.settle()
        if self.local:
            logger.warning("%d requests that could not be serialized are dropped with this node", len(self.local))
        self.node.leave()

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        try:
            self.queue.push(request)
        except UNSERIALIZABLE as exc:
            if not self.local:
                logger.warning("a request that cannot be serialized stays in this node's memory: %s (%s)",
                               request, exc)
            self.local.append(request)
            self.stats.inc_value("scheduler/enqueued/memory")
        else:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        self.settle()
        if self.local:
            self.stats.inc_value("scheduler/dequeued/memory")
            self.stats.inc_value("scheduler/dequeued")
            return self.local.popleft()
        request = self.queue.pop()
        if request is None:
            self._poll_later()
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        self.stats.inc_value("scheduler/dequeued")
        return request

    def _poll_later(self) -> None:
        """Ask the frontier again soon: other nodes' callbacks may fill it."""
        if self._poll is None or not self._poll.active():
            from twisted.internet import reactor

            self._poll = reactor.callLater(POLL_INTERVAL, wake_engine, self.crawler.engine)

    def has_pending_requests(self) -> bool:
        return bool(self.local) or self.node.pending_elsewhere() > 0

    def settle(self) -> None:
        """Acknowledge the requests the engine is done with, and put back those whose items could
        not be handed to Redis (:meth:`item_failed`); what Redis does not take now is tried again."""
        if not self.queue.taken:
            return
        in_progress = requests_in_progress(self.crawler.engine)
        done = [r for r in self.queue.taken if r not in in_progress]
        if not done:
            return
        again = [r for r in done if r in self.failed]
        try:
            self.queue.ack([r for r in done if r not in self.failed])
            self.queue.release(again)
        except RedisError as exc:
            logger.warning("node %s: cannot acknowledge %d requests yet: %s", self.node.id, len(done), exc)
            return
        self.failed.difference_update(again)
        if again:
            self.stats.inc_value("frontier/served_again", len(again))

    def item_failed(self, item: Any, response: Response | Failure | None, spider: Spider | None = None,
                    failure: Failure | None = None) -> None:
        """An item of a request this node took failed in a pipeline for want of Redis: its request is
        to be served again rather than acknowledged."""
        if failure is None or not failure.check(RedisError):
            return
        request = getattr(response, "request", None)
        if request is not None and request in self.queue.taken:
            self.failed.add(request)
