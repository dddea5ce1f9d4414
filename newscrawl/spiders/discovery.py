"""The standard discovery routes every news site keeps for search engines and readers, one implementation
for every spider: the ``Sitemap:`` lines of ``robots.txt`` (``/sitemap.xml`` when it names none; sitemap
indexes followed), news sitemaps (``news:publication_date`` decides ``since``/``until`` and the
watermark) and the feeds a home page announces (``<link rel="alternate" type="application/rss+xml">``).

The ``site`` spider finds everything this way. An outlet spider tries its own routes first; when an
edition's own routes give no article in a crawl (all failed, or none recognised), it falls back to the
standard routes of that edition (logged once, counted ``newscrawl/discovery/fallback``), or, with
``DISCOVERY_STANDARD_ROUTES = "always"`` (``newscrawl check``), reads them beside its own.

Entries of a news sitemap are articles whatever their URL form. Links of other sitemaps and of feeds
must pass the outlet's URL rules; when those reject every link of a route, the generic test for
article-like URLs decides (``newscrawl.outlets.base.looks_like_article_url``), and what it took is
counted (``newscrawl/discovery/generic_links``) so that the outlet's rules get updated.

Every route a crawl reads is noted in its :class:`RouteLog` (how many article links, the newest entry):
what ``newscrawl check`` reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response, TextResponse
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from newscrawl.extensions.probe import ROUTE_KIND, ROUTE_ORIGIN
from newscrawl.extract.feeds import feed_entries, feed_links
from newscrawl.outlets.base import Listed, Outlet, looks_like_article_url
from newscrawl.spiders.sitemaps import read_sitemap

logger = logging.getLogger(__name__)



@dataclass
class RouteStats:
    """What one discovery route gave in a crawl."""

    kind: str | None = None
    origin: str | None = None
    editions: set[str] = field(default_factory=set)
    #: article links it listed (after the URL rules)
    links: int = 0
    #: links taken by the generic article test because the outlet's URL rules knew none
    generic_links: int = 0
    newest: datetime | date | None = None
    #: per edition: the article links the route listed of it, and the newest of them
    edition_links: dict[str, int] = field(default_factory=dict)
    edition_newest: dict[str, datetime | date] = field(default_factory=dict)


class RouteLog:
    """The discovery routes a crawl read, by URL (no Scrapy)."""

    def __init__(self) -> None:
        self.routes: dict[str, RouteStats] = {}

    def note(self, url: str, entries: Sequence[Listed | tuple], *, edition: str | None = None,
             kind: str | None = None, origin: str | None = None, generic: int = 0) -> None:
        """Record the article links a route listed (called once per reading of the route)."""
        stats = self.routes.setdefault(url, RouteStats())
        stats.kind = stats.kind or kind
        stats.origin = stats.origin or origin
        if edition:
            stats.editions.add(edition)
            stats.edition_links[edition] = stats.edition_links.get(edition, 0) + len(entries)
        stats.links += len(entries)
        stats.generic_links += generic
        for entry in entries:
            published = entry[1] if len(entry) > 1 else None
            if published is None:
                continue
            if stats.newest is None or _later(published, stats.newest):
                stats.newest = published
            if edition and (edition not in stats.edition_newest or _later(published, stats.edition_newest[edition])):
                stats.edition_newest[edition] = published

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {url: {"kind": s.kind, "origin": s.origin, "editions": sorted(s.editions), "links": s.links,
                      "generic_links": s.generic_links, "newest": _iso(s.newest),
                      "by_edition": {e: {"links": n, "newest": _iso(s.edition_newest.get(e))}
                                     for e, n in sorted(s.edition_links.items())}}
                for url, s in self.routes.items()}


def _iso(when: datetime | date | None) -> str | None:
    return when.isoformat() if when else None


def _later(a: datetime | date, b: datetime | date) -> bool:
    def as_day(x: datetime | date) -> date:
        return x.date() if isinstance(x, datetime) else x
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a > b
    return as_day(a) > as_day(b)


def article_links(outlet: Outlet, entries: Iterable[Listed], *, news: bool) -> tuple[list[Listed], int]:
    """The entries of a route that are articles of the outlet, and how many of them only the generic
    test took: a news sitemap's entries all are; of other routes, those the outlet's URL rules accept,
    else (when the rules accept none) those that look like articles."""
    owned = [entry for entry in entries if outlet.owns(entry.url)]
    if news:
        return owned, 0
    ruled = [entry for entry in owned if outlet.is_article_url(entry.url)]
    if ruled or outlet.generic:
        return ruled, 0
    generic = [entry for entry in owned if looks_like_article_url(entry.url)]
    return generic, len(generic)


def route_meta(response: Response) -> dict[str, Any]:
    """The meta of the request a response answers (none for a response made up in a test)."""
    return response.request.meta if response.request is not None else {}


def site_root(url: str) -> str:
    """``scheme://host/`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme or 'https'}://{parts.netloc}/"


