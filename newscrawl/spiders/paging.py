"""Numbered listing pages (``…/page-N``, ``?page=N``, ``?PAGEN_1=N``), newest first: walking them for
incremental crawls and backfills, and a binary search over page numbers that finds where a
backfill's range begins without walking every newer page.

``PagedListingSpider`` is the one listing walker of every spider that walks web listings; the walk
rule itself (how far a walk goes) is ``ListingWalk.step``, through ``NewsSpider.keep_paging``. An
outlet's spider says how to build the URL of page N (``listing_url``) and how to read the entries of
a page (``card_entries``, with ``link_entries`` as the fallback when the documented card markup is
not found); listings whose pages say where they end override ``next_listing_url`` or ``past_the_end``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.outlets.base import Listed
from newscrawl.spiders.base import NewsSpider


@dataclass
class PageSearch:
    """Binary search over a newest-first listing for the first page reaching back to ``target``.

    Probes pages 1, 2, 4, 8, … until a page's oldest card is on or before ``target`` (or the page
    is empty, missing or undated: the search then errs towards earlier pages), then bisects. The
    walk starts at ``start_page``.
    """

    target: date
    limit: int
    #: highest page seen to be wholly newer than ``target``
    lo: int = 0
    #: lowest page seen to reach ``target`` (or to lie past the end)
    hi: int | None = None
    probes: int = 0

    def next_probe(self) -> int | None:
        """The page to look at next, or None when the search is over."""
        if self.hi is None:
            page = max(1, self.lo * 2)
            if page <= self.limit:
                return page
            self.hi = self.limit + 1
        return (self.lo + self.hi) // 2 if self.hi - self.lo > 1 else None

    def observe(self, page: int, oldest: date | None) -> None:
        """Record a probed page's oldest card day (None: the page is empty, missing or undated)."""
        self.probes += 1
        if oldest is not None and oldest > self.target:
            self.lo = max(self.lo, page)
        else:
            self.hi = page if self.hi is None else min(self.hi, page)

    @property
    def start_page(self) -> int:
        """Where the walk starts: the last page wholly newer than the range, one page of margin for
        articles published while the crawl runs."""
        return max(1, self.lo)


