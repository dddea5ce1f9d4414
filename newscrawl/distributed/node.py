"""A crawl process as one node of a distributed crawl: its membership, heartbeat and discovery claim.

Every node of a crawl registers in the crawl's sorted set of nodes and refreshes its entry with the
time of Redis's clock every ``REDIS_NODE_TIMEOUT / 5`` seconds. A node whose last heartbeat is older
than ``REDIS_NODE_TIMEOUT`` is dead: the first live node that notices puts the requests it had taken
and not finished (its in-flight set, see :mod:`newscrawl.distributed.frontier`) back in the frontier,
so they are served again, and forgets it. A node that leaves normally puts back what it still holds
(nothing, after a crawl that finished) and, when it is the last one and the frontier is empty, clears
the crawl's duplicate filter: the next crawl of that name starts afresh.

A node joining a crawl whose nodes are all gone, whose frontier is empty and of whose requests
none is in flight begins a new crawl (the duplicate filter and the discovery claim are reset). If
anything is left, it resumes it: a crawl whose nodes were all killed goes on where they stopped.

All of this runs as Lua scripts, each atomic, on Redis's clock (the machines' clocks may differ).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from typing import Any

from redis import Redis, RedisError
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from newscrawl import settings
from newscrawl.distributed import redis_enabled
from newscrawl.distributed.connection import DUPEFILTER_KEY, QUEUE_KEY, CrawlKeys, connect, safe_url

logger = logging.getLogger(__name__)

#: Lua: Redis's clock in seconds (to the microsecond)
_CLOCK = """
local function clock()
  local time = redis.call('TIME')
  return tonumber(time[1]) + tonumber(time[2]) / 1000000
end
"""

#: Lua: put the requests of an in-flight set back in the frontier (one ZADD each: never a rewrite
#: of the frontier, which may hold millions) and delete the set; returns how many
_REQUEUE = """
local function requeue(inflight, frontier)
  local taken = redis.call('ZRANGE', inflight, 0, -1, 'WITHSCORES')
  for i = 1, #taken, 2 do
    redis.call('ZADD', frontier, taken[i + 1], taken[i])
  end
  redis.call('DEL', inflight)
  return #taken / 2
end
"""

#: KEYS: nodes, frontier, dupefilter, start; ARGV: node, timeout, in-flight prefix.
#: Registers the node; returns 1 when it begins a new crawl, 0 when it joins or resumes one.
JOIN = _CLOCK + """
local now = clock()
local fresh = 0
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]), '+inf')
if #live == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  local inflight = 0
  local nodes = redis.call('ZRANGE', KEYS[1], 0, -1)
  for _, node in ipairs(nodes) do
    inflight = inflight + redis.call('ZCARD', ARGV[3] .. node)
  end
  if inflight == 0 then
    redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
    fresh = 1
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
return fresh
"""

#: KEYS: nodes, frontier, start; ARGV: node, timeout, in-flight prefix.
#: Refreshes the node's heartbeat, serves the requests of dead nodes again; returns how many.
HEARTBEAT = _CLOCK + _REQUEUE + """
local now = clock()
redis.call('ZADD', KEYS[1], now, ARGV[1])
local recovered = 0
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))) do
  recovered = recovered + requeue(ARGV[3] .. node, KEYS[2])
  redis.call('ZREM', KEYS[1], node)
  if redis.call('GET', KEYS[3]) == node then
    redis.call('DEL', KEYS[3])
  end
end
return recovered
"""

#: KEYS: nodes, frontier; ARGV: node, in-flight prefix.
#: Requests queued, or in flight with other nodes (whose outcome may bring more).
PENDING = """
local n = redis.call('ZCARD', KEYS[2])
if n > 0 then
  return n
end
for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if node ~= ARGV[1] then
    n = n + redis.call('ZCARD', ARGV[2] .. node)
  end
end
return n
"""

#: KEYS: start, nodes; ARGV: node, timeout.
#: 1 when this node is to run discovery: nobody claimed it, or its claimer died before it was done.
CLAIM_START = _CLOCK + """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return 1
end
if holder then
  if holder == 'done' then
    return 0
  end
  local seen = redis.call('ZSCORE', KEYS[2], holder)
  local now = clock()
  if seen and tonumber(seen) >= now - tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

#: KEYS: nodes, frontier, dupefilter, start, the node's in-flight set; ARGV: node.
#: Puts back what the node holds and deregisters it; the last node of a finished crawl clears it.
#: Returns {requests put back, 1 if the crawl is complete}.
LEAVE = _REQUEUE + """
local returned = requeue(KEYS[5], KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
local complete = 0
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0
    and redis.call('GET', KEYS[4]) == 'done' then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
  complete = 1
end
return {returned, complete}
"""


