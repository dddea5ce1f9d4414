"""www.mos.ru news (the Moscow mayor's and government's portal): facts, page layouts and the spider.

One edition, ``ru``. Articles come from the newsfeed JSON API (``/api/newsfeed/v4/frontend/json/ru/
articles``, newest first, paged by ``_links.next``, at most 50 items a page); each item's ``full_text``
HTML goes through the same extraction as article pages. An item without text is read from its page
``https://www.mos.ru/news/item/<id>/``; when the API's first page fails, the RSS feed finds the latest
articles' pages. Times are Moscow local (UTC+4 in 2011-2014, UTC+3 since). Facts marked [infer] are
guesses: the spider logs and counts when they fail.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin, urlsplit

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newscrawl.extract.dates import parse_machine_date
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

TIMEZONE = "Europe/Moscow"
EDITION = "ru"
#: the name of the newsfeed API in stats and logs
API = "newsfeed"
API_BASE = "https://www.mos.ru/api/newsfeed/v4/frontend/json/ru/articles"
#: item fields asked for (seen in public code; ``spheres`` comes through ``expand``)
API_FIELDS = "id,title,label,date,date_timestamp,kind,full_text,preview_text,tags"
#: the API's page size limit
PER_PAGE = 50
RSS_URL = "https://www.mos.ru/rss"
ARTICLE_URL = "https://www.mos.ru/news/item/{id}/"
#: an article page; ids seen all end in ``073`` (the entity suffix [infer]), so any digits are accepted
ARTICLE_PATH = re.compile(r"^/news/item/(\d+)/?$")
RELATED_HEADINGS = ("Читайте также", "Смотрите также")  # [infer]
#: never article text, in pages and API bodies alike (photo credits and galleries [infer])
REMOVE = ("div.news-article-footer", "figure", "figcaption", "img", "picture", "video", ".news-article__photo",
          ".photo-gallery", ".share", ".news-article-tags")

#: the page layout with the body in ``div.content-text`` (newer pages)
LAYOUT_CONTENT_TEXT = Layout(
    name="content-text",
    detect=("div.content-text",),
    title=("h1.news-article-title-container__title", "h1"),
    lead=("div.news-article__preview",),
    body=("div.content-text",),
    remove=REMOVE,
    date=("time.news-article__date",),
    tags=(".news-article-tags a",),  # [infer]
)
#: the page layout of 2022 scrapers: body ``div.news-article__text`` or ``section.news-article__text``
LAYOUT_ARTICLE_TEXT = Layout(
    name="article-text",
    detect=("div.news-article__text", "section.news-article__text"),
    title=("h1.news-article-title-container__title", "h1"),
    lead=("div.news-article__preview",),
    body=("div.news-article__text", "section.news-article__text"),
    remove=REMOVE,
    date=("time.news-article__date",),
    tags=(".news-article-tags a",),  # [infer]
)
LAYOUT_API = api_layout(remove=REMOVE)

OUTLET = Outlet(
    name="mosru",
    short_name="mos.ru",
    timezone=TIMEZONE,
    hosts=("www.mos.ru",),
    editions={EDITION: Edition(EDITION, "ru", agency="Официальный сайт Мэра Москвы")},
    layouts=(LAYOUT_API, LAYOUT_CONTENT_TEXT, LAYOUT_ARTICLE_TEXT),
    related_headings=RELATED_HEADINGS,
    # "<title> / Новости города / Сайт Москвы", "<title> | mos.ru"
    title_suffix=re.compile(r"(?:\s*/\s*Новости[^/|]*)?\s*[/|–—-]\s*(?:Сайт Москвы|mos\.ru|Официальный сайт Мэра "
                            r"Москвы)\s*$", re.I),
)


def owns(url: str) -> bool:
    """Whether a URL is on www.mos.ru itself (mos.ru's sub-sites such as mosds.mos.ru are other outlets)."""
    return bare_host(host_of(url)) == "mos.ru"


def article_id(url: str) -> str | None:
    """The item id of a mos.ru news article URL."""
    if not owns(url):
        return None
    m = ARTICLE_PATH.match(urlsplit(url).path)
    return m.group(1) if m else None


def article_keys(url: str) -> set[str]:
    """Keys of a mos.ru article: its canonical URL and its item id."""
    keys = {canonical_key(url)}
    if item := article_id(url):
        keys.add(f"mosru:{item}")
    return keys


def edition_of(url: str) -> str:
    """mos.ru has one edition."""
    return EDITION


# the Outlet dataclass is frozen: bind the outlet's own URL rules to it
object.__setattr__(OUTLET, "owns", owns)
object.__setattr__(OUTLET, "edition_of", edition_of)
object.__setattr__(OUTLET, "article_keys", article_keys)


def article_url(item_id: Any) -> str:
    """The web URL of a newsfeed item: the record's URL."""
    return ARTICLE_URL.format(id=item_id)


def list_url(page: int = 1, since: date | None = None, until: date | None = None) -> str:
    """A page of the newsfeed, newest first; a backfill's days become the API's ``from``/``to``
    filter (seen in public code), and the spider checks the items' dates anyway."""
    query: dict[str, Any] = {"fields": API_FIELDS, "expand": "spheres", "page": page, "per-page": PER_PAGE,
                             "sort": "-date"}
    if since:
        query["from"] = f"{since.isoformat()} 00:00:00"
    if until:
        query["to"] = f"{until.isoformat()} 23:59:59"
    return f"{API_BASE}?{urlencode(query)}"


def item_api_url(item_id: str) -> str:
    """The single-item API URL of an article."""
    return f"{API_BASE}/{item_id}?{urlencode({'expand': 'spheres', 'fields': API_FIELDS})}"


def newsfeed_items(payload: Any) -> list[dict[str, Any]] | None:
    """The items of a newsfeed list response; None when the payload is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        return None
    return [item for item in payload["items"] if isinstance(item, dict)]


def single_item(payload: Any) -> dict[str, Any] | None:
    """The item of a single-item response (the item itself, or a list response holding it)."""
    if isinstance(payload, dict) and payload.get("id") is not None:
        return payload
    items = newsfeed_items(payload)
    return items[0] if items else None


def next_page_url(payload: Any, base_url: str) -> str | None:
    """The ``_links.next.href`` of a newsfeed response, absolute."""
    links = payload.get("_links") if isinstance(payload, dict) else None
    nxt = links.get("next") if isinstance(links, dict) else None
    href = nxt.get("href") if isinstance(nxt, dict) else None
    return urljoin(base_url, href) if isinstance(href, str) and href.strip() else None


def item_date_candidates(item: dict[str, Any]) -> list[tuple[str, str]]:
    """``(source, value)`` dates of an item: ``date`` (Moscow local, no offset), then
    ``date_timestamp`` (Unix seconds) as UTC."""
    candidates = []
    if isinstance(item.get("date"), str) and item["date"].strip():
        candidates.append(("api:date", item["date"].strip()))
    stamp = item.get("date_timestamp")
    if isinstance(stamp, int | float | str) and str(stamp).strip().isdigit():
        when = datetime.fromtimestamp(int(str(stamp).strip()), timezone.utc)
        candidates.append(("api:date_timestamp", when.isoformat()))
    return candidates


def item_tags(item: dict[str, Any]) -> list[str]:
    """Tag names of an item (``tags`` holds objects with a ``title``, or names)."""
    tags = item.get("tags")
    if not isinstance(tags, list):
        return []
    names = [t.get("title") if isinstance(t, dict) else t for t in tags]
    return [n for n in names if isinstance(n, str) and n.strip()]


def api_item(item: dict[str, Any], zone: str = TIMEZONE) -> ApiItem | None:
    """An article of the newsfeed; None for an item without an id."""
    item_id = item.get("id")
    if item_id is None or not str(item_id).strip().isdigit():
        return None
    candidates = item_date_candidates(item)
    published = next((p for _, v in candidates if (p := parse_machine_date(v, zone)) is not None), None)
    title, text = item.get("title"), item.get("full_text")
    document = None
    if isinstance(title, str) and title.strip() and isinstance(text, str) and text.strip():
        lead = item.get("preview_text") if isinstance(item.get("preview_text"), str) else None
        document = api_document(title, text, lead=lead, tags=item_tags(item))
    return ApiItem(url=article_url(str(item_id).strip()), published=published, document=document,
                   date_candidates=candidates)


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

    def discovery_requests(self) -> Iterable[Request]:
        yield self.list_request(list_url(1, self.since, self.until), 1)

    def list_request(self, url: str, page: int) -> Request:
        """A request for one newsfeed page."""
        return Request(url, callback=self.parse_list, errback=self.list_failed, cb_kwargs={"page": page},
                       headers={"Accept": "application/json"})

    async def parse_list(self, response: Response, page: int) -> AsyncIterator[Article | Request]:
        """Articles of a newsfeed page, and the next page while the crawl wants more."""
        payload = json_payload(response)
        items = newsfeed_items(payload)
        if items is None:
            self.api_failure(API, response.url, "not a newsfeed response")
            for request in self.after_list_failure(page):
                yield request
            return
        self.crawler.stats.inc_value(f"newscrawl/api/pages/{API}")
        entries = [entry for entry in (api_item(item, TIMEZONE) for item in items) if entry is not None]
        async for result in self.follow_items(entries, EDITION, API):
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
            yield Request(RSS_URL, callback=self.parse_feed, errback=self.listing_failed)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Article pages the RSS feed lists."""
        entries = self.feed_articles(response, lambda link: article_id(link) is not None)
        yield from self.follow_entries(entries, response.url, EDITION)

    # -- -a url=
    def url_requests(self, url: str) -> Iterable[Request]:
        item_id = article_id(url)
        if item_id is None:
            yield self.page_fallback(url, EDITION)
            return
        yield Request(item_api_url(item_id), callback=self.parse_single, errback=self.single_failed,
                      cb_kwargs={"item_id": item_id}, dont_filter=True, headers={"Accept": "application/json"})

    async def parse_single(self, response: Response, item_id: str) -> AsyncIterator[Article | Request]:
        """The article of a single-item response; its page when the response has none."""
        item = single_item(json_payload(response))
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
