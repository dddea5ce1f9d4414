"""What every outlet spider shares: arguments, claiming and requesting articles, the one rule for
walking a listing (incremental crawls, backfills, page caps, repeated pages, the watermark), the
reading of article pages and feeds with their date fallbacks, and the counting of everything skipped."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.etree
import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.archive import Archive, article_keys
from newscrawl.extract.dates import parse_machine_date, parse_visible_date, resolve_published
from newscrawl.extract.fields import MIN_BODY_CHARS, build_article
from newscrawl.extract.html import looks_binary, squash
from newscrawl.items import Article
from newscrawl.outlets import Outlet
from newscrawl.spiders.workers import Extractor
from newscrawl.urls import clean_url

logger = logging.getLogger(__name__)

#: a page in no known article layout whose text is mostly the text of its links is a listing (a
#: category page, a tag page, a front page), not an article
MAX_LINK_TEXT_SHARE = 0.5


class Listed(NamedTuple):
    """One entry of a listing, feed or API page: the article's URL and the time (or day) it is
    listed with. An entry that does not ``steer`` (a featured or pinned card, which can be old) is
    followed like any other but left out of the decision to walk on."""

    url: str
    published: datetime | date | None = None
    steers: bool = True


#: what listing readers hand over: ``(link, date)`` pairs or :class:`Listed` entries
Entries = Sequence[tuple[str, datetime | date | None]] | Sequence[Listed]


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
    """``(link, published)`` of every item of an RSS or Atom feed; [] when it is not a feed.

    The link is an item's ``<link>`` (Atom: the ``alternate`` one, not enclosures or replies), else
    its ``<guid>`` when that is a URL.
    """
    try:
        root = lxml.etree.fromstring(body, parser=lxml.etree.XMLParser(recover=True, resolve_entities=False,
                                                                      no_network=True, huge_tree=False))
    except (lxml.etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    entries = []
    for item in root.iter("{*}item", "{*}entry"):
        link = entry_link(item)
        published = None
        for tag in ("pubDate", "published", "updated", "date"):
            el = next(item.iter(f"{{*}}{tag}"), None)
            if el is not None and (el.text or "").strip():
                published = el.text.strip()
                break
        if link:
            entries.append((link, published))
    return entries


def entry_link(item: lxml.etree._Element) -> str | None:
    """The page a feed item points to."""
    for el in item.iter("{*}link"):
        if el.get("rel") not in (None, "alternate"):
            continue
        link = (el.text or "").strip() or (el.get("href") or "").strip()
        if link:
            return link
    guid = next(item.iter("{*}guid", "{*}id"), None)
    text = (guid.text or "").strip() if guid is not None else ""
    return text if text.startswith(("http://", "https://")) and guid.get("isPermaLink") != "false" else None


class NewsSpider(scrapy.Spider):
    """Base of the outlet spiders.

    Arguments (``-a name=value``):
      edition   comma-separated editions to crawl (default: all the outlet has)
      since     backfill: walk the outlet's date-ranged listings back to this day (YYYY-MM-DD)
      until     last day of a backfill (default: today)
      url       comma-separated article URLs: fetch just these pages
    Without ``since`` a crawl is incremental: it collects what is new since the last crawl and
    does not fetch articles the archive already holds.

    What outlets build on: ``claim`` (take an article for this crawl unless it has it or the
    archive does), ``article_request`` (claim, then request the page), ``follow_entries`` (the
    listed articles in range), ``keep_paging`` (whether a listing walk goes on), ``skip`` (a
    counted skip of a page) and the hooks ``discovery_requests``, ``url_requests``,
    ``web_page_request``, ``published_in_url`` and ``article_from_fields``.
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
        #: keys of the articles this crawl claimed, or found archived, so far
        self._requested: set[str] = set()
        #: keys of listed articles that were archived before this crawl (skipped)
        self._archived_before: set[str] = set()
        #: per listing: keys of the articles on its pages walked so far
        self._listed: dict[str, set[str]] = {}
        self._watermarks: dict[str, datetime | None] = {}
        #: per edition: the newest publication time listed in this crawl (the next watermark) ...
        self.newest_seen: dict[str, datetime] = {}
        #: ... unless an article listed at or after this time could not be fetched ...
        self.oldest_failed: dict[str, datetime] = {}
        #: ... or a listing walk stopped at the page cap before reaching what the last crawl saw
        self.walks_cut: set[str] = set()
        #: keys of the warnings logged so far (``warn_once``)
        self._warned: set[str] = set()

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
        """The newest publication time the previous crawls of an edition got through to (read once
        per crawl: this crawl's progress is stored only when it closes)."""
        if edition not in self._watermarks:
            value = self.archive.index.get_state(self.state_key, f"newest/{edition}")
            self._watermarks[edition] = datetime.fromisoformat(value) if value else None
        return self._watermarks[edition]

    def in_range(self, published: datetime | date | None) -> bool:
        """Whether a listed article's date lies in the crawl's range (unknown dates do)."""
        if published is None:
            return True
        day = published.astimezone(self.zone).date() if isinstance(published, datetime) else published
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)

    def before_since(self, published: datetime | date | None) -> bool:
        """Whether a listed article's date lies before the first day of a backfill."""
        if published is None or self.since is None:
            return False
        day = published.astimezone(self.zone).date() if isinstance(published, datetime) else published
        return day < self.since

    def is_old(self, published: datetime | date | None, edition: str) -> bool:
        """Whether a listed article predates what the last incremental crawl already saw (by more
        than an hour, for articles published late with an earlier time)."""
        mark = self.watermark(edition)
        if published is None or mark is None or not isinstance(published, datetime):
            return False
        return published < mark - timedelta(hours=1)

    # -- walking listings
    def keep_paging(self, entries: Entries, edition: str, page: int, listing: str | None = None) -> bool:
        """Whether to walk on from page ``page`` of a listing sorted newest first (a web listing,
        numbered pages, an API's list), given its entries as ``(link, date)`` pairs or
        :class:`Listed` (call it after following them). ``listing`` names the listing when an
        edition has several (default: the edition's one).

        Every walk ends at an empty page and at a page that repeats an earlier page of the same
        listing (sites answer past their last page so, or ignore the paging parameter; counted
        ``newscrawl/listings/repeated_pages``). A backfill walks on until a page reaches back past
        ``since``. An incremental crawl stops at a page whose articles were all archived before this
        crawl, or all listed older than the watermark; and at ``INCREMENTAL_MAX_PAGES``, which is
        logged and counted, and keeps the watermark where it was (a first crawl, which has no
        watermark, just ends there). Both stop at their page cap (counted
        ``newscrawl/listings/page_cap_reached``). Only the entries that steer decide, all of them
        when none does.
        """
        if not entries:
            return False
        listed = [Listed(*entry) for entry in entries]
        name = listing or edition
        if self.repeats_earlier_page(listed, name):
            self.crawler.stats.inc_value("newscrawl/listings/repeated_pages")
            logger.warning("%s %s: listing page %d repeats earlier pages (paging ignored, or past the end): the "
                           "listing ends there", self.name, name, page)
            return False
        steering = [e for e in listed if e.steers] or listed
        if self.backfill:
            if page >= self.max_backfill_pages:
                self._page_cap(edition, page, "BACKFILL_MAX_PAGES", f"before reaching {self.since}")
                return False
            return not any(self.before_since(e.published) for e in steering)
        if all(self.archived_before(e.url) for e in steering):
            logger.info("%s %s: every article of listing page %d was archived before: the walk ends there",
                        self.name, name, page)
            return False
        dates = [e.published for e in steering if e.published is not None]
        if dates and all(self.is_old(d, edition) for d in dates):
            return False
        if page >= self.max_incremental_pages:
            if self.watermark(edition) is None:  # a first crawl: older articles are a backfill's job
                logger.info("%s %s: first crawl, walked %d listing pages (INCREMENTAL_MAX_PAGES); older"
                            " articles come with -a since=YYYY-MM-DD", self.name, edition, page)
            else:
                self._page_cap(edition, page, "INCREMENTAL_MAX_PAGES", "before reaching the last crawl's articles")
                self.walks_cut.add(edition)
            return False
        return True

    def repeats_earlier_page(self, entries: Entries, listing: str) -> bool:
        """Whether every entry of a listing page was on an earlier page of that listing in this
        crawl (a site answering past its last page with a page already seen); remembers them."""
        listed = self._listed.setdefault(listing, set())
        keys = [article_keys(clean_url(entry[0])) for entry in entries]
        repeated = all(k & listed for k in keys)
        for k in keys:
            listed |= k
        return repeated

    def _page_cap(self, edition: str, page: int, setting: str, goal: str) -> None:
        self.crawler.stats.inc_value("newscrawl/listings/page_cap_reached")
        logger.warning("%s %s: stopped at listing page %d (%s) %s; a backfill with -a since=YYYY-MM-DD"
                       " fills the gap", self.name, edition, page, setting, goal)

    # -- requests
    async def start(self) -> AsyncIterator[Any]:
        if self.urls:
            for url in self.urls:
                for request in self.url_requests(url):
                    yield request
            return
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> Iterable[Request]:
        """The first feed and listing requests of a crawl (each outlet defines them)."""
        raise NotImplementedError

    def url_requests(self, url: str) -> Iterable[Request]:
        """Requests for an article URL given with ``-a url=``: its page (outlets with an API may
        ask the API first)."""
        yield self.article_request(url, self.outlet.edition_of(url), explicit=True)

    def claim(self, url: str, *, explicit: bool = False) -> bool:
        """Take the article at ``url`` for this crawl: False when this crawl already took it or
        (unless ``explicit``) the archive holds it, which is counted
        (``newscrawl/skipped/already_archived``) and remembered (``archived_before``)."""
        keys = article_keys(clean_url(url))
        if not explicit:
            if keys & self._requested:
                return False
            if self.archive.index.find_url(keys) is not None:
                self.crawler.stats.inc_value("newscrawl/skipped/already_archived")
                self._requested |= keys
                self._archived_before |= keys
                return False
        self._requested |= keys
        return True

    def article_request(self, url: str, edition: str | None, *, explicit: bool = False,
                        listed: datetime | None = None) -> Request | None:
        """A request for an article page, or None when the archive or this crawl already has it
        (see ``claim``). ``listed`` is the time a listing gave it (a date fallback, and what holds
        the watermark when the page cannot be fetched)."""
        url = clean_url(url)
        if not self.claim(url, explicit=explicit):
            return None
        return self.article_page_request(url, edition, dont_filter=explicit, listed=listed)

    def article_page_request(self, url: str, edition: str | None, *, dont_filter: bool = False,
                             listed: datetime | None = None, meta: dict[str, Any] | None = None) -> Request:
        """The request for the page of an article this crawl claimed (counted
        ``newscrawl/article_requests``), read by ``parse_article``."""
        self.crawler.stats.inc_value("newscrawl/article_requests")
        return self.web_page_request(url, callback=self.parse_article, errback=self.article_failed,
                                     dont_filter=dont_filter,
                                     cb_kwargs={"edition": edition or self.outlet.edition_of(url)},
                                     meta={"newscrawl_article": True, "newscrawl_listed": listed, **(meta or {})})

    def web_page_request(self, url: str, **kwargs: Any) -> Request:
        """A request for one of the outlet's web pages (``kwargs`` are those of ``scrapy.Request``);
        spiders whose pages need a JavaScript renderer override it."""
        return Request(url, **kwargs)

    def known(self, url: str) -> bool:
        """Whether the archive or this crawl already has the article at ``url``. (Not a reason to
        stop paging: articles this crawl just requested are known too; see ``archived_before``.)"""
        keys = article_keys(clean_url(url))
        return bool(keys & self._requested) or self.archive.index.find_url(keys) is not None

    def archived_before(self, url: str) -> bool:
        """Whether the article at ``url`` was in the archive before this crawl came across it."""
        keys = article_keys(clean_url(url))
        if keys & self._archived_before:
            return True
        return not keys & self._requested and self.archive.index.find_url(keys) is not None

    def article_failed(self, failure: Failure) -> None:
        """Count and log an article that could not be fetched (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        kind = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value("newscrawl/failed/articles")
        self.crawler.stats.inc_value(f"newscrawl/failed/{kind}")
        logger.warning("article not fetched: %s (%s)", request.url, reason)
        if response is None or response.status >= 500 or response.status in (408, 429):  # may work next time
            self.note_failed(request.cb_kwargs.get("edition"), request.meta.get("newscrawl_listed"))

    def listing_failed(self, failure: Failure) -> None:
        """Count and log a feed or listing page that could not be fetched."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.crawler.stats.inc_value("newscrawl/failed/listings")
        logger.warning("listing not fetched: %s (%s)", request.url, reason)

    # -- articles
    def skip(self, response: Response, why: str) -> None:
        """Count (``newscrawl/skipped/<why>``) and log a page that gives no article."""
        self.crawler.stats.inc_value("newscrawl/skipped")
        self.crawler.stats.inc_value(f"newscrawl/skipped/{why}")
        logger.info("skipped %s: %s", response.url, why.replace("_", " "))

    def warn_once(self, key: str, message: str, *args: Any) -> None:
        """Log a warning the first time, at INFO level after that."""
        level = logging.INFO if key in self._warned else logging.WARNING
        self._warned.add(key)
        logger.log(level, message, *args)

    async def parse_article(self, response: Response, edition: str | None = None) -> AsyncIterator[Article]:
        """Extract the article of a page and yield it for the pipelines."""
        if not isinstance(response, TextResponse):
            self.skip(response, "not_html")
            return
        if not response.body.strip():
            self.skip(response, "empty_page")
            return
        if looks_binary(response.text):
            self.skip(response, "binary_page")
            return
        edition = edition or self.outlet.edition_of(response.url)
        fields = await self.extractor.parse(response.text, response.url, self.outlet.name,
                                            self.outlet.language_of(edition))
        if fields is None:
            self.skip(response, "extraction_failed")
            return
        if not fields:
            self.skip(response, "unparsable_page")
            return
        if len(fields["body"]) < MIN_BODY_CHARS or not fields.get("title") or self.is_listing(response, fields):
            self.skip(response, "not_an_article")
            return
        article = self.article_from_fields(response, edition, fields)
        article.aliases = [u for u in response.meta.get("redirect_urls", ()) if u != article.url]
        yield article

    def is_listing(self, response: TextResponse, fields: dict[str, Any]) -> bool:
        """Whether a page that matched no article layout is a listing of links (a category page
        served at an article's address, say) rather than an article."""
        return not fields.get("layout") and fields.get("link_share", 0.0) > MAX_LINK_TEXT_SHARE

    def article_from_fields(self, response: Response, edition: str | None, fields: dict[str, Any]) -> Article:
        """The item for an extracted page (outlets may amend the fields first). Pages in no
        documented layout are logged and counted (``newscrawl/layout/fallback``); a body that starts
        with the title loses that line; a page that states no publication time in its markup or
        JSON-LD gets one from ``fallback_published``, which comes before date-like texts found
        elsewhere on the page (the date pipeline uses those last)."""
        if fields.get("layout") is None and self.outlet.layouts:
            self.crawler.stats.inc_value("newscrawl/layout/fallback")
            self.warn_once("article-layout", "%s: no documented %s page layout matched; fields taken from "
                           "JSON-LD, meta tags and trafilatura", response.url, self.outlet.name)
        body = fields.get("body") or ""
        first, _, rest = body.partition("\n")
        if rest and fields.get("title") and squash(first) == squash(fields["title"]):
            fields = {**fields, "body": rest}  # the page's heading, taken into the text by trafilatura
        article = build_article(fields, response.url, self.outlet, edition)
        # date-like texts found anywhere on the page (sidebars, related news) come after the fallbacks
        visible = [] if fields.get("sources", {}).get("date") == "date-like" else article.visible_dates
        published, _ = resolve_published(article.date_candidates, self.zone, visible)
        if published is None:
            found = self.fallback_published(response)
            if found is not None:
                article.published, article.published_source = found
        return article

    def fallback_published(self, response: Response) -> tuple[datetime, str] | None:
        """A publication time for a page that states none, and where it comes from: the time in
        the page's URL (``"url"``: after redirects, else before), else the time a listing gave
        the article (``"listing"``)."""
        for url in (response.url, *reversed(response.meta.get("redirect_urls", []))):
            when = self.published_in_url(url)
            if when is not None:
                return when, "url"
        listed = response.meta.get("newscrawl_listed")
        return (listed.astimezone(self.zone), "listing") if isinstance(listed, datetime) else None

    def published_in_url(self, url: str) -> datetime | None:
        """The publication time an article URL carries; outlets whose URLs carry one say how to read it."""
        return None

    # -- listings
    def card_date(self, text: str | None) -> datetime | None:
        """The date a listing card or feed entry shows, in the outlet's zone."""
        if not text:
            return None
        return parse_machine_date(text, self.zone) or parse_visible_date(text, self.zone)

    def feed_articles(self, response: Response, is_article: Callable[[str], bool] | None = None,
                      date_of: Callable[[str], datetime | None] | None = None) -> list[tuple[str, datetime | None]]:
        """The dated article entries of an RSS or Atom feed (counted ``newscrawl/listings/feeds``;
        a response that is no feed is logged and counted ``newscrawl/listings/not_a_feed``).
        ``is_article`` keeps links that are articles, ``date_of`` dates an entry the feed leaves
        undated (e.g. from its URL). Entries older than the watermark are kept: ``claim`` skips
        what the archive holds, and an article that failed before is tried again."""
        entries = feed_entries(response.body)
        if not entries:
            self.crawler.stats.inc_value("newscrawl/listings/not_a_feed")
            logger.warning("%s: no feed entries at %s", self.name, response.url)
            return []
        self.crawler.stats.inc_value("newscrawl/listings/feeds")
        found = []
        for link, when in entries:
            link = urljoin(response.url, link)
            if is_article is None or is_article(link):
                found.append((link, self.card_date(when) or (date_of(link) if date_of else None)))
        return found

    def follow_entries(self, entries: Iterable[tuple[str, datetime | date | None]] | Iterable[Listed],
                       base_url: str, edition: str) -> Iterator[Request]:
        """Article requests for listed entries in the crawl's range (an entry's date may be a day)."""
        for link, published, *_ in entries:
            self.note_published(edition, published)
            if not self.in_range(published):
                continue
            listed = published if isinstance(published, datetime) else None
            request = self.article_request(urljoin(base_url, link), edition, listed=listed)
            if request is not None:
                yield request

    def note_published(self, edition: str | None, published: datetime | date | None) -> None:
        """Track the newest publication time seen, the next incremental crawl's watermark (a time
        more than a day ahead is a listing's error, and ignored)."""
        if edition and isinstance(published, datetime) and published < datetime.now(self.zone) + timedelta(days=1):
            current = self.newest_seen.get(edition)
            if current is None or published > current:
                self.newest_seen[edition] = published

    def note_failed(self, edition: str | None, listed: datetime | None) -> None:
        """Keep the watermark below an article that could not be fetched, so the next crawl retries it."""
        if edition and isinstance(listed, datetime):
            current = self.oldest_failed.get(edition)
            if current is None or listed < current:
                self.oldest_failed[edition] = listed

    def next_watermark(self, edition: str) -> datetime | None:
        """What this crawl leaves as an edition's watermark; None: leave it as it is."""
        newest = self.newest_seen.get(edition)
        if newest is None or edition in self.walks_cut:
            return None
        if self.backfill:  # a backfill moves it only when it covered everything since the watermark
            mark = self.watermark(edition)
            if self.until is not None or (mark is not None and self.since > mark.astimezone(self.zone).date()):
                return None
        if edition in self.oldest_failed:
            newest = min(newest, self.oldest_failed[edition] - timedelta(seconds=1))
        mark = self.watermark(edition)
        return newest if mark is None or newest > mark else None

    def _remember_progress(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self or self.urls or reason != "finished":
            return
        for edition in self.newest_seen:
            newest = self.next_watermark(edition)
            if newest is not None:
                self.archive.index.set_state(self.state_key, f"newest/{edition}", newest.isoformat())
