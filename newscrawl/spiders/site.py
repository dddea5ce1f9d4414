"""``scrapy crawl site -a start=URL``: any news site that has a feed or a sitemap.

The spider follows a site before it has an outlet module of its own. It finds articles through
the site's sitemaps (named in ``robots.txt``, or ``/sitemap.xml``; sitemap indexes and news
sitemaps included, read with Scrapy's sitemap machinery) and its RSS/Atom feeds (linked from the
start page, or the start URL itself). Pages are read by the generic extraction: trafilatura,
with JSON-LD and meta tags as fallbacks. The outlet is named after the host, which is also the
label of the records' "Original:" link.

News sitemaps' ``news:publication_date`` (else ``lastmod``) and feed dates decide ``since`` /
``until`` and, without ``since``, what an incremental crawl can skip. The arguments are those of
every outlet spider, plus ``start`` and ``timezone`` (the zone of dates printed without an
offset; default UTC).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.http import Request, Response, TextResponse
from scrapy.utils.sitemap import sitemap_urls_from_robots

from newscrawl.extract.feeds import feed_entries, feed_links
from newscrawl.outlets.base import Listed, site_outlet
from newscrawl.spiders.arguments import SpiderArgumentError
from newscrawl.spiders.base import NewsSpider
from newscrawl.spiders.sitemaps import read_sitemap
from newscrawl.urls import bare_host, host_of, same_site

#: the key under which an incremental crawl keeps the newest date it saw
WATERMARK_KEY = "all"
#: URLs that are sitemaps rather than pages
SITEMAP_URL = re.compile(r"(sitemap[^/]*\.xml(\.gz)?|\.xml\.gz)$", re.IGNORECASE)


class SiteSpider(NewsSpider):
    """``scrapy crawl site -a start=URL [-a timezone=Europe/Moscow] [-a since=… [-a until=…]] [-a url=…]``

    ``start`` is the site's home page, a feed, a sitemap (or sitemap index) or ``robots.txt``.
    From a home page the spider reads the sitemaps ``robots.txt`` names (``/sitemap.xml`` when it
    names none) and the feeds the page links to.
    """

    name = "site"
    spider_arguments: ClassVar[dict[str, str]] = {
        "start": "the site's home page, a feed, a sitemap or robots.txt (required unless url is given)",
        "timezone": "zone of dates printed without an offset (default UTC)", **NewsSpider.spider_arguments,
        "url": "comma-separated article URLs of the site: fetch just these pages"}

    def __init__(self, *args: Any, start: str | None = None, timezone: str = "UTC", **kwargs: Any):
        if not start:
            if not kwargs.get("url"):
                raise SpiderArgumentError("-a start=URL is required: the site's home page, a feed or a sitemap")
            start = kwargs["url"].split(",")[0].strip()
        if not urlsplit(start).scheme:
            start = f"https://{start}"
        host = bare_host(host_of(start))
        if not host:
            raise SpiderArgumentError(f"-a start={start!r}: no host in that URL")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SpiderArgumentError(f"-a timezone={timezone!r}: not a time zone (e.g. Europe/Moscow)") from None
        self.outlet = site_outlet(host, timezone)  # per instance: the class serves any site
        self.start_url = start
        super().__init__(*args, **kwargs)
        self.allowed_domains = [host]

    @property
    def state_key(self) -> str:
        """Incremental state is kept per site."""
        return f"site:{self.outlet.name}"

    # -- discovery
    def discovery_requests(self) -> Iterable[Request]:
        start = self.start_url
        if urlsplit(start).path.endswith("/robots.txt") or SITEMAP_URL.search(urlsplit(start).path):
            yield self.sitemap_request(start)
            return
        yield Request(start, callback=self.parse_start, errback=self.listing_failed, priority=10)
        robots = urljoin(start, "/robots.txt")
        yield Request(robots, callback=self.parse_robots, errback=self.robots_failed, priority=10)

    def sitemap_request(self, url: str) -> Request:
        """A request for a sitemap, sitemap index or robots.txt."""
        return Request(url, callback=self.parse_sitemap, errback=self.listing_failed, priority=5)

    def parse_start(self, response: Response) -> Iterator[Request]:
        """The start page: a feed is read as one; an HTML page's announced feeds are followed."""
        if feed_entries(response.body):
            yield from self.parse_feed(response)
            return
        if isinstance(response, TextResponse):
            for link in feed_links(response.text, response.url):
                if same_site(link, response.url):
                    yield Request(link, callback=self.parse_feed, errback=self.listing_failed, priority=10)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """The sitemaps robots.txt names; ``/sitemap.xml`` when it names none."""
        urls = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        for url in urls or [urljoin(response.url, "/sitemap.xml")]:
            yield self.sitemap_request(url)

    def robots_failed(self, failure: Any) -> Iterator[Request]:
        """No robots.txt: try the usual sitemap address."""
        yield self.sitemap_request(urljoin(self.start_url, "/sitemap.xml"))

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """An RSS or Atom feed."""
        yield from self.follow_dated(self.feed_articles(response), response.url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """A sitemap index (its sitemaps are followed), a sitemap (its pages are) or robots.txt."""
        if urlsplit(response.url).path.endswith("/robots.txt"):
            yield from self.parse_robots(response)
            return
        # sitemap indexes may list sitemaps of other kinds (images, video): all are read, pages that are
        # not articles are skipped and counted
        sitemap = read_sitemap(response.body)
        if sitemap is None:
            self.crawler.stats.inc_value("newscrawl/listings/not_a_sitemap")
            self.logger.warning("not a sitemap: %s", response.url)
            return
        self.crawler.stats.inc_value("newscrawl/listings/sitemaps")
        entries = list(self.sitemap_filter(sitemap))
        if sitemap.type == "sitemapindex":
            for entry in entries:
                url = urljoin(response.url, entry["loc"])
                if same_site(url, self.start_url):
                    yield self.sitemap_request(url)
            return
        self.crawler.stats.inc_value("newscrawl/listings/sitemap_entries", len(entries))
        dated = [Listed(entry["loc"], self.card_date(entry.get("publication_date") or entry.get("lastmod")))
                 for entry in entries]
        yield from self.follow_dated(dated, response.url)

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Entries with a location, less the sitemaps of an index last changed before the crawl's
        range (or, incrementally, before what the last crawl saw)."""
        floor = self.since_floor()
        for entry in entries:
            if not entry.get("loc"):
                continue
            if "publication_date" not in entry and floor is not None:
                changed = self.card_date(entry.get("lastmod"))
                # nothing in a sitemap (or at a URL) is newer than its lastmod
                if changed is not None and changed < floor:
                    self.crawler.stats.inc_value("newscrawl/listings/sitemap_skipped_by_lastmod")
                    continue
            yield entry

    def since_floor(self) -> datetime | None:
        """The oldest time of interest: the start of ``since``, or the last crawl's watermark."""
        if self.since is not None:
            return datetime.combine(self.since, datetime.min.time(), self.zone)
        return self.walk.watermark(WATERMARK_KEY)

    def follow_dated(self, entries: Iterable[Listed], base_url: str) -> Iterator[Request]:
        """Article requests for dated links of this site, in the crawl's range and not yet archived."""
        for link, published, *_ in entries:
            url = urljoin(base_url, link)
            if not same_site(url, self.start_url):
                continue
            self.walk.note_published(WATERMARK_KEY, published)
            if not self.walk.in_range(published) or (not self.backfill
                                                     and self.walk.is_old(published, WATERMARK_KEY)):
                continue
            request = self.article_request(url, None, listed=published)
            if request is not None:
                yield request
