"""``scrapy crawl kazinform``: Kazinform's feeds, all-news listing and daily archive (facts in
``newscrawl.outlets.kazinform``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from scrapy.http import Request, Response, TextResponse

from newscrawl.outlets.base import Listed
from newscrawl.outlets.kazinform import (
    ALL_NEWS,
    DAILY_ARCHIVE,
    DAILY_ARCHIVE_UNTIL,
    FEEDS,
    OUTLET,
    SITEMAP,
    SITEMAP_EDITIONS,
    active_page_number,
    has_next_page,
    last_page_number,
    listing_cards,
    listing_links,
)
from newscrawl.spiders.paging import PagedListingSpider


class KazinformSpider(PagedListingSpider):
    """``scrapy crawl kazinform [-a edition=ru,kz,qz,en] [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Finds articles through the RSS feeds, the sitemap of www.inform.kz and the all-news listing
    (incremental), or walks the date-ranged listing and the old daily archive back to ``since`` (backfill).
    """

    name = "kazinform"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = ["inform.kz", "qazinform.com"]
    #: the links of a listing page in unknown markup may be anything: the walk does not go on from them
    walk_fallback_pages = False

    #: an article whose saved page ``scrapy check`` reads (the ``parse`` contract)
    contract_url = "https://qazinform.com/news/karaganda-region-to-build-three-new-schools-for-3600-students-e5c0a7"

    def discovery_requests(self) -> Iterable[Request]:
        on_sitemap = [edition for edition in SITEMAP_EDITIONS if edition in self.editions]
        if on_sitemap:  # read like every sitemap (newscrawl.spiders.discovery)
            yield self.sitemap_request(SITEMAP, on_sitemap, origin="own")
        for edition in self.editions:
            if not self.backfill:
                for feed in FEEDS.get(edition, ()):
                    yield Request(feed, callback=self.parse_feed, errback=self.listing_failed,
                                  cb_kwargs={"edition": edition}, priority=10)
            # the listing is date-ranged itself: no page search
            yield self.listing_request(edition, edition, 1)
            if self.backfill and edition in DAILY_ARCHIVE and self.since <= DAILY_ARCHIVE_UNTIL:
                day = min(self.last_day, DAILY_ARCHIVE_UNTIL)
                while day >= self.since:
                    yield self.daily_archive_request(edition, day, 1)
                    day -= timedelta(days=1)

    # -- feeds
    def parse_feed(self, response: Response, edition: str) -> Iterator[Request]:
        """Every article of a feed that the archive and this crawl do not have yet."""
        yield from self.follow_entries(self.feed_articles(response, OUTLET.is_article_url), response.url, edition)

    # -- the all-news listing (2023+): one per edition, date-ranged (``start_date``, ``end_date``) in a backfill
    def listing_url(self, listing: str, page: int) -> str:
        query: dict[str, Any] = {"page": page}
        if self.backfill:
            query.update(start_date=self.since.isoformat(), end_date=self.last_day.isoformat())
        return f"{ALL_NEWS[listing]}?{urlencode(query)}"

    def card_entries(self, response: TextResponse) -> list[Listed]:
        return listing_cards(response.text, response.url)

    def link_entries(self, response: TextResponse) -> list[Listed]:
        return listing_links(response.text, response.url)

    def past_the_end(self, response: TextResponse, page: int) -> bool:
        """The site answers a page past the last with a page marked as another."""
        active = active_page_number(response.text)
        return active is not None and active != page

    def next_listing_url(self, response: TextResponse, listing: str, page: int) -> str | None:
        return self.listing_url(listing, page + 1) if has_next_page(response.text, page) else None

    # -- the daily archive (2019-2022)
    def daily_archive_request(self, edition: str, day: date, page: int) -> Request:
        """Page ``page`` of one day of an edition's daily archive."""
        base = DAILY_ARCHIVE[edition] + (f"/{page}" if page > 1 else "")
        return Request(f"{base}?date={day:%d.%m.%Y}", callback=self.parse_daily_archive,
                       errback=self.listing_failed, cb_kwargs={"edition": edition, "day": day, "page": page})

    def parse_daily_archive(self, response: Response, edition: str, day: date, page: int) -> Iterator[Request]:
        """Follow one page of a day's archive (its entries dated that day); the first page requests
        the others its pagination links."""
        self.crawler.stats.inc_value("newscrawl/listings/pages")
        entries = listing_cards(response.text, response.url) or listing_links(response.text, response.url)
        yield from self.follow_entries((Listed(entry.url, day) for entry in entries), response.url, edition)
        if page == 1:
            for number in range(2, min(last_page_number(response.text) or 1, self.walk.max_backfill_pages) + 1):
                yield self.daily_archive_request(edition, day, number)
