"""Answer every request of a crawl from saved responses (``-s REPLAY=PATH``) instead of the network."""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from newscrawl.warc import WarcLookup

logger = logging.getLogger(__name__)


class ReplayMiddleware:
    """A downloader middleware that returns the stored response for every request.

    ``REPLAY`` names a WARC file or a folder of them. A request the WARCs lack is answered as a
    missing page (HTTP 404, flagged ``replay-missing``), logged and counted: nothing ever goes to
    the network while replaying. Redirects, retries and decompression work as on a live crawl,
    since the other middlewares see the stored responses as they would have seen fetched ones.
    """

    def __init__(self, crawler: Crawler, lookup: WarcLookup):
        self.stats = crawler.stats
        self.lookup = lookup

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        path = crawler.settings.get("REPLAY")
        if not path:
            raise NotConfigured  # REPLAY is not set: a live crawl
        lookup = WarcLookup(path)
        logger.info("replaying %d stored responses from %s", len(lookup), path)
        return cls(crawler, lookup)

    def process_request(self, request: Request, spider: Spider | None = None) -> Response:
        stored = self.lookup.find(request.method, request.url, request.body)
        if stored is None:
            self.stats.inc_value("newscrawl/replay/missing")
            level = logging.INFO if request.url.endswith("/robots.txt") else logging.WARNING
            logger.log(level, "replay: no stored response for %s %s", request.method, request.url)
            return Response(request.url, status=404, request=request, flags=["replay-missing"])
        self.stats.inc_value("newscrawl/replay/answered")
        headers = Headers(stored.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=stored.body)
        return cls(url=request.url, status=stored.status, headers=headers, body=stored.body,
                   request=request, flags=["replay"])
