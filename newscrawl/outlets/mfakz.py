"""The Ministry of Foreign Affairs of Kazakhstan on gov.kz: facts, API parsing and the spider.

Editions ``ru``, ``kk`` and ``en``. gov.kz's web pages are a JavaScript application, so articles come
from its public APIs: the GraphQL endpoint first (``news(projects:"eq:mfa", _lang, _page, _size,
_sort)``, no tokens needed in the code seen), the REST list as the alternative (it may demand ``hash``
and ``token`` headers the web application generates; then it fails, is counted, and the spider falls
back again), and as the last resort the web listing and article pages, rendered by Splash when
``SPLASH_URL`` is set. Each item's ``body`` HTML goes through the same extraction as pages. The
record URL is the article's web URL ``…/memleket/entities/mfa/press/news/details/<id>?lang=ru|kk|en``.
Times are Asia/Almaty; ``created_date``'s zone is unverified: with ``Z`` it is UTC, without an
offset local time. Facts marked [infer] are guesses: the spider logs and counts when they fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newscrawl.extract.dates import parse_machine_date
from newscrawl.extract.html import html_tree, text_of
from newscrawl.items import Article
from newscrawl.outlets.base import Edition, Layout, Outlet
from newscrawl.spiders.api import (
    ApiItem,
    ApiNewsSpider,
    api_document,
    api_layout,
    failure_reason,
    item_entries,
    json_payload,
)
from newscrawl.urls import bare_host, canonical_key, host_of

TIMEZONE = "Asia/Almaty"  # UTC+6 until 2024-03-01, UTC+5 since
PROJECT = "mfa"
SITE = "https://www.gov.kz"
GRAPHQL_URL = f"{SITE}/graphql"
REST_LIST_URL = f"{SITE}/api/v1/public/content-manager/news"
#: the web pages: the article (the record's URL) and the news listing, paged in the path
ARTICLE_URL = SITE + "/memleket/entities/mfa/press/news/details/{id}?lang={lang}"
LISTING_URL = SITE + "/memleket/entities/mfa/press/news{page}?lang={lang}"
#: article pages: numeric ids (seen); ``details/<slug>`` pages are read as pages only [infer]
ARTICLE_PATH = re.compile(r"^/memleket/entities/mfa/press/(news|article)/details/([^/?#]+)/?$")
#: items a GraphQL page asks for (the API's page size limit is unknown; 50 is seen in use)
GRAPHQL_PAGE_SIZE = 50
REST_PAGE_SIZE = 20
#: the item fields asked of GraphQL (seen in use for every ministry; an unknown field fails the query)
GRAPHQL_FIELDS = "id title body created_date heropic slug"
#: language codes per edition: in web URLs (seen), GraphQL ``_lang`` (seen), the REST ``lang`` (``kz``
#: seen in one scraper [infer])
WEB_LANG = {"ru": "ru", "kk": "kk", "en": "en"}
GRAPHQL_LANG = {"ru": "ru", "kk": "kk", "en": "en"}
REST_LANG = {"ru": "ru", "kk": "kz", "en": "en"}
#: ``?lang=`` values of web URLs and the editions they belong to
LANG_EDITION = {"ru": "ru", "kk": "kk", "kz": "kk", "en": "en"}
#: the rendered listing (Selenium, 2025): cards, their date, and links to article pages
LISTING_CARD = "div.card-news-list__item"
LISTING_DATE = "p.typography.typography__variant-caption.categories__item.color_grey"
RELATED_HEADINGS = ("Читайте также", "Тағы оқыңыз", "Read also")  # [infer]
REMOVE = ("figure", "figcaption", "img", "picture", "video", "iframe")
LAYOUT_API = api_layout(remove=REMOVE)
#: an article page after JavaScript ran (Splash). Its DOM is undocumented: these selectors follow the
#: documented rendered listing (``div.inner-html``, typography captions) [infer]; where they find
#: nothing, JSON-LD, meta tags and trafilatura apply
LAYOUT_RENDERED = Layout(
    name="rendered",
    detect=("#root div.inner-html",),
    title=("article h1", "main h1", "h1"),
    body=("article div.inner-html", "main div.inner-html"),
    remove=REMOVE,
    date=(f"article {LISTING_DATE}", f"main {LISTING_DATE}"),
)

OUTLET = Outlet(
    name="mfakz",
    short_name="gov.kz",
    timezone=TIMEZONE,
    hosts=("gov.kz", "mfa.kz", "mfa.gov.kz"),
    editions={
        "ru": Edition("ru", "ru", agency="МИД РК"),
        "kk": Edition("kk", "kk", agency="ҚР СІМ"),
        "en": Edition("en", "en", agency="MFA of Kazakhstan"),
    },
    layouts=(LAYOUT_API, LAYOUT_RENDERED),
    related_headings=RELATED_HEADINGS,
    title_suffix=re.compile(r"\s*(?:[|–—-])\s*[^|–—-]*(gov\.kz|Министерство|Ministry|министрлігі)[^|]*$", re.I),
)


def owns(url: str) -> bool:
    """Whether a URL belongs to the MFA: its pages on gov.kz, or the old mfa.kz hosts."""
    host = bare_host(host_of(url))
    if host in ("mfa.kz", "mfa.gov.kz") or host.endswith(".mfa.kz"):
        return True
    return host == "gov.kz" and urlsplit(url).path.startswith("/memleket/entities/mfa/")


def edition_of(url: str) -> str:
    """The edition of a gov.kz URL, by its ``lang`` parameter (``ru`` when it has none [infer])."""
    lang = (parse_qs(urlsplit(url).query).get("lang") or ["ru"])[0].lower()
    return LANG_EDITION.get(lang, "ru")


def article_id(url: str) -> str | None:
    """The numeric id of an MFA news article URL (None for slugs and other pages)."""
    if not owns(url):
        return None
    m = ARTICLE_PATH.match(urlsplit(url).path)
    return m.group(2) if m and m.group(1) == "news" and m.group(2).isdigit() else None


def article_url(item_id: Any, edition: str) -> str:
    """The web URL of an article in an edition: the record's URL."""
    return ARTICLE_URL.format(id=item_id, lang=WEB_LANG[edition])


