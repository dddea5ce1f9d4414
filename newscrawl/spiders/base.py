"""What every outlet spider shares: its arguments, claiming and requesting articles, counting what
failed, walking listings by the one rule (``newscrawl.spiders.walk``) and reading article pages through
the one reader (``newscrawl.reading``) with extraction in worker processes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.archive import Archive
from newscrawl.archive.index import ArchiveIndex
from newscrawl.archive.topics import resolve_topic
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.extensions.drift import DriftArchive
from newscrawl.extract.dates import parse_machine_date, parse_visible_date
from newscrawl.extract.feeds import feed_entries
from newscrawl.extract.fields import PageFields
from newscrawl.items import Article
from newscrawl.outlets import Listed, Outlet, article_keys
from newscrawl.reading import FetchedPage, PageReader, Skip
from newscrawl.spiders.arguments import COMMON_ARGUMENTS, CrawlArguments, SpiderArgumentError, check_names
from newscrawl.spiders.discovery import RouteLog, StandardDiscovery
from newscrawl.spiders.walk import Entry, ListingWalk
from newscrawl.spiders.workers import Extractor
from newscrawl.stats import never_answered
from newscrawl.urls import clean_url, host_of

logger = logging.getLogger(__name__)

__all__ = ["Listed", "NewsSpider", "SpiderArgumentError"]

#: what the log says when a listing walk ends, by the reason the walk gives (None: said elsewhere or nothing)
WALK_ENDS = {
    "archived_before": "%s %s: every article of listing page %d was archived before: the walk ends there",
    "first_crawl_cap": "%s %s: first crawl, walked %d listing pages (INCREMENTAL_MAX_PAGES); older articles come "
                       "with -a since=YYYY-MM-DD",
}


#: the ``parse`` contract of an outlet spider: one article with its main fields, no further request
PARSE_CONTRACT = """An article page (``scrapy parse --spider {spider} URL``); ``scrapy check`` reads a saved one.

