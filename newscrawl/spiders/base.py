"""What every outlet spider shares: arguments, article requests, incremental crawling, the
reading of article pages and feeds, and the counting of everything skipped."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.etree
import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.archive import Archive, article_keys
from newscrawl.dates import parse_machine_date, parse_visible_date
from newscrawl.extraction import MIN_BODY_CHARS, build_article
from newscrawl.items import Article
from newscrawl.outlets import Outlet
from newscrawl.parsing import looks_binary
from newscrawl.urls import clean_url
from newscrawl.workers import Extractor

logger = logging.getLogger(__name__)


class SpiderArgumentError(ValueError):
    """A spider argument that cannot be used."""


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` spider argument."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SpiderArgumentError(f"-a {name}={value!r}: expected a date as YYYY-MM-DD") from None


def feed_entries(body: bytes) -> list[tuple[str, str | None]]:
    """``(link, published)`` of every item of an RSS or Atom feed; [] when it is not a feed."""
    try:
        root = lxml.etree.fromstring(body, parser=lxml.etree.XMLParser(recover=True, resolve_entities=False,
                                                                      no_network=True, huge_tree=False))
    except (lxml.etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    entries = []
    for item in root.iter("{*}item", "{*}entry"):
        link = None
        for el in item.iter("{*}link"):
            link = (el.text or "").strip() or el.get("href")
            if link:
                break
        if not link:
            guid = next(item.iter("{*}guid"), None)
            link = (guid.text or "").strip() if guid is not None else None
        published = None
        for tag in ("pubDate", "published", "updated", "date"):
            el = next(item.iter(f"{{*}}{tag}"), None)
            if el is not None and (el.text or "").strip():
                published = el.text.strip()
                break
        if link:
            entries.append((link, published))
    return entries


class NewsSpider(scrapy.Spider):
    """Base of the outlet spiders.

    Arguments (``-a name=value``):
      edition   comma-separated editions to crawl (default: all the outlet has)
      since     backfill: walk the outlet's date-ranged listings back to this day (YYYY-MM-DD)
      until     last day of a backfill (default: today)
      url       comma-separated article URLs: fetch just these pages
    Without ``since`` a crawl is incremental: it collects what is new since the last crawl and
    does not fetch articles the archive already holds.
    """

    outlet: ClassVar[Outlet]
    custom_settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, edition: str | None = None, since: str | None = None,
                 until: str | None = None, url: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        known = list(self.outlet.editions)
        chosen = [e.strip() for e in edition.split(",") if e.strip()] if edition else known
        unknown = [e for e in chosen if e not in self.outlet.editions]
        if unknown:
            raise SpiderArgumentError(f"-a edition: {', '.join(unknown)} unknown; {self.name} has {', '.join(known)}")
        self.editions: list[str] = chosen
        self.since = parse_day(since, "since")
        self.until = parse_day(until, "until")
        if self.until and not self.since:
            raise SpiderArgumentError("-a until needs -a since")
        if self.since and self.until and self.until < self.since:
            raise SpiderArgumentError(f"-a until={self.until} is before since={self.since}")
        self.urls = [u.strip() for u in url.split(",") if u.strip()] if url else []
        self.zone = ZoneInfo(self.outlet.timezone)
        self._requested: set[str] = set()
        self.newest_seen: dict[str, datetime] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive = Archive.for_crawler(crawler)
        spider.extractor = Extractor.from_crawler(crawler)
        spider.max_incremental_pages = crawler.settings.getint("INCREMENTAL_MAX_PAGES", 10)
        spider.max_backfill_pages = crawler.settings.getint("BACKFILL_MAX_PAGES", 100000)
        crawler.signals.connect(spider._remember_progress, signal=scrapy.signals.spider_closed)
        return spider

    # -- modes
    @property
    def backfill(self) -> bool:
        """Whether this crawl walks back to ``since``."""
        return self.since is not None

    @property
    def last_day(self) -> date:
        """The last day of the crawl's range."""
        return self.until or datetime.now(self.zone).date()

    @property
    def state_key(self) -> str:
        """The name under which the index keeps this spider's incremental state."""
        return self.name

    def watermark(self, edition: str) -> datetime | None:
        """The newest publication time archived by the previous crawl of an edition."""
        value = self.archive.index.get_state(self.state_key, f"newest/{edition}")
        return datetime.fromisoformat(value) if value else None

    def in_range(self, published: datetime | date | None) -> bool:
        """Whether a listed article's date lies in the crawl's range (unknown dates do)."""
        if published is None:
            return True
        day = published.astimezone(self.zone).date() if isinstance(published, datetime) else published
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)

    def is_old(self, published: datetime | date | None, edition: str) -> bool:
        """Whether a listed article predates what the last incremental crawl already saw."""
        mark = self.watermark(edition)
        if published is None or mark is None or not isinstance(published, datetime):
            return False
        return published < mark - timedelta(hours=1)

    # -- requests
    async def start(self) -> AsyncIterator[Any]:
        if self.urls:
            for url in self.urls:
                yield self.article_request(url, self.outlet.edition_of(url), explicit=True)
            return
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> Iterable[Request]:
        """The first feed and listing requests of a crawl (each outlet defines them)."""
        raise NotImplementedError

    def article_request(self, url: str, edition: str | None, *, explicit: bool = False,
                        listed: datetime | None = None) -> Request | None:
        """A request for an article page, or None when the archive or this crawl already has it."""
        url = clean_url(url)
        keys = article_keys(url)
        stats = self.crawler.stats
        if not explicit:
            if keys & self._requested:
                return None
            if self.archive.index.find_url(keys) is not None:
                stats.inc_value("newscrawl/skipped/already_archived")
                self._requested |= keys
                return None
        self._requested |= keys
        stats.inc_value("newscrawl/article_requests")
        return Request(url, callback=self.parse_article, errback=self.article_failed,
                       dont_filter=explicit,
                       cb_kwargs={"edition": edition or self.outlet.edition_of(url)},
                       meta={"newscrawl_article": True, "newscrawl_listed": listed})

    def known(self, url: str) -> bool:
        """Whether the archive or this crawl already has the article at ``url``."""
        keys = article_keys(clean_url(url))
        return bool(keys & self._requested) or self.archive.index.find_url(keys) is not None

    def article_failed(self, failure: Failure) -> None:
        """Count and log an article that could not be fetched (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        kind = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value("newscrawl/failed/articles")
        self.crawler.stats.inc_value(f"newscrawl/failed/{kind}")
        logger.warning("article not fetched: %s (%s)", request.url, reason)

    def listing_failed(self, failure: Failure) -> None:
        """Count and log a feed or listing page that could not be fetched."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.crawler.stats.inc_value("newscrawl/failed/listings")
        logger.warning("listing not fetched: %s (%s)", request.url, reason)

    # -- articles
    def _skip(self, response: Response, why: str) -> None:
        self.crawler.stats.inc_value("newscrawl/skipped")
        self.crawler.stats.inc_value(f"newscrawl/skipped/{why}")
        logger.info("skipped %s: %s", response.url, why.replace("_", " "))

    async def parse_article(self, response: Response, edition: str | None = None) -> AsyncIterator[Article]:
        """Extract the article of a page and yield it for the pipelines."""
        if not isinstance(response, TextResponse):
            self._skip(response, "not_html")
            return
        if not response.body.strip():
            self._skip(response, "empty_page")
            return
        if looks_binary(response.text):
            self._skip(response, "binary_page")
            return
        edition = edition or self.outlet.edition_of(response.url)
        fields = await self.extractor.parse(response.text, response.url, self.outlet.name,
                                            self.outlet.language_of(edition))
        if fields is None:
            self._skip(response, "extraction_failed")
            return
        if not fields:
            self._skip(response, "unparsable_page")
            return
        if len(fields["body"]) < MIN_BODY_CHARS or not fields.get("title"):
            self._skip(response, "not_an_article")
            return
        article = self.article_from_fields(response, edition, fields)
        yield article

    def article_from_fields(self, response: Response, edition: str | None, fields: dict[str, Any]) -> Article:
        """The item for an extracted page; outlets may amend it (e.g. a date from the URL)."""
        return build_article(fields, response.url, self.outlet, edition)

    # -- listings
    def card_date(self, text: str | None) -> datetime | None:
        """The date a listing card or feed entry shows, in the outlet's zone."""
        if not text:
            return None
        return parse_machine_date(text, self.zone) or parse_visible_date(text, self.zone)

    def follow_entries(self, entries: Iterable[tuple[str, datetime | None]], base_url: str,
                       edition: str) -> Iterator[Request]:
        """Article requests for listed entries in the crawl's range."""
        for link, published in entries:
            self.note_published(edition, published)
            if not self.in_range(published):
                continue
            request = self.article_request(urljoin(base_url, link), edition, listed=published)
            if request is not None:
                yield request

    def note_published(self, edition: str | None, published: datetime | None) -> None:
        """Track the newest publication time seen, the next incremental crawl's watermark."""
        if edition and isinstance(published, datetime):
            current = self.newest_seen.get(edition)
            if current is None or published > current:
                self.newest_seen[edition] = published

    def _remember_progress(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self or self.urls or reason != "finished":
            return
        for edition, newest in self.newest_seen.items():
            mark = self.watermark(edition)
            if mark is None or newest > mark:
                self.archive.index.set_state(self.state_key, f"newest/{edition}", newest.isoformat())
