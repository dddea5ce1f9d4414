"""www.mos.ru news (the Moscow mayor's and government's portal): facts, page layouts, URL rules and API reading.

One edition, ``ru``. Articles are news items (``/news/item/<id>/``) and the mayor's theme pages
(``/mayor/themes/<theme>/<id>/``, seen in the RSS feed). They come from the newsfeed JSON API
(``/api/newsfeed/v4/frontend/json/ru/articles``, newest first, paged by ``_links.next``, at most 50 items
a page); each item's ``full_text`` HTML goes through the same extraction as article pages. An item
without text is read from its page ``https://www.mos.ru/news/item/<id>/``; when the API's first page
fails, the RSS feed finds the latest articles' pages (real items: ``title, description, link,
pubDate`` and enclosures, no ``guid``; links in bodies point to department pages, not articles).
Times are Moscow local (UTC+4 in 2011-2014, UTC+3 since). Facts marked [infer] are guesses: the spider
logs and counts when they fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from newscrawl.extract.dates import parse_machine_date
from newscrawl.outlets.api import ApiItem, api_document, api_layout
from newscrawl.outlets.base import Edition, Layout, Outlet
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
#: news item pages; ids seen end in ``073`` (the entity suffix [infer]), so any digits are accepted
ARTICLE_PATH = re.compile(r"^/news/item/(\d+)/?$")
#: the mayor's theme pages, articles too: 2 of 10 items of a real RSS response (2022) are of this kind,
#: with ids ending in ``050`` [seen]
THEME_PATH = re.compile(r"^/mayor/themes/[\w-]+/(\d+)/?$")
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

@dataclass(frozen=True)
class Mosru(Outlet):
    """www.mos.ru's URL rules: news items by id, on www.mos.ru itself (its sub-sites are other outlets)."""

    def owns(self, url: str) -> bool:
        """Whether a URL is on www.mos.ru itself (mos.ru's sub-sites such as mosds.mos.ru are other outlets)."""
        return bare_host(host_of(url)) == "mos.ru"

    def article_keys(self, url: str) -> set[str]:
        """Keys of a mos.ru article: its canonical URL and its item id."""
        keys = {canonical_key(url)}
        if item := article_id(url):
            keys.add(f"mosru:{item}")
        return keys

    def is_article_url(self, url: str) -> bool:
        """Whether a link points at a mos.ru news article."""
        return article_id(url) is not None


OUTLET = Mosru(
    name="mosru",
    # an early bound, unverified: the outlet notes (OUTLETS.md, section 3) show /news/item/ ids from 72520073
    # up, undated, and API dates of recent years only; mos.ru's launch in 2011 is background knowledge
    first_year=2011,
    short_name="mos.ru",
    timezone=TIMEZONE,
    hosts=("www.mos.ru",),
    editions={EDITION: Edition(EDITION, "ru", agency="Официальный сайт Мэра Москвы", home="https://www.mos.ru/")},
    layouts=(LAYOUT_API, LAYOUT_CONTENT_TEXT, LAYOUT_ARTICLE_TEXT),
    related_headings=RELATED_HEADINGS,
    # "<title> / Новости города / Сайт Москвы", "<title> | mos.ru"
    title_suffix=re.compile(r"(?:\s*/\s*Новости[^/|]*)?\s*[/|–—-]\s*(?:Сайт Москвы|mos\.ru|Официальный сайт Мэра "
                            r"Москвы)\s*$", re.I),
)


def article_id(url: str) -> str | None:
    """The id of a mos.ru article URL: a news item (``/news/item/<id>/``) or a theme page of the mayor's
    (``/mayor/themes/<theme>/<id>/``); the two kinds' ids differ in their last digits."""
    if bare_host(host_of(url)) != "mos.ru":
        return None
    path = urlsplit(url).path
    m = ARTICLE_PATH.match(path) or THEME_PATH.match(path)
    return m.group(1) if m else None


def news_item_id(url: str) -> str | None:
    """The id of a news item URL (the newsfeed API's items); None for theme pages and other URLs."""
    if bare_host(host_of(url)) != "mos.ru":
        return None
    m = ARTICLE_PATH.match(urlsplit(url).path)
    return m.group(1) if m else None


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
