"""``scrapy crawl site -a start=URL``: any news site that has a feed or a sitemap.

The spider follows a site before it has an outlet module of its own. It finds articles through
the standard routes every outlet spider also knows (``newscrawl.spiders.discovery``): the site's
sitemaps (named in ``robots.txt``, or ``/sitemap.xml``; sitemap indexes and news sitemaps included,
read with Scrapy's sitemap machinery) and its RSS/Atom feeds (linked from the start page, or the
start URL itself). Pages are read by the generic extraction: trafilatura,
with JSON-LD and meta tags as fallbacks. The outlet is named after the host, which is also the
label of the records' "Original:" link.

News sitemaps' ``news:publication_date`` (else ``lastmod``) and feed dates decide ``since`` /
``until`` and, without ``since``, what an incremental crawl can skip. The arguments are those of
every outlet spider, plus ``start`` and ``timezone`` (the zone of dates printed without an
offset; default UTC).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.http import Request

from newscrawl.extract.dates import parse_machine_value
from newscrawl.outlets.base import site_outlet
from newscrawl.spiders.arguments import SpiderArgumentError
from newscrawl.spiders.base import NewsSpider
from newscrawl.spiders.discovery import StandardDiscovery
from newscrawl.urls import bare_host, host_of

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

    # -- discovery: the standard routes (``newscrawl.spiders.discovery``), from the start URL
    standard_fallback = False

    def watermark_key(self, edition: str | None) -> str:
        """A site has one watermark."""
        return WATERMARK_KEY

    def first_crawl_floor(self) -> datetime | None:
        """A first crawl of a site takes its sitemaps whole."""
        return None

    def card_date(self, text: str | None) -> datetime | None:
        """A sitemap's or feed's date with the offset it states; the spider's ``timezone`` applies to a
        date without one (and a UTC time, which says nothing of the site's local time, is shown in it)."""
        stated = parse_machine_value(text) if text else None
        if stated is not None and stated.utcoffset():
            return stated
        return super().card_date(text)

    def discovery_requests(self) -> Iterable[Request]:
        start = self.start_url
        if urlsplit(start).path.endswith("/robots.txt") or SITEMAP_URL.search(urlsplit(start).path):
            yield self.sitemap_request(start)
            return
        yield from self.standard_requests([None], start=start)

    #: the start page: a feed is read as one; an HTML page's announced feeds are followed
    parse_start = StandardDiscovery.parse_home
    #: an RSS or Atom feed
    parse_feed = StandardDiscovery.parse_announced_feed
