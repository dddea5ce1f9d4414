"""``scrapy crawl mosru``: www.mos.ru's newsfeed API, with the RSS feed and article pages as fallbacks
(facts in ``newscrawl.outlets.mosru``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import ClassVar

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newscrawl.extensions.probe import ROUTE_EDITIONS
from newscrawl.items import Article
from newscrawl.outlets.api import item_entries, json_payload
from newscrawl.outlets.mosru import (
    API,
    EDITION,
    OUTLET,
    RSS_URL,
    TIMEZONE,
    api_item,
    article_id,
    article_url,
    item_api_url,
    list_url,
    news_item_id,
    newsfeed_items,
    next_page_url,
    single_item,
)
from newscrawl.spiders.api import ApiNewsSpider, failure_reason


class MosruSpider(ApiNewsSpider):
    """``scrapy crawl mosru [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Reads the newsfeed API newest first: an incremental crawl stops at a page whose items are all
    archived or older than the last crawl's newest; a backfill asks the API for its days and stops
    at the first page reaching back past ``since``. ``-a url=`` fetches each article through the
    single-item API, its page when that fails.
    """

    name = "mosru"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = ["www.mos.ru"]

    #: an article whose saved page ``scrapy check`` reads (the ``parse`` contract)
    contract_url = "https://www.mos.ru/news/item/164551073/"

    def discovery_requests(self) -> Iterable[Request]:
        yield self.list_request(list_url(1, self.since, self.until), 1)

    def list_request(self, url: str, page: int) -> Request:
        """A request for one newsfeed page."""
        return Request(url, callback=self.parse_list, errback=self.list_failed, cb_kwargs={"page": page},
                       headers={"Accept": "application/json"}, meta={ROUTE_EDITIONS: [EDITION]})

    async def parse_list(self, response: Response, page: int) -> AsyncIterator[Article | Request]:
        """Articles of a newsfeed page, and the next page while the crawl wants more."""
        payload = json_payload(response.body)
        items = newsfeed_items(payload)
        if items is None:
            self.api_failure(API, response.url, "not a newsfeed response")
            for request in self.after_list_failure(page):
                yield request
            return
        self.crawler.stats.inc_value(f"newscrawl/api/pages/{API}")
        entries = [entry for entry in (api_item(item, TIMEZONE) for item in items) if entry is not None]
        async for result in self.follow_items(entries, EDITION, API, source=response.url):
            yield result
        if self.keep_paging(item_entries(entries), EDITION, page):
            next_url = next_page_url(payload, response.url)
            if next_url:
                yield self.list_request(next_url, page + 1)
            else:
                self.logger.info("newsfeed ends at page %d", page)

    def list_failed(self, failure: Failure) -> Iterator[Request]:
        """Count a failed newsfeed page; the first one falls back to the RSS feed."""
        request = failure.request  # type: ignore[attr-defined]
        self.api_failure(API, request.url, failure_reason(failure))
        yield from self.after_list_failure(request.cb_kwargs["page"])

    def after_list_failure(self, page: int) -> Iterator[Request]:
        if page == 1:
            self.logger.warning("the newsfeed API failed; reading the RSS feed %s instead", RSS_URL)
            yield Request(RSS_URL, callback=self.parse_feed, errback=self.listing_failed,
                          meta={ROUTE_EDITIONS: [EDITION]})

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Article pages the RSS feed lists."""
        entries = self.feed_articles(response, lambda link: article_id(link) is not None)
        yield from self.follow_entries(entries, response.url, EDITION)

    # -- -a url=
    def url_requests(self, url: str) -> Iterable[Request]:
        item_id = news_item_id(url)
        if item_id is None:  # a theme page, or a page of no known form: read as a page
            yield self.page_fallback(url, EDITION)
            return
        yield Request(item_api_url(item_id), callback=self.parse_single, errback=self.single_failed,
                      cb_kwargs={"item_id": item_id}, dont_filter=True, headers={"Accept": "application/json"})

    async def parse_single(self, response: Response, item_id: str) -> AsyncIterator[Article | Request]:
        """The article of a single-item response; its page when the response has none."""
        item = single_item(json_payload(response.body))
        entry = api_item(item, TIMEZONE) if item is not None else None
        if entry is None:
            self.api_failure(API, response.url, "not a newsfeed item")
            yield self.page_fallback(article_url(item_id), EDITION)
            return
        async for result in self.follow_items([entry], EDITION, API, explicit=True):
            yield result

    def single_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        self.api_failure(API, request.url, failure_reason(failure))
        yield self.page_fallback(article_url(request.cb_kwargs["item_id"]), EDITION)
