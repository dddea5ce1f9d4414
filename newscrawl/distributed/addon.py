"""The add-on that makes a crawl a node of a distributed crawl when ``REDIS_URL`` is set."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from newscrawl.distributed import redis_enabled

logger = logging.getLogger(__name__)

#: scrapy-redis's scheduler with its duplicate filter, as fitted in newscrawl.distributed.frontier
SCHEDULER = "newscrawl.distributed.frontier.RedisScheduler"
DUPEFILTER_CLASS = "newscrawl.distributed.frontier.RedisDupeFilter"


class DistributedAddon:
    """A Scrapy add-on, active only when ``REDIS_URL`` is set (``-s REDIS_URL=redis://host:6379/0`` or
    env ``NEWSCRAWL_REDIS_URL``). It sets, each unless set with a higher priority:

    * ``SCHEDULER``: :class:`~newscrawl.distributed.frontier.RedisScheduler` (scrapy-redis's,
      persistent, on ``SCHEDULER_QUEUE_KEY``) and ``DUPEFILTER_CLASS``:
      :class:`~newscrawl.distributed.frontier.RedisDupeFilter` (on ``SCHEDULER_DUPEFILTER_KEY``);
    * ``EXTENSIONS``: :class:`~newscrawl.distributed.node.CrawlNode` (membership, heartbeat, requests
      of dead nodes served again);
    * ``EXTENSIONS``: :class:`~newscrawl.distributed.published.NodeArchive` in the place of
      ``CrawlArchive``: the spider's "already archived" checks and watermarks read what the archiver
      publishes in Redis;
    * ``SPIDER_MIDDLEWARES``: :class:`~newscrawl.distributed.start.StartOnce` (discovery on one node);
    * ``ITEM_PIPELINES``: :class:`~newscrawl.distributed.pipeline.RedisItemPipeline` in the place of
      the archive pipeline; the duplicate and reprint pipelines are off, the archiver does their work
      against the archive. Language and date tagging stay on the node.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if not redis_enabled(settings):
            raise NotConfigured  # silently off: a crawl on one machine
        try:
            from newscrawl.distributed.connection import DUPEFILTER_KEY, QUEUE_KEY, safe_url
            from newscrawl.distributed.node import CrawlNode
            from newscrawl.distributed.pipeline import RedisItemPipeline
            from newscrawl.distributed.published import NodeArchive
            from newscrawl.distributed.start import StartOnce
        except ImportError as exc:
            raise RuntimeError(f"REDIS_URL is set but {exc.name} is missing: "
                               "pip install 'newscrawl[distributed]'") from None
        from newscrawl.extensions.archive import CrawlArchive
        from newscrawl.pipelines.archive import ArchivePipeline
        from newscrawl.pipelines.dedupe import DedupePipeline
        from newscrawl.pipelines.reprints import ReprintPipeline

        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        settings.set("DUPEFILTER_CLASS", DUPEFILTER_CLASS, priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", QUEUE_KEY, priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", DUPEFILTER_KEY, priority="addon")
        settings.set_in_component_priority_dict("EXTENSIONS", CrawlNode, 0)
        try:
            settings.replace_in_component_priority_dict("EXTENSIONS", CrawlArchive, NodeArchive)
        except KeyError:
            settings.set_in_component_priority_dict("EXTENSIONS", NodeArchive, 0)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", StartOnce, 50)
        try:
            settings.replace_in_component_priority_dict("ITEM_PIPELINES", ArchivePipeline, RedisItemPipeline)
        except KeyError:  # no archive pipeline in this project's settings: last, then
            settings.set_in_component_priority_dict("ITEM_PIPELINES", RedisItemPipeline, 1000)
        for pipeline in (DedupePipeline, ReprintPipeline):
            settings.set_in_component_priority_dict("ITEM_PIPELINES", pipeline, None)
        logger.info("a node of a distributed crawl: frontier and archiver's stream in Redis at %s",
                    safe_url(settings["REDIS_URL"]))
