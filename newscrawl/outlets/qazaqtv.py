"""Qazaq TV (qazaqtv.com): facts, page layouts and the spider.

Qazaq TV reprints many Kazinform stories (with the Kazinform dateline); the reprint pipeline keeps them
out of the archive when Kazinform's original is already there. What is known of the site is thin
(``OUTLETS.md``, section 1): article pages follow the layout of Kazinform's English pages of 2019-2022
(seed 000: breadcrumb, title, ``Автор:`` and a name, ``5 November 2019, 11:49``, body, a tag line,
then "News / Read also / News Partner / Popular"), and one stored page shows the URL form
``old.qazaqtv.com/en/view/<section>/page_<id>_<slug>``. No feed, sitemap or listing was ever seen:
every discovery URL here is a guess [infer], tried side by side, each miss logged and counted, with
a fallback that collects article-like links from any listing page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import ClassVar
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.etree
from lxml.html import HtmlElement
from scrapy.http import Request, Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from newscrawl.extract.html import html_tree, text_of
from newscrawl.outlets.base import Edition, Layout, Outlet
from newscrawl.spiders.base import NewsSpider
from newscrawl.urls import canonical_key

TIMEZONE = "Asia/Almaty"  # UTC+6 until 2024-03-01, UTC+5 since
HOST = "qazaqtv.com"
BASE = f"https://{HOST}"

#: the article id of ``…/view/<section>/page_<id>_<slug>`` pages [seen on old.qazaqtv.com]
PAGE_ID = re.compile(r"/page_(\d{3,})(?:_|/|$)")
#: article URLs: the ``view`` form [seen], and ``/<edition>/news/<slug>`` forms [infer]
ARTICLE_PATH = re.compile(
    r"^/(?:en|ru|kz|kk)/view/[\w-]+/page_\d{3,}[\w-]*/?$"
    r"|^/(?:en|ru|kz|kk)/(?:news|article|articles)/(?!page)[\w-]*[a-z0-9][\w-]{6,}/?$"
)
#: path parts that never lead to an article (for the generic fallback)
NOT_ARTICLE = re.compile(r"/(?:tag|tags|category|categories|search|rss|feed|sitemap|page|author|video|tv|live|"
                         r"program|programs|about|contacts?|login|static|upload|uploads)(?:/|$|[?#])", re.I)
#: headings of related-news blocks (never body text)
RELATED_HEADINGS = ("Read also", "Also read", "Related news", "Читайте также", "Новости по теме", "Оқи отырыңыз",
                    "Тағы оқыңыз", "Тақырыптас жаңалықтар")

#: the layout of Kazinform's English pages of 2019-2022 that Qazaq TV pages follow (seed 000); the
#: selectors are those documented for inform.kz of that era [seen]; on qazaqtv.com they are a guess [infer]
LAYOUT_INFORM_2019 = Layout(
    name="inform2019",
    detect=("div.article_news_body",),
    title=("div.article_title", "h1"),
    body=("div.article_news_body",),
    remove=("div.frame_news_article", "figure", "figcaption", "img", ".share", ".social", ".read_also",
            "blockquote.instagram-media"),
    date=("div.date_public_art",),
    author=("p.name_p", ".author_article"),
    tags=("div.keyword_art a", "div.keyword_art"),
    valid_from=date(2019, 1, 1),
)

OUTLET = Outlet(
    name="qazaqtv",
    short_name="Qazaq TV",
    timezone=TIMEZONE,
    hosts=(HOST,),
    editions={
        "kz": Edition("kz", "kk", agency="Qazaq TV"),  # [infer] /kz/ path
        "ru": Edition("ru", "ru", agency="Qazaq TV"),  # [infer] /ru/ path
        "en": Edition("en", "en", agency="Qazaq TV"),  # [seen] /en/ on old.qazaqtv.com
    },
    layouts=(LAYOUT_INFORM_2019,),
    related_headings=RELATED_HEADINGS,
    title_suffix=re.compile(r"\s*(?:[|–—-]|::)\s*[^|]*(Qazaq\s?TV|qazaqtv\.com)[^|]*$", re.I),
)


def edition_of(url: str) -> str:
    """The edition of a Qazaq TV URL: its first path segment (``/en/``, ``/ru/``, ``/kz/``), else ``kz``."""
    first = urlsplit(url).path.strip("/").split("/", 1)[0].lower()
    return {"en": "en", "ru": "ru", "kz": "kz", "kk": "kz"}.get(first, "kz")


def article_keys(url: str) -> set[str]:
    """Keys of a Qazaq TV article: the canonical URL, and its page id (the same on old.qazaqtv.com)."""
    keys = {canonical_key(url)}
    if m := PAGE_ID.search(urlsplit(url).path):
        keys.add(f"qazaqtv:{m.group(1)}")
    return keys


def is_article_url(url: str) -> bool:
    """Whether a link points at a Qazaq TV article in a known URL form."""
    return OUTLET.owns(url) and bool(ARTICLE_PATH.search(urlsplit(url).path))


def looks_like_article(url: str) -> bool:
    """Fallback for unknown URL forms: a link on the site whose last path segment is a long slug or
    carries a numeric id, outside tag, category, search and service paths."""
    if not OUTLET.owns(url):
        return False
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2 or NOT_ARTICLE.search(path):
        return False
    last = segments[-1]
    return last.count("-") + last.count("_") >= 3 or bool(re.search(r"\d{4,}", last))


object.__setattr__(OUTLET, "edition_of", edition_of)
object.__setattr__(OUTLET, "article_keys", article_keys)

#: RSS feeds [infer]: the site-wide one and one per edition
SITE_FEED = f"{BASE}/rss"
FEEDS: dict[str, str] = {code: f"{BASE}/{code}/rss" for code in OUTLET.editions}
#: the sitemap [infer]; a sitemap index is followed into its sitemaps
SITEMAP = f"{BASE}/sitemap.xml"
#: the news listing of each edition, paged with ``?page=N`` [infer]
LISTINGS: dict[str, str] = {code: f"{BASE}/{code}/news" for code in OUTLET.editions}
#: how far back an incremental crawl takes sitemap entries when it has no watermark yet
SITEMAP_RECENT = timedelta(days=2)
#: elements of a listing card that show its date
CARD_DATE = ("time", "[class*=date]", "[class*=time]")


def card_of(link: HtmlElement) -> HtmlElement:
    """The listing card around a link: the nearest ancestor (up to three levels) holding a date."""
    node = link
    for _ in range(3):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        node = parent
        if any(node.cssselect(sel) for sel in CARD_DATE):
            return node
    return link


def card_date_text(card: HtmlElement) -> str | None:
    """The date text a card shows (a ``datetime`` attribute first)."""
    for sel in CARD_DATE:
        for el in card.cssselect(sel):
            value = el.get("datetime") or text_of(el)
            if value:
                return value
    return None


def listing_links(html: str, base_url: str) -> tuple[list[tuple[str, str | None]], bool]:
    """``(article URL, date text)`` of a listing page's article links, and whether the generic
    fallback found them (no link matched a known article URL form)."""
    tree = html_tree(html)
    if tree is None:
        return [], False
    links: dict[str, str | None] = {}
    generic: dict[str, str | None] = {}
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        target = links if is_article_url(url) else generic if looks_like_article(url) else None
        if target is not None and url not in target:
            target[url] = card_date_text(card_of(a))
    if links:
        return list(links.items()), False
    return list(generic.items()), bool(generic)


def sitemap_entries(body: bytes) -> tuple[str | None, list[tuple[str, str | None]]]:
    """The type of a sitemap (``urlset`` or ``sitemapindex``) and its ``(loc, lastmod)`` entries;
    ``(None, [])`` when the body is not a sitemap."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=64 * 1024 * 1024)
        except (OSError, ValueError):
            return None, []
    try:
        sitemap = Sitemap(body)
        entries = [(e["loc"], e.get("lastmod") or None) for e in sitemap]
    except (lxml.etree.XMLSyntaxError, StopIteration, ValueError, TypeError):
        return None, []
    if sitemap.type not in ("urlset", "sitemapindex"):
        return None, []
    return sitemap.type, entries