class PagedListingSpider(NewsSpider):
    """A spider whose articles are listed on numbered pages, newest first.

    Walks go from page 1 (or where a page search put them) as far as ``keep_paging`` says:
    incremental crawls until a page holds only articles archived before or only ones older than the
    last crawl's newest (at most ``INCREMENTAL_MAX_PAGES``), backfills until the cards are older than
    ``since``; with ``until`` in the past they first binary-search the page where the range begins.
    Pages that repeat earlier ones (a paging parameter the site ignores, or clamps past the end) stop
    the walk, logged and counted; so does a missing page after the first. Featured cards
    (``Listed.steers`` False) are followed but do not steer. A page read through the ``link_entries``
    fallback walks on only when ``walk_fallback_pages`` (its links may be anything).
    """

    #: whether a walk goes on from a page whose entries came from the link fallback
    walk_fallback_pages: bool = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        #: per listing: the entries of its page 1 as a page search saw them
        self._first_pages: dict[str, tuple[str, ...]] = {}

    # -- what each outlet defines
    def listing_url(self, listing: str, page: int) -> str:
        """The URL of page ``page`` (from 1) of a listing."""
        raise NotImplementedError

    def card_entries(self, response: TextResponse) -> list[Listed]:
        """The entries of a listing page read through its documented card markup."""
        raise NotImplementedError

    def link_entries(self, response: TextResponse) -> list[Listed]:
        """Fallback: the entries of a page whose cards are not found (any article link)."""
        return []

    def next_listing_url(self, response: TextResponse, listing: str, page: int) -> str | None:
        """The URL of the page after ``page``; None when the page shows it is the last."""
        return self.listing_url(listing, page + 1)

    def past_the_end(self, response: TextResponse, page: int) -> bool:
        """Whether a page lies past the listing's end although it has entries (a site that answers
        a page number past its last page with another page)."""
        return False

    # -- reading pages
    def listing_entries(self, response: Response) -> tuple[list[Listed], bool]:
        """The entries of a listing page: its cards, else every article link (logged and counted);
        and whether they came from the fallback."""
        if not isinstance(response, TextResponse):
            return [], False
        entries = self.card_entries(response)
        if entries:
            return entries, False
        entries = self.link_entries(response)
        if entries:
            self.crawler.stats.inc_value("newscrawl/listings/layout_fallback")
            self.warn_once("listing-layout", "listing %s: no cards in the documented markup; "
                           "took %d article links from the page instead", response.url, len(entries))
        return entries, bool(entries)

    # -- walking
    def listing_start(self, listing: str, edition: str) -> Request:
        """The first request of a listing: a page search when a backfill ends before today, else page 1."""
        if self.backfill and self.until is not None and self.until < datetime.now(self.zone).date():
            request = self.probe_request(listing, edition, PageSearch(self.until, self.walk.max_backfill_pages))
            if request is not None:
                return request
        return self.listing_request(listing, edition, 1)

    def listing_request(self, listing: str, edition: str, page: int, url: str | None = None) -> Request:
        """A request for one page of a listing walk."""
        return Request(url or self.listing_url(listing, page), callback=self.parse_listing,
                       errback=self.listing_page_failed, dont_filter=True,
                       cb_kwargs={"listing": listing, "edition": edition, "page": page})

    def parse_listing(self, response: Response, listing: str, edition: str, page: int) -> Iterator[Request]:
        """Follow the entries of a listing page and decide whether to walk on."""
        self.crawler.stats.inc_value("newscrawl/listings/pages")
        entries, fallback = self.listing_entries(response)
        if entries and isinstance(response, TextResponse) and self.past_the_end(response, page):
            entries = []
        if not entries:
            if page == 1:
                self.crawler.stats.inc_value("newscrawl/listings/no_entries")
                self.logger.warning("listing %s: no article links on its first page %s", listing, response.url)
            else:
                self.logger.info("listing %s ends at page %d", listing, page - 1)
            return
        yield from self.follow_entries(entries, response.url, edition)
        if fallback and not self.walk_fallback_pages:
            self.logger.warning("listing %s: links of a page in unknown markup may be anything: the walk ends at "
                                "%s", listing, response.url)
            return
        if self.keep_paging(entries, edition, page, listing):
            url = self.next_listing_url(response, listing, page)  # type: ignore[arg-type]
            if url is None:
                self.logger.info("listing %s ends at page %d (no link to a next page)", listing, page)
            else:
                yield self.listing_request(listing, edition, page + 1, url)

    def listing_page_failed(self, failure: Failure) -> None:
        """A listing page that could not be fetched: past the end (404 after page 1), or a failure."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        page = request.cb_kwargs.get("page", 1)
        if response is not None and response.status == 404 and page > 1:
            self.logger.info("listing %s ends at page %d (page %d is missing)", request.cb_kwargs.get("listing"),
                             page - 1, page)
            return
        self.listing_failed(failure)

    # -- searching
    def probe_request(self, listing: str, edition: str, search: PageSearch) -> Request | None:
        """The next probe of a page search; when the search is over, the walk's first page."""
        page = search.next_probe()
        if page is None:
            self.logger.info("listing %s: the backfill range begins near page %d (%d pages probed)", listing,
                             search.start_page, search.probes)
            return self.listing_request(listing, edition, search.start_page)
        return Request(self.listing_url(listing, page), callback=self.parse_probe, errback=self.probe_failed,
                       dont_filter=True, cb_kwargs={"listing": listing, "edition": edition, "page": page,
                                                    "search": search})

    def parse_probe(self, response: Response, listing: str, edition: str, page: int,
                    search: PageSearch) -> Iterator[Request]:
        """Narrow the search with a probed page's oldest card."""
        self.crawler.stats.inc_value("newscrawl/listings/probes")
        entries, _ = self.listing_entries(response)
        signature = tuple(e.url for e in entries)
        if page == 1:
            self._first_pages[listing] = signature
        elif signature and signature == self._first_pages.get(listing):
            self.crawler.stats.inc_value("newscrawl/listings/paging_ignored")
            self.logger.warning("listing %s: page %d is the same as page 1, so the paging parameter seems "
                                "ignored; walking from page 1", listing, page)
            yield self.listing_request(listing, edition, 1)
            return
        dates = [e.published for e in entries if e.steers and e.published is not None]
        search.observe(page, min(dates).astimezone(self.zone).date() if dates else None)
        request = self.probe_request(listing, edition, search)
        if request is not None:
            yield request

    def probe_failed(self, failure: Failure) -> Iterator[Request]:
        """A probe that failed counts as a page past the end; the search goes on."""
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("newscrawl/listings/probes_failed")
        self.logger.info("probe of page %d of listing %s failed (%s)", kwargs["page"], kwargs["listing"],
                         failure.getErrorMessage())
        kwargs["search"].observe(kwargs["page"], None)
        request = self.probe_request(kwargs["listing"], kwargs["edition"], kwargs["search"])
        if request is not None:
            yield request
