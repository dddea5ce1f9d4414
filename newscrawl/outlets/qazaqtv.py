"""Qazaq TV (qazaqtv.com): facts, page layouts, URL rules and listing readers.

Qazaq TV reprints many Kazinform stories (with the Kazinform dateline); the reprint pipeline keeps them
out of the archive when Kazinform's original is already there. What is known of the site is thin
(``OUTLETS.md``, section 1): the one real page found is
``https://old.qazaqtv.com/en/view/<section>/page_<id>_<slug>`` (2021), whose markup is unknown. Seed 000,
once taken for a Qazaq TV page, is a Kazinform English page of 2023 (the same header, "Автор:", "Read
also" and "Popular" blocks): the layout below, Kazinform's of 2019-2021, is a guess for qazaqtv.com
[infer], and pages it does not match are read from JSON-LD, meta tags and trafilatura. No feed,
sitemap or listing was ever seen: every discovery URL here is a guess [infer], tried side by side,
each miss logged and counted, with a fallback that collects article-like links from any listing
page, and the standard routes every news site keeps (``newscrawl.spiders.discovery``) when they all
fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from newscrawl.extract.dates import parse_machine_date, parse_visible_date
from newscrawl.extract.html import html_tree, text_of
from newscrawl.outlets.base import Edition, Layout, Listed, Outlet
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
#: headings of related-news blocks (never body text)
RELATED_HEADINGS = ("Read also", "Also read", "Related news", "Читайте также", "Новости по теме", "Оқи отырыңыз",
                    "Тағы оқыңыз", "Тақырыптас жаңалықтар")

#: the layout of Kazinform's pages of 2019-2021 (seed 000 is such a page, of www.inform.kz/en); the
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

@dataclass(frozen=True)
class QazaqTv(Outlet):
    """Qazaq TV's URL rules: the edition is the first path segment; articles carry a page id."""

    def edition_of(self, url: str) -> str:
        """The edition of a Qazaq TV URL: its first path segment (``/en/``, ``/ru/``, ``/kz/``), else ``kz``."""
        first = urlsplit(url).path.strip("/").split("/", 1)[0].lower()
        return {"en": "en", "ru": "ru", "kz": "kz", "kk": "kz"}.get(first, "kz")

    def article_keys(self, url: str) -> set[str]:
        """Keys of a Qazaq TV article: the canonical URL, and its page id (the same on old.qazaqtv.com)."""
        keys = {canonical_key(url)}
        if m := PAGE_ID.search(urlsplit(url).path):
            keys.add(f"qazaqtv:{m.group(1)}")
        return keys

    def is_article_url(self, url: str) -> bool:
        """Whether a link points at a Qazaq TV article in a known URL form."""
        return self.owns(url) and bool(ARTICLE_PATH.search(urlsplit(url).path))


OUTLET = QazaqTv(
    name="qazaqtv",
    # an early bound, unverified: the outlet notes (OUTLETS.md, section 1 and later facts) hold one real page
    # form, of 2021 (seed 000, of 2019, is a Kazinform page); the channel's start in 2012 is background
    first_year=2012,
    short_name="Qazaq TV",
    timezone=TIMEZONE,
    hosts=(HOST,),
    editions={
        "kz": Edition("kz", "kk", agency="Qazaq TV", home=f"{BASE}/kz"),  # [infer] /kz/ path
        "ru": Edition("ru", "ru", agency="Qazaq TV", home=f"{BASE}/ru"),  # [infer] /ru/ path
        "en": Edition("en", "en", agency="Qazaq TV", home=f"{BASE}/en"),  # [seen] /en/ on old.qazaqtv.com
    },
    layouts=(LAYOUT_INFORM_2019,),
    related_headings=RELATED_HEADINGS,
    title_suffix=re.compile(r"\s*(?:[|–—-]|::)\s*[^|]*(Qazaq\s?TV|qazaqtv\.com)[^|]*$", re.I),
    dateline_agencies=("QAZAQ TV", "KAZAKH TV", "Qazaq TV", "Kazakh TV"),
)


def looks_like_article(url: str) -> bool:
    """Fallback for unknown URL forms: a link on the site that looks like an article (the generic test,
    ``newscrawl.outlets.base.looks_like_article_url``)."""
    return OUTLET.looks_like_article(url)


#: RSS feeds [infer]: the site-wide one and one per edition
SITE_FEED = f"{BASE}/rss"
FEEDS: dict[str, str] = {code: f"{BASE}/{code}/rss" for code in OUTLET.editions}
#: the sitemap [infer]; a sitemap index is followed into its sitemaps
SITEMAP = f"{BASE}/sitemap.xml"
#: the news listing of each edition, paged with ``?page=N`` [infer]
LISTINGS: dict[str, str] = {code: f"{BASE}/{code}/news" for code in OUTLET.editions}
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


def card_time(text: str | None) -> datetime | None:
    """The date a listing card, feed entry or sitemap entry shows, in Qazaq TV's zone."""
    if not text:
        return None
    return parse_machine_date(text, TIMEZONE) or parse_visible_date(text, TIMEZONE)


def _links(html: str, base_url: str, wanted) -> list[Listed]:
    tree = html_tree(html)
    if tree is None:
        return []
    found: dict[str, Listed] = {}
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if url not in found and wanted(url):
            found[url] = Listed(url, card_time(card_date_text(card_of(a))))
    return list(found.values())


def listing_cards(html: str, base_url: str) -> list[Listed]:
    """The links of a listing page in a known article URL form, dated by their cards."""
    return _links(html, base_url, OUTLET.is_article_url)


def listing_links(html: str, base_url: str) -> list[Listed]:
    """Fallback when no link is in a known URL form: every link that looks like an article."""
    return _links(html, base_url, looks_like_article)
