"""Count each page once, by how it ended: ``newscrawl/pages`` (every URL the crawl requested,
however often it was retried or whether it was redirected) and ``newscrawl/pages/failed`` (those that
ended in an error status or with no answer, after retries), per reason in
``newscrawl/pages/failed/<reason>``. Hosts that never answered are kept with the reason in
``newscrawl/unreachable/<host>``, for the crawl's closing lines (``newscrawl.extensions.summary``)."""

from __future__ import annotations

from scrapy import Request, Spider, exceptions
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from twisted.internet import error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from newscrawl.urls import host_of

#: why a host could not be reached, by the exception the download ended with
REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((exceptions.CannotResolveHostError, error.DNSLookupError), "DNS lookup failed"),
    ((exceptions.DownloadConnectionRefusedError, error.ConnectionRefusedError), "connection refused"),
    ((exceptions.DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError), "timed out"),
    ((exceptions.ResponseDataLossError, ResponseNeverReceived, ResponseFailed, error.ConnectionLost,
      error.ConnectionDone), "connection lost"),
    ((error.ConnectError,), "could not connect"),
)


def why(exc: BaseException) -> str:
    """A download error in a few words (DNS lookup failed, connection refused, timed out …)."""
    for kinds, words in REASONS:
        if isinstance(exc, kinds):
            return words
    return type(exc).__name__


def is_robots_txt(request: Request) -> bool:
    """Whether a request is Scrapy's own robots.txt fetch (not one of the crawl's pages)."""
    return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")


class PageOutcomes:
    """A downloader middleware near the engine, so that it sees each request's last outcome only
    (the retry and redirect middlewares handle the others)."""

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageOutcomes:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        self.stats.set_value(f"newscrawl/reached/{host_of(request.url)}", 1)
        if not is_robots_txt(request):
            self.stats.inc_value("newscrawl/pages")
            if response.status >= 400:
                self.stats.inc_value("newscrawl/pages/failed")
                self.stats.inc_value(f"newscrawl/pages/failed/http_{response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        if isinstance(exception, IgnoreRequest):  # not fetched on purpose (robots.txt, filters)
            return None
        reason = why(exception)
        host = host_of(request.url)
        if self.stats.get_value(f"newscrawl/unreachable/{host}") is None:
            self.stats.set_value(f"newscrawl/unreachable/{host}", reason)
        if not is_robots_txt(request):
            self.stats.inc_value("newscrawl/pages")
            self.stats.inc_value("newscrawl/pages/failed")
            self.stats.inc_value(f"newscrawl/pages/failed/{reason.replace(' ', '_').lower()}")
        return None
