"""The Ministry of Foreign Affairs of Kazakhstan on gov.kz: facts, URL rules and API reading.

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
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from newscrawl.extract.dates import parse_machine_date, parse_visible_date
from newscrawl.extract.html import html_tree, text_of
from newscrawl.outlets.api import ApiItem, api_document, api_layout
from newscrawl.outlets.base import Edition, Layout, Listed, Outlet
from newscrawl.urls import bare_host, canonical_key, host_of

TIMEZONE = "Asia/Almaty"  # UTC+6 until 2024-03-01, UTC+5 since
PROJECT = "mfa"
SITE = "https://www.gov.kz"
GRAPHQL_URL = f"{SITE}/graphql"
REST_LIST_URL = f"{SITE}/api/v1/public/content-manager/news"
#: the web pages: the article (the record's URL) and the news listing, paged in the path
ARTICLE_URL = SITE + "/memleket/entities/mfa/press/news/details/{id}?lang={lang}"
LISTING_URL = SITE + "/memleket/entities/mfa/press/news{page}?lang={lang}"
#: article pages: numeric ids (seen; about 997859 in May 2025); ``details/<slug>`` pages are read as pages
#: only [infer]
ARTICLE_PATH = re.compile(r"^/memleket/entities/mfa/press/(news|article)/details/([^/?#]+)/?$")
#: article pages of the old site (www.mfa.kz, about 2017): ``/<lang>/<mission>/content-view/<slug>`` [seen]
OLD_ARTICLE_PATH = re.compile(r"^/(?P<lang>ru|kz|kk|en)/[\w-]+/content-view/[^/?#]+/?$")
#: the old site's language segments and the editions they belong to
OLD_LANG_EDITION = {"ru": "ru", "kz": "kk", "kk": "kk", "en": "en"}
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

@dataclass(frozen=True)
class Mfakz(Outlet):
    """The MFA's URL rules: its pages on gov.kz (and the old mfa.kz hosts), editions by ``lang``."""

    def owns(self, url: str) -> bool:
        """Whether a URL belongs to the MFA: its pages on gov.kz, or the old mfa.kz hosts."""
        host = bare_host(host_of(url))
        if host in ("mfa.kz", "mfa.gov.kz") or host.endswith(".mfa.kz"):
            return True
        return host == "gov.kz" and urlsplit(url).path.startswith("/memleket/entities/mfa/")

    def edition_of(self, url: str) -> str:
        """The edition of a gov.kz URL, by its ``lang`` parameter (``ru`` when it has none [infer]); of an
        old mfa.kz URL, by its first path segment."""
        if m := OLD_ARTICLE_PATH.match(urlsplit(url).path):
            return OLD_LANG_EDITION[m.group("lang")]
        lang = (parse_qs(urlsplit(url).query).get("lang") or ["ru"])[0].lower()
        return LANG_EDITION.get(lang, "ru")

    def article_keys(self, url: str) -> set[str]:
        """Keys of an MFA article: its canonical URL, and its id in its edition (``lang=kz`` and
        ``lang=kk`` are one edition)."""
        keys = {canonical_key(url)}
        if item := article_id(url):
            keys.add(f"mfakz:{self.edition_of(url)}:{item}")
        return keys

    def is_article_url(self, url: str) -> bool:
        """Whether a URL is an MFA article page: on gov.kz (numeric ids, and ``details/<slug>`` pages), or a
        ``content-view`` page of the old site."""
        if not self.owns(url):
            return False
        path = urlsplit(url).path
        if bare_host(host_of(url)) == "gov.kz":
            return bool(ARTICLE_PATH.match(path))
        return bool(OLD_ARTICLE_PATH.match(path))


OUTLET = Mfakz(
    name="mfakz",
    # an early bound, unverified: the oldest page the outlet notes (OUTLETS.md, later facts) is the old
    # site's mfa.kz/en/<mission>/content-view/<slug> of about 2017; nothing there is older or dates the start
    first_year=2000,
    short_name="gov.kz",
    timezone=TIMEZONE,
    hosts=("gov.kz", "mfa.kz", "mfa.gov.kz"),
    editions={
        "ru": Edition("ru", "ru", agency="МИД РК", home=f"{SITE}/memleket/entities/mfa?lang=ru"),
        "kk": Edition("kk", "kk", agency="ҚР СІМ", home=f"{SITE}/memleket/entities/mfa?lang=kk"),
        "en": Edition("en", "en", agency="MFA of Kazakhstan", home=f"{SITE}/memleket/entities/mfa?lang=en"),
    },
    layouts=(LAYOUT_API, LAYOUT_RENDERED),
    related_headings=RELATED_HEADINGS,
    title_suffix=re.compile(r"\s*(?:[|–—-])\s*[^|–—-]*(gov\.kz|Министерство|Ministry|министрлігі)[^|]*$", re.I),
    needs_javascript=True,
)


def article_id(url: str) -> str | None:
    """The numeric id of an MFA news article URL (None for slugs and other pages)."""
    if not OUTLET.owns(url):
        return None
    m = ARTICLE_PATH.match(urlsplit(url).path)
    return m.group(2) if m and m.group(1) == "news" and m.group(2).isdigit() else None


def article_url(item_id: Any, edition: str) -> str:
    """The web URL of an article in an edition: the record's URL."""
    return ARTICLE_URL.format(id=item_id, lang=WEB_LANG[edition])


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


def listing_links(html: str, base_url: str) -> list[Listed]:
    """The rendered listing's cards (article URL, the date they show); every link to an article page,
    undated, when no card has one."""
    tree = html_tree(html)
    if tree is None:
        return []
    found: list[Listed] = []
    for card in tree.cssselect(LISTING_CARD):
        links = card.cssselect("a[href]") or [a for a in card.iterancestors("a") if a.get("href")]
        urls = [urljoin(base_url, a.get("href")) for a in links]
        url = next((u for u in urls if ARTICLE_PATH.match(urlsplit(u).path)), None)
        if url:
            when = text_of(next(iter(card.cssselect(LISTING_DATE)), None)) or None
            found.append(Listed(url, _card_time(when)))
    if not found:
        urls = (urljoin(base_url, a.get("href")) for a in tree.iter("a") if a.get("href"))
        found = [Listed(u) for u in dict.fromkeys(urls) if ARTICLE_PATH.match(urlsplit(u).path) and OUTLET.owns(u)]
    return found


def _card_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return parse_machine_date(text, TIMEZONE) or parse_visible_date(text, TIMEZONE)
