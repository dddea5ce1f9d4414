"""``scrapy crawl totalkz``: Total.kz's RSS feed and its numbered all-news and section listings (facts in
``newscrawl.outlets.totalkz``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from scrapy.http import Request, Response, TextResponse

from newscrawl.outlets.base import Listed
from newscrawl.outlets.totalkz import (
    ALL_NEWS,
    FEED,
    OUTLET,
    SECTIONS,
    date_from_url,
    listing_cards,
    listing_links,
    listing_url,
)
from newscrawl.spiders.arguments import SpiderArgumentError
from newscrawl.spiders.paging import PagedListingSpider


def parse_sections(value: str | None) -> list[str]:
    """The ``-a section=`` argument: section slugs (``all`` for the all-news listing)."""
    if not value:
        return []
    chosen = [s.strip().lower() for s in value.split(",") if s.strip()]
    bad = [s for s in chosen if s != ALL_NEWS and not re.fullmatch(r"[a-z0-9_]+", s)]
    if bad:
        raise SpiderArgumentError(f"-a section: {', '.join(bad)} is not a section slug (e.g. {SECTIONS[0]})")
    return list(dict.fromkeys(chosen))


class TotalkzSpider(PagedListingSpider):
    """``scrapy crawl totalkz [-a section=SLUG,…] [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Incremental crawls read the RSS feed and the all-news listing (or the chosen sections'
    listings) from page 1 until they meet archived or already-seen articles. Backfills walk the
    listing until its cards are older than ``since``; with ``until`` in the past they first
    binary-search the page where the range begins.
    """

    name = "totalkz"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = ["total.kz"]
    spider_arguments: ClassVar[dict[str, str]] = {
        **PagedListingSpider.spider_arguments, "section": "comma-separated listing sections (default: all news)"}

    #: an article whose saved page ``scrapy check`` reads (the ``parse`` contract)
    contract_url = "https://total.kz/ru/news/obshchestvo_sobitiya/v_shimkente_otremontiruyut_120_ulits_date_2023_04_03_11_20_45"

    def __init__(self, *args: Any, section: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sections = parse_sections(section)
        unknown = [s for s in self.sections if s != ALL_NEWS and s not in SECTIONS]
        if unknown:
            self.logger.warning("-a section: %s not among the known sections; trying anyway", ", ".join(unknown))

    def discovery_requests(self) -> Iterable[Request]:
        if not self.backfill:
            yield Request(FEED, callback=self.parse_feed, errback=self.listing_failed, priority=10)
        for listing in self.sections or [ALL_NEWS]:
            yield self.listing_start(listing, "ru")

    # -- the feed
    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Follow the feed's articles the archive and this crawl do not have yet."""
        entries = self.feed_articles(response, OUTLET.is_article_url, date_from_url)
        yield from self.follow_entries(entries, response.url, "ru")

    # -- listings
    def listing_url(self, listing: str, page: int) -> str:
        return listing_url(listing, page)

    def card_entries(self, response: TextResponse) -> list[Listed]:
        return listing_cards(response.text, response.url)

    def link_entries(self, response: TextResponse) -> list[Listed]:
        return listing_links(response.text, response.url)
