"""``scrapy crawl mosds``: the press-centre listing of mosds.mos.ru (facts in ``newscrawl.outlets.mosds``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from scrapy.http import Request, TextResponse

from newscrawl.outlets.base import Listed
from newscrawl.outlets.mosds import NEWS, OUTLET, listing_cards, listing_links, listing_url, page_links
from newscrawl.spiders.paging import PagedListingSpider


class MosdsSpider(PagedListingSpider):
    """``scrapy crawl mosds [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Walks the press-centre listing from page 1: incremental crawls until they meet archived or
    already-seen articles, backfills until the cards are older than ``since`` (with ``until`` in
    the past, after a binary search for the page where the range begins).
    """

    name = "mosds"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = ["mosds.mos.ru"]

    #: an article whose saved page ``scrapy check`` reads (the ``parse`` contract)
    contract_url = "https://mosds.mos.ru/presscenter/news/detail/11250077.html"

    def discovery_requests(self) -> Iterable[Request]:
        yield self.listing_start(NEWS, "ru")

    def listing_url(self, listing: str, page: int) -> str:
        return listing_url(page)

    def card_entries(self, response: TextResponse) -> list[Listed]:
        return listing_cards(response.text, response.url)

    def link_entries(self, response: TextResponse) -> list[Listed]:
        return listing_links(response.text, response.url)

    def next_listing_url(self, response: TextResponse, listing: str, page: int) -> str | None:
        """The page's own link to the next page; the guessed ``?PAGEN_1=`` when it shows no pagination;
        None when its pagination has no next page."""
        pages = page_links(response.text, response.url)
        if page + 1 in pages:
            return pages[page + 1]
        if pages and max(pages) <= page:
            return None
        if not pages:
            self.crawler.stats.inc_value("newscrawl/listings/guessed_pages")
            self.warn_once("guessed-paging", "listing %s shows no pagination links; trying the guessed %s",
                           response.url, listing_url(page + 1))
        return listing_url(page + 1)
