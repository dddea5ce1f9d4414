"""A spider for the distributed-crawl tests (``scrapy runspider``): from ``-a start=URL`` it follows
every link of the link site (tests/linksite.py) and yields each page as an article."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from newscrawl.items import Article


class LinkSpider(scrapy.Spider):
    name = "links"

    def __init__(self, start: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.start_url = start

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response):
        paragraphs = response.css("p::text").getall()
        yield Article(url=response.url, outlet="links", title=response.css("h1::text").get(),
                      body="\n".join(paragraphs), language="ru")
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)