class StandardDiscovery:
    """The standard routes, mixed into ``NewsSpider`` (which provides ``outlet``, ``walk``,
    ``article_request``, ``card_date``, ``listing_failed``, ``crawler``)."""

    #: whether this spider falls back to the standard routes when its own give nothing
    standard_fallback = True

    # -- what a spider tells
    def watermark_key(self, edition: str | None) -> str:
        """The key under which the watermark of an edition's articles is kept."""
        return edition or ""

    def first_crawl_floor(self) -> datetime | None:
        """The oldest dated entry a first incremental crawl takes from the standard routes (they may list
        a whole site): ``DISCOVERY_FIRST_CRAWL_DAYS`` back."""
        days = self.crawler.settings.getfloat("DISCOVERY_FIRST_CRAWL_DAYS")
        return datetime.now(self.zone) - timedelta(days=days) if days > 0 else None

    # -- requests
    def standard_requests(self, editions: Sequence[str | None], start: str | None = None) -> Iterator[Request]:
        """The standard routes of some editions: each host's ``robots.txt`` (and the sitemaps it names)
        and each edition's home page (and the feeds it announces); ``start`` replaces the home pages."""
        homes: dict[str, list[str | None]] = {}
        for edition in editions:
            home = start or self.outlet.edition_home(edition)
            if home:
                homes.setdefault(home, []).append(edition)
        robots: dict[str, list[str | None]] = {}
        for home, eds in homes.items():
            robots.setdefault(urljoin(site_root(home), "/robots.txt"), []).extend(eds)
            yield self.route_request(home, self.parse_home, "home page", eds)
        for url, eds in robots.items():
            yield Request(url, callback=self.parse_robots, errback=self.robots_failed, priority=10,
                          cb_kwargs={"editions": eds}, meta={ROUTE_KIND: "robots.txt", ROUTE_ORIGIN: "standard"})

    def route_request(self, url: str, callback: Any, kind: str, editions: Sequence[str | None] | None,
                      origin: str = "standard", priority: int = 5) -> Request:
        """A request for a discovery route read by ``callback`` for some editions (None: all)."""
        return Request(url, callback=callback, errback=self.listing_failed, priority=priority,
                       cb_kwargs={"editions": list(editions) if editions is not None else None},
                       meta={ROUTE_KIND: kind, ROUTE_ORIGIN: origin})

    def sitemap_request(self, url: str, editions: Sequence[str | None] | None = None,
                        origin: str = "standard") -> Request:
        """A request for a sitemap, sitemap index or robots.txt."""
        return self.route_request(url, self.parse_sitemap, "sitemap", editions, origin)

    # -- responses
    def parse_home(self, response: Response, editions: Sequence[str | None] | None = None) -> Iterator[Request]:
        """A home page: the feeds it announces on the outlet's hosts (a feed given as a home page is read)."""
        if feed_entries(response.body):
            yield from self.parse_announced_feed(response, editions)
            return
        if not isinstance(response, TextResponse):
            return
        for link in feed_links(response.text, response.url):
            if self.outlet.owns(link):
                yield self.route_request(link, self.parse_announced_feed, "feed", editions, priority=10)

    def parse_robots(self, response: Response, editions: Sequence[str | None] | None = None) -> Iterator[Request]:
        """The sitemaps robots.txt names; ``/sitemap.xml`` when it names none."""
        urls = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        for url in urls or [urljoin(response.url, "/sitemap.xml")]:
            yield self.sitemap_request(url, editions)

    def robots_failed(self, failure: Failure) -> Iterator[Request]:
        """No robots.txt: try the usual sitemap address."""
        request = failure.request  # type: ignore[attr-defined]
        yield self.sitemap_request(urljoin(request.url, "/sitemap.xml"), request.cb_kwargs.get("editions"))

    def parse_announced_feed(self, response: Response, editions: Sequence[str | None] | None = None
                             ) -> Iterator[Request]:
        """A feed found by the standard routes."""
        entries = feed_entries(response.body)
        if not entries:
            self.crawler.stats.inc_value("newscrawl/listings/not_a_feed")
            logger.warning("%s: no feed entries at %s", self.name, response.url)
            return
        self.crawler.stats.inc_value("newscrawl/listings/feeds")
        listed = [Listed(urljoin(response.url, link), self.card_date(when)) for link, when in entries]
        yield from self.follow_route(listed, response, editions, news=False)

    def parse_sitemap(self, response: Response, editions: Sequence[str | None] | None = None) -> Iterator[Request]:
        """A sitemap index (its sitemaps are followed), a sitemap or news sitemap (its articles are) or
        robots.txt."""
        if urlsplit(response.url).path.endswith("/robots.txt"):
            yield from self.parse_robots(response, editions)
            return
        sitemap = read_sitemap(response.body)
        if sitemap is None:
            self.crawler.stats.inc_value("newscrawl/listings/not_a_sitemap")
            logger.warning("not a sitemap: %s", response.url)
            return
        self.crawler.stats.inc_value("newscrawl/listings/sitemaps")
        entries = list(self.sitemap_filter(sitemap))
        if sitemap.type == "sitemapindex":
            children = [urljoin(response.url, entry["loc"]) for entry in entries]
            limit = self.crawler.settings.getint("DISCOVERY_MAX_SITEMAPS")
            for url in [u for u in children if self.outlet.owns(u)][:limit or None]:
                yield self.sitemap_request(url, editions, route_meta(response).get(ROUTE_ORIGIN, "standard"))
            return
        self.crawler.stats.inc_value("newscrawl/listings/sitemap_entries", len(entries))
        news = any("publication_date" in entry for entry in entries)
        listed = [Listed(urljoin(response.url, entry["loc"]),
                         self.card_date(entry.get("publication_date") or entry.get("lastmod"))) for entry in entries]
        yield from self.follow_route(listed, response, editions, news=news, kind="news sitemap" if news else None)

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
        """The oldest time of interest: the start of ``since``; incrementally the oldest watermark of
        the crawl's editions, else (a first crawl) ``first_crawl_floor``."""
        if self.since is not None:
            return datetime.combine(self.since, datetime.min.time(), self.zone)
        marks = [self.walk.watermark(self.watermark_key(e)) for e in (self.editions or [None])]
        if all(mark is not None for mark in marks):
            return min(marks)  # type: ignore[type-var]
        return self.first_crawl_floor()

    # -- following
    def follow_route(self, entries: Sequence[Listed], response: Response, editions: Sequence[str | None] | None,
                     *, news: bool, kind: str | None = None) -> Iterator[Request]:
        """Article requests for a route's article links of the crawl's editions, in range and new."""
        links, generic = article_links(self.outlet, entries, news=news)
        if generic:
            self.crawler.stats.inc_value("newscrawl/discovery/generic_links", generic)
            self.warn_once(f"generic-links/{self.name}", "%s: the URL rules know no link of %s; took %d links that "
                           "look like articles (update the outlet's URL rules)", self.name, response.url, generic)
        wanted = None if editions is None else set(editions)
        by_edition: dict[str | None, list[Listed]] = {}
        for entry in links:
            edition = self.outlet.edition_of(entry.url)
            if wanted is None or edition in wanted:
                by_edition.setdefault(edition, []).append(entry)
        meta = route_meta(response)
        kind, origin = kind or meta.get(ROUTE_KIND), meta.get(ROUTE_ORIGIN)
        if not by_edition:
            self.routes.note(response.url, [], kind=kind, origin=origin)
        floor = None if self.backfill else self.first_crawl_floor()
        for edition, group in by_edition.items():
            self.routes.note(response.url, group, edition=edition, kind=kind, origin=origin,
                             generic=generic if len(by_edition) == 1 else 0)
            self.found_articles(edition)
            key = self.watermark_key(edition)
            first_crawl = not self.backfill and self.walk.watermark(key) is None
            for url, published, *_ in group:
                self.walk.note_published(key, published)
                if not self.walk.in_range(published):
                    continue
                if not self.backfill and (self.walk.is_old(published, key) or (
                        first_crawl and floor is not None and isinstance(published, datetime) and published < floor)):
                    continue
                if first_crawl and published is None and not self.undated_allowed(edition):
                    continue
                request = self.article_request(url, edition, listed=published)
                if request is not None:
                    if first_crawl and published is None:
                        self._undated_taken[edition] = self._undated_taken.get(edition, 0) + 1
                    yield request

    def undated_allowed(self, edition: str | None) -> bool:
        """Whether a first incremental crawl may take one more undated entry of a sitemap or feed for an
        edition (``DISCOVERY_FIRST_CRAWL_UNDATED``; a plain sitemap may list a whole site undated); the
        entries left are counted (``newscrawl/discovery/undated_capped``), the cap logged once."""
        cap = self.crawler.settings.getint("DISCOVERY_FIRST_CRAWL_UNDATED")
        if not cap or self._undated_taken.get(edition, 0) < cap:
            return True
        self.crawler.stats.inc_value("newscrawl/discovery/undated_capped")
        self.warn_once(f"undated-cap/{edition}", "%s %s: a first crawl takes at most %d undated sitemap or feed "
                       "entries per edition (DISCOVERY_FIRST_CRAWL_UNDATED); the others are left to a backfill "
                       "with -a since=YYYY-MM-DD", self.name, edition or "-", cap)
        return False