def article_keys(url: str) -> set[str]:
    """Keys of an MFA article: its canonical URL, and its id in its edition (``lang=kz`` and
    ``lang=kk`` are one edition)."""
    keys = {canonical_key(url)}
    if item := article_id(url):
        keys.add(f"mfakz:{edition_of(url)}:{item}")
    return keys


# the Outlet dataclass is frozen: bind the outlet's own URL rules to it
object.__setattr__(OUTLET, "owns", owns)
object.__setattr__(OUTLET, "edition_of", edition_of)
object.__setattr__(OUTLET, "article_keys", article_keys)


# -- the APIs
def graphql_query(edition: str, page: int = 1, size: int = GRAPHQL_PAGE_SIZE, item_id: str | None = None) -> str:
    """The GraphQL query for a page of an edition's news, newest first; with ``item_id``, for that
    article (an ``id`` filter in the style of ``projects`` [infer])."""
    filters = f'id:"eq:{item_id}", ' if item_id else ""
    return (f'query {{ news({filters}projects:"eq:{PROJECT}", _lang:"{GRAPHQL_LANG[edition]}", _page:{page}, '
            f'_size:{size}, _sort:"created_date:desc") {{ {GRAPHQL_FIELDS} }} }}')


def graphql_body(query: str) -> bytes:
    """The POST body of a GraphQL query: fixed JSON (sorted keys), so a replay finds it again."""
    return json.dumps({"query": query}, sort_keys=True, ensure_ascii=False).encode("utf-8")


def graphql_news(payload: Any) -> list[dict[str, Any]] | None:
    """The items of a GraphQL ``news`` response; None for ``{"errors": …}`` or anything else."""
    if not isinstance(payload, dict) or payload.get("errors"):
        return None
    data = payload.get("data")
    news = data.get("news") if isinstance(data, dict) else None
    if isinstance(news, dict):  # one object where a list was expected
        news = [news]
    return [item for item in news if isinstance(item, dict)] if isinstance(news, list) else None


