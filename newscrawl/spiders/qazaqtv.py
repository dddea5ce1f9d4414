"""``scrapy crawl qazaqtv``: Qazaq TV's feeds, sitemap and news listings, all guessed and tried side by
side (facts in ``newscrawl.outlets.qazaqtv``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar
from urllib.parse import urlencode

from scrapy.http import Request, Response, TextResponse

from newscrawl.outlets.base import Listed
from newscrawl.outlets.qazaqtv import (
    FEEDS,
    HOST,
    LISTINGS,
    OUTLET,
    SITE_FEED,
    SITEMAP,
    listing_cards,
    listing_links,
    looks_like_article,
)
from newscrawl.spiders.paging import PagedListingSpider


class QazaqTvSpider(PagedListingSpider):
    """``scrapy crawl qazaqtv [-a edition=kz,ru,en] [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Finds articles through the RSS feeds, the sitemap and the news listings of each edition (all
    guessed, tried side by side). Incremental crawls stop paging at articles already archived or
    older than the last crawl's newest; backfills walk the listings and take the sitemap's entries
    back to ``since``.
    """

    name = "qazaqtv"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = [HOST]

    #: an article whose saved page ``scrapy check`` reads (the ``parse`` contract)
    contract_url = "https://qazaqtv.com/en/view/diplomacy/page_201456_almaty-and-tashkent-to-launch-direct-passenger-train"

    def discovery_requests(self) -> Iterable[Request]:
        if not self.backfill:
            yield Request(SITE_FEED, callback=self.parse_feed, errback=self.listing_failed, priority=10,
                          cb_kwargs={"edition": None})
            for edition in self.editions:
                yield Request(FEEDS[edition], callback=self.parse_feed, errback=self.listing_failed, priority=10,
                              cb_kwargs={"edition": edition})
        # read like every sitemap (newscrawl.spiders.discovery): entries the URL rules know, else article-like ones
        yield self.sitemap_request(SITEMAP, self.editions, origin="own")
        for edition in self.editions:
            yield self.listing_request(edition, edition, 1)

    # -- feeds
    def parse_feed(self, response: Response, edition: str | None) -> Iterator[Request]:
        """The articles of a site-wide or an edition's feed, each under its edition."""
        for code, entries in self._by_edition(self.feed_articles(response), edition):
            yield from self.follow_entries(entries, response.url, code)

    def _by_edition(self, entries: Iterable[Listed], edition: str | None,
                    articles_only: bool = False) -> Iterator[tuple[str, list[Listed]]]:
        """Entries on the outlet's hosts grouped by edition, only the crawl's editions; with
        ``articles_only`` (sitemaps list every page) only links that are or look like articles."""
        groups: dict[str, list[Listed]] = {}
        for entry in entries:
            link = entry.url
            if not OUTLET.owns(link) or (articles_only and not (OUTLET.is_article_url(link)
                                                                or looks_like_article(link))):
                continue
            code = edition or OUTLET.edition_of(link)
            if code in self.editions:
                groups.setdefault(code, []).append(entry)
        yield from groups.items()

    # -- the news listings, one per edition
    def listing_url(self, listing: str, page: int) -> str:
        query = f"?{urlencode({'page': page})}" if page > 1 else ""
        return f"{LISTINGS[listing]}{query}"

    def card_entries(self, response: TextResponse) -> list[Listed]:
        edition = response.request.cb_kwargs.get("edition") if response.request else None
        return [entry for entry in listing_cards(response.text, response.url)
                if edition is None or OUTLET.edition_of(entry.url) == edition]

    def link_entries(self, response: TextResponse) -> list[Listed]:
        """Article-like links, only when no link of the page is in a known URL form (of any edition)."""
        if listing_cards(response.text, response.url):
            return []
        return listing_links(response.text, response.url)
