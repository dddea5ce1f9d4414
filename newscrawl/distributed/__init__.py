"""Scaling out: several crawl processes (nodes) on several machines share one frontier in Redis and
feed one archive through one archiver.

``-s REDIS_URL=redis://host:6379/0`` (or env ``NEWSCRAWL_REDIS_URL``) makes a crawl a node: the
add-on :class:`~newscrawl.distributed.addon.DistributedAddon` puts scrapy-redis's scheduler (fitted in
:mod:`~newscrawl.distributed.frontier`) in place of Scrapy's, runs discovery once per crawl
(:mod:`~newscrawl.distributed.start`) and sends the articles to a Redis stream
(:mod:`~newscrawl.distributed.pipeline`) instead of writing records. ``newscrawl archive consume``
(:mod:`~newscrawl.distributed.archiver`) takes them from there, drops duplicates and reprints, writes
the records and publishes what the archive holds for the nodes (:mod:`~newscrawl.distributed.published`).
Without ``REDIS_URL`` none of this is active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def redis_enabled(settings: BaseSettings) -> bool:
    """Whether the crawl is a node of a distributed crawl (``REDIS_URL`` is set)."""
    return bool(settings.get("REDIS_URL"))