@url {url}
@returns items 1 1
@returns requests 0 0
@scrapes url outlet edition title body published language
"""


class NewsSpider(StandardDiscovery, scrapy.Spider):
    """Base of the outlet spiders.

    Arguments (``-a name=value``):
      edition   comma-separated editions to crawl (default: all the outlet has)
      since     backfill: walk the outlet's date-ranged listings back to this day (YYYY-MM-DD)
      until     last day of a backfill (default: today)
      url       comma-separated article URLs: fetch just these pages
    Without ``since`` a crawl is incremental: it collects what is new since the last crawl and
    does not fetch articles the archive already holds.

    What outlet spiders build on: ``claim`` (take an article for this crawl unless it has it or the
    archive does), ``article_request`` (claim, then request the page), ``follow_entries`` (the listed
    articles in range), ``keep_paging`` (whether a listing walk goes on), ``feed_articles`` (a feed's
    entries) and the hooks ``discovery_requests``, ``url_requests`` and ``web_page_request``. Behind an
    outlet's own routes stand the standard ones (``newscrawl.spiders.discovery``): an edition whose own
    routes give no article falls back to them once the crawl runs out of requests.
    """

    outlet: ClassVar[Outlet]
    custom_settings: ClassVar[dict[str, Any]] = {}
    #: articles a crawl claims per edition at most (``MAX_ARTICLES_PER_EDITION``; 0: no limit)
    max_articles_per_edition: int = 0
    #: the query of the crawl's topic (``ARCHIVE_TOPIC``): articles an earlier crawl found off it are
    #: not fetched again; None without a topic
    topic_query: str | None = None
    #: an article URL whose saved page ``scrapy check`` reads (see ``__init_subclass__``)
    contract_url: ClassVar[str | None] = None
    #: the spider's arguments and what each takes (spiders with arguments of their own add to them)
    spider_arguments: ClassVar[dict[str, str]] = COMMON_ARGUMENTS

    def __init__(self, *args: Any, edition: str | None = None, since: str | None = None,
                 until: str | None = None, url: str | None = None, **kwargs: Any):
        check_names(kwargs, self.spider_arguments, self.name)
        super().__init__(*args, **kwargs)
        self.arguments = CrawlArguments.parse(self.outlet, self.name, edition=edition, since=since, until=until,
                                              url=url)
        for note in self.arguments.notes:
            logger.warning("%s: %s", self.name, note)
        self.editions: list[str] = self.arguments.editions
        self.since, self.until, self.urls = self.arguments.since, self.arguments.until, self.arguments.urls
        self.zone = ZoneInfo(self.outlet.timezone)
        #: keys of the articles this crawl claimed, or found archived, so far
        self._requested: set[str] = set()
        #: keys of listed articles that were archived before this crawl (skipped)
        self._archived_before: set[str] = set()
        #: keys of the warnings logged so far (``warn_once``)
        self._warned: set[str] = set()
        self.walk = ListingWalk(self.zone, self.since, self.until, stored_watermark=self._stored_watermark,
                                archived_before=self.archived_before, keys_of=lambda u: article_keys(clean_url(u)))
        self._reader: PageReader | None = None
        #: the discovery routes read so far, and what they gave
        self.routes = RouteLog()
        #: editions for which some route listed an article (any: claimed, archived or out of range)
        self._found: set[str | None] = set()
        #: editions whose standard routes were requested
        self._standard_asked: set[str | None] = set()
        #: articles claimed per edition (``MAX_ARTICLES_PER_EDITION``)
        self._claimed: dict[str | None, int] = {}
        #: undated sitemap and feed entries a first crawl took per edition (``DISCOVERY_FIRST_CRAWL_UNDATED``)
        self._undated_taken: dict[str | None, int] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.walk.max_incremental_pages = crawler.settings.getint("INCREMENTAL_MAX_PAGES")
        spider.walk.max_backfill_pages = crawler.settings.getint("BACKFILL_MAX_PAGES")
        crawler.signals.connect(spider._remember_progress, signal=scrapy.signals.spider_closed)
        crawler.signals.connect(spider._fall_back_when_idle, signal=scrapy.signals.spider_idle)
        spider.max_articles_per_edition = crawler.settings.getint("MAX_ARTICLES_PER_EDITION")
        topic = resolve_topic(crawler.settings.get("ARCHIVE_TOPIC"), crawler.settings.get("ARCHIVE_TOPICS_FILE"))
        spider.topic_query = topic.query if topic else None
        return spider

    # -- the crawl's shared components (extensions, built after the spider)
    @property
    def archive(self) -> Archive:
        """The crawl's archive (the ``CrawlArchive`` extension's)."""
        return CrawlArchive.of(self.crawler).archive

    @property
    def index(self) -> ArchiveIndex:
        """The index the "already archived" checks and watermarks read (the ``CrawlArchive``
        extension's: the archive's, or on a node of a distributed crawl what the archiver publishes)."""
        return CrawlArchive.of(self.crawler).index

    @property
    def extractor(self) -> Extractor:
        """The crawl's pool of extraction workers."""
        return Extractor.of(self.crawler)

    @property
    def reader(self) -> PageReader:
        """The reader of the outlet's pages; what it notices is counted in the crawl's stats."""
        if self._reader is None:
            self._reader = PageReader(self.outlet, self._count)
        return self._reader

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"newscrawl/{key}")

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

    def _stored_watermark(self, edition: str) -> datetime | None:
        value = self.index.get_state(self.state_key, f"newest/{edition}")
        return datetime.fromisoformat(value) if value else None

    # -- walking listings
    def keep_paging(self, entries: Sequence[Entry], edition: str, page: int, listing: str | None = None) -> bool:
        """Whether to walk on from page ``page`` of a listing sorted newest first, given its entries
        (call it after following them); see :meth:`ListingWalk.step`. Why a walk ends is logged, and
        counted where it is worth watching (``newscrawl/listings/repeated_pages``,
        ``newscrawl/listings/page_cap_reached``)."""
        step = self.walk.step(entries, edition, page, listing)
        name = listing or edition
        if step.reason == "repeated":
            self.crawler.stats.inc_value("newscrawl/listings/repeated_pages")
            logger.warning("%s %s: listing page %d repeats earlier pages (paging ignored, or past the end): the "
                           "listing ends there", self.name, name, page)
        elif step.reason == "backfill_cap":
            self._page_cap(edition, page, "BACKFILL_MAX_PAGES", f"before reaching {self.since}")
        elif step.reason == "incremental_cap":
            self._page_cap(edition, page, "INCREMENTAL_MAX_PAGES", "before reaching the last crawl's articles")
        elif step.reason in WALK_ENDS:
            logger.info(WALK_ENDS[step.reason], self.name, name if step.reason != "first_crawl_cap" else edition,
                        page)
        return step.go_on

    def _page_cap(self, edition: str, page: int, setting: str, goal: str) -> None:
        self.crawler.stats.inc_value("newscrawl/listings/page_cap_reached")
        logger.warning("%s %s: stopped at listing page %d (%s) %s; a backfill with -a since=YYYY-MM-DD"
                       " fills the gap", self.name, edition, page, setting, goal)

    def follow_entries(self, entries: Iterable[Entry], base_url: str, edition: str) -> Iterator[Request]:
        """Article requests for listed entries in the crawl's range (an entry's date may be a day)."""
        entries = list(entries)
        self.routes.note(base_url, entries, edition=edition)
        if entries:
            self.found_articles(edition)
        for link, published, *_ in entries:
            self.walk.note_published(edition, published)
            if not self.walk.in_range(published):
                continue
            listed = published if isinstance(published, datetime) else None
            request = self.article_request(urljoin(base_url, link), edition, listed=listed)
            if request is not None:
                yield request

    # -- requests
    async def start(self) -> AsyncIterator[Any]:
        if self.urls:
            for url in self.urls:
                for request in self.url_requests(url):
                    yield request
            return
        for request in self.discovery_requests():
            yield request
        if self.standard_fallback and self.crawler.settings.get("DISCOVERY_STANDARD_ROUTES") == "always":
            self._standard_asked.update(self.editions)
            for request in self.standard_requests(self.editions):
                yield request

    # -- the standard routes behind the outlet's own
    def found_articles(self, edition: str | None) -> None:
        """Note that a route listed articles of an edition (its own routes work)."""
        self._found.add(edition)

    def _fall_back_when_idle(self, spider: scrapy.Spider) -> None:
        """When the crawl runs out of requests: the standard routes of each edition whose routes listed
        no article (logged once, counted ``newscrawl/discovery/fallback``)."""
        if spider is not self or self.urls or not self.standard_fallback:
            return
        if self.crawler.settings.get("DISCOVERY_STANDARD_ROUTES") == "never":
            return
        editions = [e for e in self.editions if e not in self._found and e not in self._standard_asked]
        if not editions:
            return
        self._standard_asked.update(editions)
        self.crawler.stats.inc_value("newscrawl/discovery/fallback", len(editions))
        logger.warning("%s %s: its own routes gave no article; trying the standard routes (robots.txt, sitemaps, "
                       "the home page's feeds)", self.name, ", ".join(editions))
        for request in self.standard_requests(editions):
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

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
        (``newscrawl/skipped/already_archived``) and remembered (``archived_before``), or an earlier crawl
        found it off this crawl's topic (``newscrawl/skipped/off_topic_before``, remembered likewise)."""
        keys = article_keys(clean_url(url))
        if not explicit:
            if keys & self._requested:
                return False
            if self.index.find_url(keys) is not None:
                self.crawler.stats.inc_value("newscrawl/skipped/already_archived")
                self._requested |= keys
                self._archived_before |= keys
                return False
            if self.topic_query and self.index.is_off_topic(keys, self.topic_query):
                self.crawler.stats.inc_value("newscrawl/skipped/off_topic_before")
                self._requested |= keys
                self._archived_before |= keys
                return False
            edition = self.outlet.edition_of(url)
            if self.max_articles_per_edition and self._claimed.get(edition, 0) >= self.max_articles_per_edition:
                return False
            self._claimed[edition] = self._claimed.get(edition, 0) + 1
        self._requested |= keys
        return True

    def article_request(self, url: str, edition: str | None, *, explicit: bool = False,
                        listed: datetime | None = None) -> Request | None:
        """A request for an article page, or None when the archive or this crawl already has it
        (see ``claim``; with ``MAX_ARTICLES_PER_EDITION`` set, also past that many). ``listed`` is the
        time a listing gave it (a date fallback, and what holds
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
        return bool(keys & self._requested) or self.index.find_url(keys) is not None

    def archived_before(self, url: str) -> bool:
        """Whether the article at ``url`` was in the archive before this crawl came across it."""
        keys = article_keys(clean_url(url))
        if keys & self._archived_before:
            return True
        return not keys & self._requested and self.index.find_url(keys) is not None

    # -- failures
    def article_failed(self, failure: Failure) -> None:
        """Count and log an article that could not be fetched (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        kind = f"http_{response.status}" if response is not None else type(failure.value).__name__
        self.crawler.stats.inc_value("newscrawl/failed/articles")
        self.crawler.stats.inc_value(f"newscrawl/failed/{kind}")
        logger.log(self._failure_level(request.url), "article not fetched: %s (%s)", request.url, reason)
        if response is None or response.status >= 500 or response.status in (408, 429):  # may work next time
            self.walk.note_failed(self.watermark_key(request.cb_kwargs.get("edition")),
                                  request.meta.get("newscrawl_listed"))

    def article_not_archived(self, article: Article) -> None:
        """An article the archive could not take (its write failed): it counts like one that could not
        be fetched, so the watermark stays below it and the next crawl fetches it again."""
        listed = article.listed or (article.published if isinstance(article.published, datetime) else None)
        self.walk.note_failed(self.watermark_key(article.edition), listed)

    def listing_failed(self, failure: Failure) -> None:
        """Count and log a feed or listing page that could not be fetched."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.crawler.stats.inc_value("newscrawl/failed/listings")
        logger.log(self._failure_level(request.url), "listing not fetched: %s (%s)", request.url, reason)

    def _failure_level(self, url: str) -> int:
        """WARNING, or DEBUG for a page of a host that has not answered at all (the close says it once)."""
        return logging.DEBUG if never_answered(self.crawler.stats.get_stats(), host_of(url)) else logging.WARNING

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

    def fetched_page(self, response: Response, edition: str | None) -> FetchedPage:
        """What the reader is told of a response to an article request."""
        return FetchedPage(
            url=response.url, body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            text=response.text if isinstance(response, TextResponse) else None,
            is_text=isinstance(response, TextResponse),
            redirects=tuple(response.meta.get("redirect_urls", ())), edition=edition,
            listed=response.meta.get("newscrawl_listed"),
            given_dates=tuple(response.meta.get("newscrawl_given_dates") or ()),
        )

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Article]:
        """An article page, as ``scrapy parse --spider NAME URL`` reads it: the callback of requests
        that name none (a spider with a ``contract_url`` gets one carrying its ``scrapy check`` contract)."""
        async for article in self.parse_article(response, kwargs.get("edition")):
            yield article

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A spider that names a ``contract_url`` gets a ``parse`` whose docstring is its contract (Scrapy
        reads contracts from the callback's docstring)."""
        super().__init_subclass__(**kwargs)
        url = vars(cls).get("contract_url")
        if url:
            async def parse(self: NewsSpider, response: Response, **kwargs: Any) -> AsyncIterator[Article]:
                async for article in NewsSpider.parse(self, response, **kwargs):
                    yield article

            parse.__doc__ = PARSE_CONTRACT.format(spider=cls.name, url=url)
            cls.parse = parse  # type: ignore[method-assign]

    async def parse_article(self, response: Response, edition: str | None = None) -> AsyncIterator[Article]:
        """Read the article of a page (extraction in a worker process) and yield it for the pipelines."""
        page = self.fetched_page(response, edition or self.outlet.edition_of(response.url))
        article = await self.read(page)
        if isinstance(article, Skip):
            self.skip(response, article.reason)
            if article.fetch_again:
                self.walk.note_failed(self.watermark_key(page.edition), page.listed)
            return
        yield article

    async def read(self, page: FetchedPage) -> Article | Skip:
        """The one reader, with the page's fields extracted by the crawl's worker processes."""
        html = self.reader.html(page)
        if isinstance(html, Skip):
            return html
        fields = await self.extractor.parse(html, page.url, self.reader.page_facts and self.outlet.name,
                                            self.outlet.language_of(page.edition))
        article = self.reader.article(page, fields)
        if isinstance(article, Article) and not isinstance(fields, Skip):
            self.note_layout_drift(page, fields)
        return article

    def note_layout_drift(self, page: FetchedPage, fields: PageFields) -> None:
        """An article page no layout of its outlet matched: counted (``newscrawl/drift/pages``) and, with
        ``DRIFT_DIR`` set, kept with the reason (``newscrawl.extensions.drift``)."""
        if fields.layout or self.outlet.generic or not self.outlet.layouts:
            return
        sources = ", ".join(f"{name} from {source}" for name, source in sorted(fields.sources.items()))
        reason = f"no {self.outlet.name} layout matched ({sources or 'no field found'})"
        self.warn_once("layout-drift", "%s: %s: %s", self.name, page.url, reason)
        drift = DriftArchive.of(self.crawler)
        if drift is None:
            self.crawler.stats.inc_value("newscrawl/drift/pages")
        else:
            drift.keep(self.outlet.name, page.url, page.body, page.content_type, reason)

    # -- listings
    def card_date(self, text: str | None) -> datetime | None:
        """The date a listing card or feed entry shows, in the outlet's zone."""
        if not text:
            return None
        return parse_machine_date(text, self.zone) or parse_visible_date(text, self.zone)

    def feed_articles(self, response: Response, is_article: Callable[[str], bool] | None = None,
                      date_of: Callable[[str], datetime | None] | None = None) -> list[Listed]:
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
                found.append(Listed(link, self.card_date(when) or (date_of(link) if date_of else None)))
        return found

    def _remember_progress(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self or self.urls or reason != "finished" or self.crawler.settings.getbool("CHECK"):
            return  # a check crawl moves no watermark
        for edition in self.walk.newest_seen:
            newest = self.walk.next_watermark(edition)
            if newest is not None:
                self.index.set_state(self.state_key, f"newest/{edition}", newest.isoformat())
