"""``scrapy crawl mfakz``: the Kazakh MFA's news on gov.kz through GraphQL, the REST API and the web
listing, in that order (facts in ``newscrawl.outlets.mfakz``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ClassVar

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newscrawl.items import Article
from newscrawl.outlets.api import item_entries, json_payload
from newscrawl.outlets.base import Listed
from newscrawl.outlets.mfakz import (
    GRAPHQL_URL,
    OUTLET,
    WEB_LANG,
    api_item,
    article_id,
    article_url,
    graphql_body,
    graphql_errors,
    graphql_news,
    graphql_query,
    listing_links,
    listing_url,
    rest_item,
    rest_item_url,
    rest_list_url,
    rest_news,
)
from newscrawl.spiders.api import ApiNewsSpider, failure_reason


class MfakzSpider(ApiNewsSpider):
    """``scrapy crawl mfakz [-a edition=ru,kk,en] [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Reads each edition's news through GraphQL, page by page newest first, until a page is empty, a
    backfill passes ``since`` or an incremental crawl meets what it already has. A GraphQL page that
    fails is asked of the REST list, and when that fails too, of the web listing (rendered by Splash
    when ``SPLASH_URL`` is set). ``-a url=`` takes web URLs and fetches each article through GraphQL,
    the REST detail, or its page, in that order.
    """

    name = "mfakz"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = ["gov.kz"]
    #: the ``hash`` and ``token`` headers gov.kz's web application sends to its REST API, if the REST list
    #: demands them (copy them from the browser's requests; env GOVKZ_API_HASH, GOVKZ_API_TOKEN, or
    #: ``-s GOVKZ_API_HASH=…``); unset: not sent
    custom_settings: ClassVar[dict[str, Any]] = {
        "GOVKZ_API_HASH": os.environ.get("GOVKZ_API_HASH") or None,
        "GOVKZ_API_TOKEN": os.environ.get("GOVKZ_API_TOKEN") or None,
    }

    #: an article whose saved page ``scrapy check`` reads (the ``parse`` contract)
    contract_url = "https://www.gov.kz/memleket/entities/mfa/press/news/details/1273500?lang=ru"

    def discovery_requests(self) -> Iterable[Request]:
        for edition in self.editions:
            yield self.graphql_list_request(edition, 1)

    def api_headers(self, edition: str) -> dict[str, str]:
        """Request headers of the APIs; ``GOVKZ_API_HASH``/``GOVKZ_API_TOKEN`` when set."""
        headers = {"Accept": "application/json", "Accept-Language": WEB_LANG[edition]}
        for setting, header in (("GOVKZ_API_HASH", "hash"), ("GOVKZ_API_TOKEN", "token")):
            if value := self.settings.get(setting):
                headers[header] = value
        return headers

    def graphql_request(self, query: str, edition: str, **kwargs: Any) -> Request:
        """A POST of a GraphQL query."""
        headers = {**self.api_headers(edition), "Content-Type": "application/json"}
        return Request(GRAPHQL_URL, method="POST", body=graphql_body(query), headers=headers, dont_filter=True,
                       **kwargs)

    # -- lists: GraphQL, then REST, then the web listing
    def graphql_list_request(self, edition: str, page: int) -> Request:
        return self.graphql_request(graphql_query(edition, page), edition, callback=self.parse_graphql_list,
                                    errback=self.list_failed, cb_kwargs={"edition": edition, "page": page},
                                    meta={"newscrawl_api": "graphql"})

    async def parse_graphql_list(self, response: Response, edition: str, page: int) -> AsyncIterator[Article | Request]:
        payload = json_payload(response.body)
        news = graphql_news(payload)
        if news is None:
            self.api_failure("graphql", response.url, graphql_errors(payload))
            yield self.rest_list_request(edition, page)
            return
        async for result in self.follow_page_items(news, edition, page, "graphql", self.graphql_list_request,
                                                     response.url):
            yield result

    def rest_list_request(self, edition: str, page: int) -> Request:
        return Request(rest_list_url(edition, page), headers=self.api_headers(edition),
                       callback=self.parse_rest_list, errback=self.list_failed,
                       cb_kwargs={"edition": edition, "page": page}, meta={"newscrawl_api": "rest"})

    async def parse_rest_list(self, response: Response, edition: str, page: int) -> AsyncIterator[Article | Request]:
        news = rest_news(json_payload(response.body))
        if news is None:
            self.api_failure("rest", response.url, "not a REST news list")
            yield self.web_listing_request(edition, page)
            return
        async for result in self.follow_page_items(news, edition, page, "rest", self.rest_list_request,
                                                     response.url):
            yield result

    async def follow_page_items(self, news: list[dict[str, Any]], edition: str, page: int, api: str,
                                next_request: Callable[[str, int], Request],
                                source: str | None = None) -> AsyncIterator[Article | Request]:
        """Articles of one API page, and the next page of the same API while the crawl wants more."""
        self.crawler.stats.inc_value(f"newscrawl/api/pages/{api}")
        entries = [entry for entry in (api_item(item, edition) for item in news) if entry is not None]
        async for result in self.follow_items(entries, edition, api, source=source):
            yield result
        if self.keep_paging(item_entries(entries), edition, page, listing=f"{edition}/{api}"):
            yield next_request(edition, page + 1)

    def list_failed(self, failure: Failure) -> Iterator[Request]:
        """Count a failed API page and ask the next route for it."""
        request = failure.request  # type: ignore[attr-defined]
        api = request.meta.get("newscrawl_api", "graphql")
        self.api_failure(api, request.url, failure_reason(failure))
        edition, page = request.cb_kwargs["edition"], request.cb_kwargs["page"]
        yield self.rest_list_request(edition, page) if api == "graphql" else self.web_listing_request(edition, page)

    def web_listing_request(self, edition: str, page: int) -> Request:
        return self.web_page_request(listing_url(edition, page), callback=self.parse_web_listing,
                                     errback=self.listing_failed, cb_kwargs={"edition": edition, "page": page})

    def parse_web_listing(self, response: Response, edition: str, page: int) -> Iterator[Request]:
        """Article pages of a (rendered) web listing page, and its next page while wanted."""
        self.crawler.stats.inc_value("newscrawl/listings/pages")
        links = listing_links(response.text, response.url) if hasattr(response, "text") else []
        if not links:
            self.crawler.stats.inc_value("newscrawl/listings/no_entries")
            self.logger.warning("no article links in the web listing %s", response.url)
            return
        entries = [Listed(article_url(article_id(e.url), edition) if article_id(e.url) else e.url, e.published)
                   for e in links]
        yield from self.follow_entries(entries, response.url, edition)
        if self.keep_paging(entries, edition, page, listing=f"{edition}/web"):
            yield self.web_listing_request(edition, page + 1)

    # -- -a url=: GraphQL by id, then the REST detail, then the page
    def url_requests(self, url: str) -> Iterable[Request]:
        edition, item_id = OUTLET.edition_of(url), article_id(url)
        if item_id is None:
            yield self.page_fallback(url, edition)
            return
        yield self.graphql_request(graphql_query(edition, 1, 1, item_id), edition, callback=self.parse_graphql_item,
                                   errback=self.item_failed, cb_kwargs={"item_id": item_id, "edition": edition},
                                   meta={"newscrawl_api": "graphql"})

    async def parse_graphql_item(self, response: Response, item_id: str,
                                 edition: str) -> AsyncIterator[Article | Request]:
        payload = json_payload(response.body)
        news = graphql_news(payload) or []
        item = next((i for i in news if str(i.get("id")) == item_id), None)
        if item is None:
            reason = graphql_errors(payload) if graphql_news(payload) is None else f"item {item_id} not in the answer"
            self.api_failure("graphql", response.url, reason)
            yield self.rest_item_request(item_id, edition)
            return
        async for result in self.follow_item(item, item_id, edition, "graphql"):
            yield result

    def rest_item_request(self, item_id: str, edition: str) -> Request:
        return Request(rest_item_url(item_id, edition), headers=self.api_headers(edition),
                       callback=self.parse_rest_item, errback=self.item_failed, dont_filter=True,
                       cb_kwargs={"item_id": item_id, "edition": edition}, meta={"newscrawl_api": "rest"})

    async def parse_rest_item(self, response: Response, item_id: str, edition: str) -> AsyncIterator[Article | Request]:
        item = rest_item(json_payload(response.body))
        if item is None or str(item.get("id")) != item_id:
            self.api_failure("rest", response.url, f"no item {item_id} in the answer")
            yield self.page_fallback(article_url(item_id, edition), edition)
            return
        async for result in self.follow_item(item, item_id, edition, "rest"):
            yield result

    async def follow_item(self, item: dict[str, Any], item_id: str, edition: str,
                          api: str) -> AsyncIterator[Article | Request]:
        """The article of an item fetched by id; its page when the item is unusable."""
        entry = api_item(item, edition)
        if entry is None:
            yield self.page_fallback(article_url(item_id, edition), edition)
            return
        async for result in self.follow_items([entry], edition, api, explicit=True):
            yield result

    def item_failed(self, failure: Failure) -> Iterator[Request]:
        """Count a failed item request and ask the next route for the article."""
        request = failure.request  # type: ignore[attr-defined]
        api = request.meta.get("newscrawl_api", "graphql")
        self.api_failure(api, request.url, failure_reason(failure))
        item_id, edition = request.cb_kwargs["item_id"], request.cb_kwargs["edition"]
        if api == "graphql":
            yield self.rest_item_request(item_id, edition)
        else:
            yield self.page_fallback(article_url(item_id, edition), edition)