def graphql_errors(payload: Any) -> str:
    """The messages of a GraphQL error response."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return "not a GraphQL news response"
    messages = [e.get("message") if isinstance(e, dict) else str(e) for e in errors]
    return "; ".join(m for m in messages if m) or "GraphQL errors"


def rest_list_url(edition: str, page: int = 1, size: int = REST_PAGE_SIZE) -> str:
    """A page of the REST news list, newest first."""
    query = {"sort-by": "created_date:DESC", "projects": f"eq:{PROJECT}", "page": page, "size": size,
             "lang": REST_LANG[edition]}
    return f"{REST_LIST_URL}?{urlencode(query)}"


def rest_item_url(item_id: str, edition: str) -> str:
    """The REST detail URL of an article."""
    return f"{REST_LIST_URL}/{item_id}?{urlencode({'lang': REST_LANG[edition]})}"


def rest_news(payload: Any) -> list[dict[str, Any]] | None:
    """The items of a REST list response (``{"content": […]}`` or a bare list); None otherwise."""
    if isinstance(payload, dict):
        payload = payload.get("content")
    return [item for item in payload if isinstance(item, dict)] if isinstance(payload, list) else None


def rest_item(payload: Any) -> dict[str, Any] | None:
    """The item of a REST detail response (the item itself, or wrapped in ``data``/``content``)."""
    if isinstance(payload, dict) and payload.get("id") is None:
        payload = payload.get("data") or payload.get("content")
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    return payload if isinstance(payload, dict) and payload.get("id") is not None else None


def api_item(item: dict[str, Any], edition: str) -> ApiItem | None:
    """An article of a GraphQL or REST item; None for an item without a numeric id."""
    item_id = str(item.get("id") or "").strip()
    if not item_id.isdigit():
        return None
    created = item.get("created_date")
    candidates = [("api:created_date", created.strip())] if isinstance(created, str) and created.strip() else []
    published = parse_machine_date(candidates[0][1], TIMEZONE) if candidates else None
    title = item.get("title") or item.get("name")
    body = item.get("body")
    document = None
    if isinstance(title, str) and title.strip() and isinstance(body, str) and body.strip():
        document = api_document(title, body)
    return ApiItem(url=article_url(item_id, edition), published=published, document=document,
                   date_candidates=candidates)


# -- the web pages
def listing_url(edition: str, page: int = 1) -> str:
    """A page of the web news listing (a JavaScript application: useful only rendered)."""
    return LISTING_URL.format(page="" if page == 1 else f"/{page}", lang=WEB_LANG[edition])


def listing_links(html: str, base_url: str) -> list[tuple[str, str | None]]:
    """``(article URL, date text)`` of the rendered listing's cards; every link to an article page
    when no card has one."""
    tree = html_tree(html)
    if tree is None:
        return []
    found: list[tuple[str, str | None]] = []
    for card in tree.cssselect(LISTING_CARD):
        links = card.cssselect("a[href]") or [a for a in card.iterancestors("a") if a.get("href")]
        urls = [urljoin(base_url, a.get("href")) for a in links]
        url = next((u for u in urls if ARTICLE_PATH.match(urlsplit(u).path)), None)
        if url:
            when = text_of(next(iter(card.cssselect(LISTING_DATE)), None)) or None
            found.append((url, when))
    if not found:
        urls = (urljoin(base_url, a.get("href")) for a in tree.iter("a") if a.get("href"))
        found = [(u, None) for u in dict.fromkeys(urls) if ARTICLE_PATH.match(urlsplit(u).path) and owns(u)]
    return found


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
    render_pages = True

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
        payload = json_payload(response)
        news = graphql_news(payload)
        if news is None:
            self.api_failure("graphql", response.url, graphql_errors(payload))
            yield self.rest_list_request(edition, page)
            return
        async for result in self.follow_page_items(news, edition, page, "graphql", self.graphql_list_request):
            yield result

    def rest_list_request(self, edition: str, page: int) -> Request:
        return Request(rest_list_url(edition, page), headers=self.api_headers(edition),
                       callback=self.parse_rest_list, errback=self.list_failed,
                       cb_kwargs={"edition": edition, "page": page}, meta={"newscrawl_api": "rest"})

    async def parse_rest_list(self, response: Response, edition: str, page: int) -> AsyncIterator[Article | Request]:
        news = rest_news(json_payload(response))
        if news is None:
            self.api_failure("rest", response.url, "not a REST news list")
            yield self.web_listing_request(edition, page)
            return
        async for result in self.follow_page_items(news, edition, page, "rest", self.rest_list_request):
            yield result

    async def follow_page_items(self, news: list[dict[str, Any]], edition: str, page: int, api: str,
                                next_request: Callable[[str, int], Request]) -> AsyncIterator[Article | Request]:
        """Articles of one API page, and the next page of the same API while the crawl wants more."""
        self.crawler.stats.inc_value(f"newscrawl/api/pages/{api}")
        entries = [entry for entry in (api_item(item, edition) for item in news) if entry is not None]
        async for result in self.follow_items(entries, edition, api):
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
        entries = [(article_url(article_id(u), edition) if article_id(u) else u, self.card_date(when))
                   for u, when in links]
        yield from self.follow_entries(entries, response.url, edition)
        if self.keep_paging(entries, edition, page, listing=f"{edition}/web"):
            yield self.web_listing_request(edition, page + 1)

    # -- -a url=: GraphQL by id, then the REST detail, then the page
    def url_requests(self, url: str) -> Iterable[Request]:
        edition, item_id = edition_of(url), article_id(url)
        if item_id is None:
            yield self.page_fallback(url, edition)
            return
        yield self.graphql_request(graphql_query(edition, 1, 1, item_id), edition, callback=self.parse_graphql_item,
                                   errback=self.item_failed, cb_kwargs={"item_id": item_id, "edition": edition},
                                   meta={"newscrawl_api": "graphql"})

    async def parse_graphql_item(self, response: Response, item_id: str,
                                 edition: str) -> AsyncIterator[Article | Request]:
        payload = json_payload(response)
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
        item = rest_item(json_payload(response))
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
