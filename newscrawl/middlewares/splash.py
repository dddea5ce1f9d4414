"""scrapy-splash's middlewares, fitted to the Scrapy this project runs on.

scrapy-splash 0.11 (its latest release) predates two Scrapy changes; these subclasses keep its
behaviour and change only what broke:

* ``SplashDeduplicateArgsMiddleware`` only has a synchronous ``process_spider_output`` and the old
  ``process_start_requests``. Scrapy no longer runs spider middlewares whose output hook is
  synchronous only (scrapy/scrapy#7504: the crawl refuses to start) and no longer calls
  ``process_start_requests``; the subclass offers the same work (Splash arguments listed in
  ``cache_args`` replaced by fingerprints while requests wait) through ``process_start`` and an
  asynchronous ``process_spider_output``.
* ``SplashMiddleware`` puts each Splash request in the download slot of the page's domain through
  the downloader's private ``_get_slot_key``, which Scrapy replaced by the public ``get_slot_key``;
  without the subclass every Splash request fails with an ``AttributeError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from newscrawl.addons import ensure_scrapy_splash_importable

ensure_scrapy_splash_importable()

from scrapy_splash import SplashDeduplicateArgsMiddleware as _SplashDeduplicateArgsMiddleware  # noqa: E402
from scrapy_splash import SplashMiddleware as _SplashMiddleware  # noqa: E402


class SplashMiddleware(_SplashMiddleware):
    """``scrapy_splash.SplashMiddleware`` using the downloader's public slot key."""

    def _get_slot_key(self, request_or_response: Request | Response) -> str:
        return self.crawler.engine.downloader.get_slot_key(request_or_response)


class SplashDeduplicateArgsMiddleware(_SplashDeduplicateArgsMiddleware):
    """``scrapy_splash.SplashDeduplicateArgsMiddleware`` for asynchronous spider output."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SplashDeduplicateArgsMiddleware:
        return cls(crawler)

    def _processed(self, element: Any) -> Any:
        spider = self.crawler.spider
        if not hasattr(spider, "state"):
            spider.state = {}
        spider.state.setdefault(self.local_values_key, {})
        return self._process_request(element, spider) if isinstance(element, Request) else element

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for element in start:
            yield self._processed(element)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for element in result:
            yield self._processed(element)
