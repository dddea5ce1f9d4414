"""Nodes of a distributed crawl built in the test process, on the session's Redis server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import scrapy
from support import project_crawler

from newscrawl.distributed.node import CrawlNode


class PlainSpider(scrapy.Spider):
    name = "plain"

    def parse(self, response):
        yield from ()


@pytest.fixture
def make_node(redis_url) -> Callable[..., CrawlNode]:
    """``make_node(timeout=…)``: a node (its crawler and spider built, not yet joined), and left
    (heartbeat stopped) at the end of the test."""
    made: list[CrawlNode] = []

    def make(timeout: float = 60, **settings) -> CrawlNode:
        crawler = project_crawler(PlainSpider, REDIS_URL=redis_url, REDIS_NODE_TIMEOUT=timeout, **settings)
        crawler.spider = PlainSpider.from_crawler(crawler)
        node = crawler.get_extension(CrawlNode)
        made.append(node)
        return node

    yield make
    for node in made:
        if node._heartbeat is not None and node._heartbeat.running:
            node._heartbeat.stop()