class QazaqTvSpider(NewsSpider):
    """``scrapy crawl qazaqtv [-a edition=kz,ru,en] [-a since=YYYY-MM-DD [-a until=…]] [-a url=…]``

    Finds articles through the RSS feeds, the sitemap and the news listings of each edition (all
    guessed, tried side by side). Incremental crawls stop paging at articles already archived or
    older than the last crawl's newest; backfills walk the listings and take the sitemap's entries
    back to ``since``.
    """

    name = "qazaqtv"
    outlet = OUTLET
    allowed_domains: ClassVar[list[str]] = [HOST]

    def discovery_requests(self) -> Iterable[Request]:
        if not self.backfill:
            yield Request(SITE_FEED, callback=self.parse_feed, errback=self.listing_failed, priority=10,
                          cb_kwargs={"edition": None})
            for edition in self.editions:
                yield Request(FEEDS[edition], callback=self.parse_feed, errback=self.listing_failed, priority=10,
                              cb_kwargs={"edition": edition})
        yield Request(SITEMAP, callback=self.parse_sitemap, errback=self.listing_failed, priority=5)
        for edition in self.editions:
            yield self.listing_request(edition, 1)

    # -- feeds
    def parse_feed(self, response: Response, edition: str | None) -> Iterator[Request]:
        """The articles of a site-wide or an edition's feed, each under its edition."""
        for code, dated in self._by_edition(self.feed_articles(response), edition):
            yield from self.follow_entries(dated, response.url, code)

    def _by_edition(self, entries: Iterable[tuple[str, datetime | None]], edition: str | None,
                    articles_only: bool = False) -> Iterator[tuple[str, list[tuple[str, datetime | None]]]]:
        """Entries on the outlet's hosts grouped by edition, only the crawl's editions; with
        ``articles_only`` (sitemaps list every page) only links that are or look like articles."""
        groups: dict[str, list[tuple[str, datetime | None]]] = {}
        for link, when in entries:
            if not OUTLET.owns(link) or (articles_only and not (is_article_url(link) or looks_like_article(link))):
                continue
            code = edition or edition_of(link)
            if code in self.editions:
                groups.setdefault(code, []).append((link, when))
        yield from groups.items()

    # -- the sitemap
    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        kind, entries = sitemap_entries(response.body)
        if kind is None:
            self.crawler.stats.inc_value("newscrawl/listings/not_a_sitemap")
            self.logger.warning("not a sitemap: %s", response.url)
            return
        self.crawler.stats.inc_value("newscrawl/listings/sitemaps")
        if kind == "sitemapindex":
            for loc, lastmod in entries:
                when = self.card_date(lastmod)
                if self.backfill and when is not None and when.astimezone(self.zone).date() < self.since:
                    continue
                if not self.backfill and when is not None and when < self.sitemap_cutoff():
                    continue
                yield Request(urljoin(response.url, loc), callback=self.parse_sitemap, errback=self.listing_failed)
            return
        dated = [(urljoin(response.url, loc), self.card_date(lastmod)) for loc, lastmod in entries]
        for code, group in self._by_edition(dated, None, articles_only=True):
            if not self.backfill:
                cutoff = self.sitemap_cutoff(code)
                group = [(link, when) for link, when in group if when is not None and when >= cutoff]
            yield from self.follow_entries(group, response.url, code)

    def sitemap_cutoff(self, edition: str | None = None) -> datetime:
        """The oldest sitemap entry an incremental crawl takes: just before the watermark, or a couple
        of days back on a first crawl (a sitemap lists the whole site)."""
        marks = [m for m in (self.watermark(e) for e in ([edition] if edition else self.editions)) if m]
        if marks:
            return min(marks) - timedelta(hours=1)
        return datetime.now(self.zone) - SITEMAP_RECENT

    # -- the news listings
    def listing_request(self, edition: str, page: int) -> Request:
        query = f"?{urlencode({'page': page})}" if page > 1 else ""
        return Request(f"{LISTINGS[edition]}{query}", callback=self.parse_listing, errback=self.listing_failed,
                       cb_kwargs={"edition": edition, "page": page})

    def parse_listing(self, response: Response, edition: str, page: int) -> Iterator[Request]:
        self.crawler.stats.inc_value("newscrawl/listings/pages")
        links, generic = listing_links(response.text, response.url)
        links = [(link, when) for link, when in links if edition_of(link) == edition or not is_article_url(link)]
        if not links:
            if page == 1:
                self.crawler.stats.inc_value("newscrawl/listings/no_articles")
                self.logger.warning("no article links on listing %s", response.url)
            else:
                self.logger.info("news listing %s ends at page %d", edition, page - 1)
            return
        if generic:
            self.crawler.stats.inc_value("newscrawl/listings/generic_links")
            self.logger.info("no known article URL form on %s: following %d article-like links", response.url,
                             len(links))
        dated = [(link, self.card_date(when)) for link, when in links]
        yield from self.follow_entries(dated, response.url, edition)
        if self.keep_paging(dated, edition, page):
            yield self.listing_request(edition, page + 1)