def new_node_id() -> str:
    """A name for this process in the crawl, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class CrawlNode:
    """An extension: this process as a node of the distributed crawl at ``REDIS_URL`` (off without it).

    The scheduler joins the crawl when it opens (:meth:`join`, which needs the spider to name the
    crawl) and leaves it when it closes (:meth:`leave`); in between a heartbeat keeps the node alive
    and serves the requests of dead nodes again. The crawl is named by ``REDIS_CRAWL_NAME``, else by
    the spider's ``crawl_name`` attribute if it has one (spiders name their arguments there, so that
    crawls of one spider with other arguments do not share a frontier), else by the spider's name.
    """

    def __init__(self, crawler: Crawler, server: Redis, timeout: float = settings.REDIS_NODE_TIMEOUT):
        self.crawler = crawler
        self.server = server
        self.timeout = timeout
        self.id = new_node_id()
        self.keys: CrawlKeys | None = None
        #: whether this node began the crawl (rather than joining or resuming it)
        self.began: bool | None = None
        self._heartbeat: LoopingCall | None = None
        self._failing = False
        self._scripts = {name: server.register_script(source) for name, source in
                         (("join", JOIN), ("heartbeat", HEARTBEAT), ("pending", PENDING),
                          ("claim_start", CLAIM_START), ("leave", LEAVE))}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlNode:
        if not redis_enabled(crawler.settings):
            raise NotConfigured
        server = connect(crawler.settings["REDIS_URL"], decode=False)
        return cls(crawler, server, crawler.settings.getfloat("REDIS_NODE_TIMEOUT"))

    @property
    def heartbeat_interval(self) -> float:
        """Seconds between heartbeats."""
        return max(self.timeout / 5, 0.2)

    def crawl_name(self, spider: Spider) -> str:
        """The name of the distributed crawl this node's spider belongs to."""
        return self.crawler.settings.get("REDIS_CRAWL_NAME") or getattr(spider, "crawl_name", None) or spider.name

    def join(self, spider: Spider) -> CrawlKeys:
        """Register in the crawl (beginning it, or joining or resuming it) and serve the requests of
        dead nodes again; :meth:`start_heartbeat` keeps the node alive from then on."""
        crawl_settings = self.crawler.settings
        self.keys = keys = CrawlKeys.for_crawl(self.crawl_name(spider),
                                               crawl_settings.get("SCHEDULER_QUEUE_KEY") or QUEUE_KEY,
                                               crawl_settings.get("SCHEDULER_DUPEFILTER_KEY") or DUPEFILTER_KEY)
        self.began = bool(self._run("join", [keys.nodes, keys.frontier, keys.dupefilter, keys.start],
                                    [self.id, self.timeout, keys.inflight_prefix]))
        queued = self.server.zcard(keys.frontier)
        logger.info("node %s %s the distributed crawl %r at %s (%d requests queued)", self.id,
                    "began" if self.began else "joined", keys.crawl, safe_url(crawl_settings["REDIS_URL"]), queued)
        self.beat()
        return keys

    def start_heartbeat(self) -> None:
        """Beat every :attr:`heartbeat_interval` seconds (in the reactor) until the node leaves."""
        self._heartbeat = LoopingCall(self.beat)
        self._heartbeat.start(self.heartbeat_interval, now=False)

    def beat(self) -> int:
        """Refresh this node's heartbeat and serve the requests of dead nodes again; returns how many."""
        keys = self._keys()
        try:
            recovered = int(self._run("heartbeat", [keys.nodes, keys.frontier, keys.start],
                                      [self.id, self.timeout, keys.inflight_prefix]))
        except RedisError as exc:
            if not self._failing:
                logger.warning("node %s: no heartbeat, Redis fails: %s", self.id, exc)
            self._failing = True
            return 0
        self._failing = False
        if recovered:
            self.crawler.stats.inc_value("frontier/recovered", recovered)
            logger.warning("node %s: %d requests of dead nodes are served again", self.id, recovered)
        return recovered

    def pending_elsewhere(self) -> int:
        """Requests queued in the frontier, or in flight with other nodes."""
        keys = self._keys()
        return int(self._run("pending", [keys.nodes, keys.frontier], [self.id, keys.inflight_prefix]))

    def claim_start(self) -> bool:
        """Whether this node is to run the crawl's discovery (the spider's ``start``)."""
        keys = self._keys()
        return bool(self._run("claim_start", [keys.start, keys.nodes], [self.id, self.timeout]))

    def start_done(self) -> None:
        """The crawl's discovery ran to its end."""
        self.server.set(self._keys().start, "done")

    def leave(self) -> tuple[int, bool]:
        """Stop the heartbeat, put back what this node holds and deregister; returns how many
        requests were put back and whether the crawl is complete (and was cleared)."""
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        keys = self._keys()
        returned, complete = self._run("leave", [keys.nodes, keys.frontier, keys.dupefilter, keys.start,
                                                 keys.inflight(self.id)], [self.id])
        if returned:
            self.crawler.stats.inc_value("frontier/returned", int(returned))
        logger.info("node %s left the distributed crawl %r (put back %d requests; crawl %s)", self.id, keys.crawl,
                    returned, "complete" if complete else "goes on")
        return int(returned), bool(complete)

    def _keys(self) -> CrawlKeys:
        if self.keys is None:
            raise RuntimeError("the node has not joined a crawl yet")
        return self.keys

    def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        return self._scripts[script](keys=keys, args=args)
