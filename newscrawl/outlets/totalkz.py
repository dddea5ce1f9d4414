"""Total.kz (total.kz): facts, page layouts, URL rules and listing readers.

One edition, Russian. Articles are found through the RSS feed and the numbered all-news and
section listings (there is no date archive). Article URLs come in three forms, all handled:
``/ru/news/<section>/<slug>_date_YYYY_MM_DD_HH_MM_SS`` (newer; the time is when the item was created:
real pages were published 4 minutes before to 3 hours after it, so a page's own date comes first),
``/ru/news/<section>/<slug>`` (2011 to about 2017; slugs may hold double underscores), and
``/news/<section>/<slug>`` (a rewrite of the site, which redirects the old forms [infer]). Facts marked
[infer] are guesses: the spider logs and counts when they fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from newscrawl.extract.dates import is_plausible, parse_visible_date
from newscrawl.extract.html import html_tree, text_of
from newscrawl.outlets.base import Edition, Layout, Listed, Outlet
from newscrawl.urls import canonical_key

TIMEZONE = "Asia/Almaty"  # UTC+6 until 2024-03-01, UTC+5 since
SITE = "https://total.kz"
FEED = "https://total.kz/rss"
#: the listing of every section together
ALL_NEWS = "all"
#: section slugs of the listings (``/ru/news/<section>``, then ``…/page-N``), subsections first
SECTIONS = (
    "vnutrennyaya_politika", "vneshnyaya_politika", "mir", "bezopasnost", "mneniya", "ekonomika_sobitiya",
    "biznes", "finansi", "gossektor", "tehno", "obshchestvo_sobitiya", "proisshestviya", "zhizn", "kultura",
    "religiya", "den_v_istorii", "sport", "nauka", "stil_zhizni", "redaktsiya_tandau",
    # parent sections, whose listings reach back to 2011
    "obshchestvo", "politika", "ekonomika", "drugoe", "media", "special",
)  # fmt: skip

#: an article path in any of its forms; ``page-N`` is a listing page, not an article
ARTICLE_PATH = re.compile(r"^/(?:ru/)?news/(?P<section>[a-z0-9_-]+)/(?!page-\d+/?$)(?P<slug>[a-z0-9_.-]+?)/?$", re.I)
#: the publication time (local) at the end of newer article slugs
URL_DATE = re.compile(r"_date_(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{2})$")

RELATED_HEADINGS = ("Читайте также", "Читать также", "Новости по теме", "Подписывайтесь на")

#: removed from every layout's body: ads, the lead photo with its credit, embeds, share buttons
_REMOVE = ("script", ".adfox", ".ya-partner", "[id^=adfox]", "ins", "div.post__image", ".post__image_author",
           "figure", "figcaption", "img", ".read-also", "[class*=read-also]", ".share", "[class*=share]",
           "ul.meta__tags", ".meta--bottom")
_AUTHOR = ("div.article__meta span.gray-text:not(.meta__date)",)
_TAGS = ("ul.meta__tags li a", "div.meta--bottom a")

LAYOUT_POST = Layout(
    name="post",
    detect=("div.article__post__body",),
    title=("h1.article__title", "h1"),
    lead=("div.article__post__body strong > p", "p.article__lead", "div.article__lead"),
    body=("div.article__post__body",),
    remove=_REMOVE,
    date=("span.meta__date",),
    author=_AUTHOR,
    tags=_TAGS,
)
LAYOUT_CS = Layout(
    name="cs-article",
    detect=("article.cs-article section.article__post",),
    title=("h1.article__title", "article.cs-article h1", "h1"),
    lead=("p.article__lead", "div.article__lead"),
    body=("article.cs-article section.article__post.post", "article.cs-article section.article__post"),
    remove=(*_REMOVE, "h1", "div.article__meta", ".meta"),
    date=("span.meta__date", "article.cs-article .meta__date"),
    author=_AUTHOR,
    tags=_TAGS,
)
LAYOUT_BODY = Layout(
    name="body",
    detect=("div.article__body",),
    title=("h1.article__title", "h1"),
    lead=("p.article__lead", "div.article__lead"),
    body=("div.article__body",),
    remove=_REMOVE,
    date=("span.meta__date",),
    author=_AUTHOR,
    tags=_TAGS,
)

@dataclass(frozen=True)
class Totalkz(Outlet):
    """Total.kz's URL rules: three article URL forms, one key shared by them, the time in newer URLs."""

    def is_article_url(self, url: str) -> bool:
        """Whether a link points at a Total.kz article (any URL form), not a listing or service page."""
        parts = urlsplit(url)
        return (not parts.hostname or self.owns(url)) and bool(ARTICLE_PATH.match(parts.path))

    def article_keys(self, url: str) -> set[str]:
        """Keys of a Total.kz article: the canonical URL, and one key shared by its ``/ru/news/…`` and
        ``/news/…`` forms (the slug, with the section when the slug carries no date)."""
        keys = {canonical_key(url)}
        if m := ARTICLE_PATH.match(urlsplit(url).path):
            slug = m.group("slug").lower()
            keys.add(f"totalkz:{slug}" if URL_DATE.search(slug) else f"totalkz:{m.group('section').lower()}/{slug}")
        return keys

    def published_in_url(self, url: str) -> datetime | None:
        """The local time newer article URLs end with (``…_date_2019_11_05_10_30_51``): when the item
        was created, used only for a page that states no date."""
        return date_from_url(url)


OUTLET = Totalkz(
    name="totalkz",
    first_year=2011,  # OUTLETS.md, section 2: the parent categories' listings and undated URLs go back to 2011
    short_name="Тотал",
    timezone=TIMEZONE,
    hosts=("total.kz",),
    editions={"ru": Edition("ru", "ru", agency="ИА Тотал Казахстан", home=f"{SITE}/ru")},
    layouts=(LAYOUT_POST, LAYOUT_CS, LAYOUT_BODY),
    related_headings=RELATED_HEADINGS,
    title_suffix=re.compile(r"\s*(?:[|–—-]|::)\s*[^|]*(Total\.kz|Тотал|Total)[^|]*$", re.I),
    # a 2014 page prints "Эксклюзив" right after its title [seen]
    title_labels=("Эксклюзив",),
    dateline_agencies=("TOTAL.KZ",),
)


def date_from_url(url: str) -> datetime | None:
    """The publication time an article URL ends with (``…_date_2019_11_05_10_30_51``), local time."""
    m = URL_DATE.search(urlsplit(url).path.rstrip("/"))
    if not m:
        return None
    try:
        when = datetime(*(int(g) for g in m.groups()), tzinfo=ZoneInfo(TIMEZONE))  # type: ignore[misc]
    except ValueError:
        return None
    return when if is_plausible(when) else None


def listing_url(listing: str, page: int) -> str:
    """Page ``page`` of the all-news listing or of a section's."""
    base = f"{SITE}/ru/news" if listing == ALL_NEWS else f"{SITE}/ru/news/{listing}"
    return base if page <= 1 else f"{base}/page-{page}"


def _card_date(card: HtmlElement, url: str) -> datetime | None:
    """The date of a listing card: from its URL, else its ``div.item-date span`` ("13 апреля 2016, 11:38")."""
    when = date_from_url(url)
    if when is None:
        text = " ".join(text_of(el) for el in card.cssselect("div.item-date span, div.item-date"))
        when = parse_visible_date(text, TIMEZONE) if text else None
    return when


def listing_cards(html: str, base_url: str) -> list[Listed]:
    """The article cards of a listing page (``div.b-news-list__item``), after the featured card
    (``a.image-news-card``, which does not steer paging); sidebar cards (``div.card``) are left out."""
    tree = html_tree(html)
    if tree is None:
        return []
    found: dict[str, Listed] = {}
    for link in tree.cssselect("a.image-news-card[href]"):
        url = urljoin(base_url, link.get("href"))
        if OUTLET.is_article_url(url):
            found.setdefault(url, Listed(url, date_from_url(url), steers=False))
    for card in tree.cssselect("div.b-news-list__item"):
        urls = [urljoin(base_url, a.get("href")) for a in card.cssselect("a[href]")]
        url = next((u for u in urls if OUTLET.is_article_url(u)), None)
        if url is not None:
            found[url] = Listed(url, _card_date(card, url))
    return list(found.values())


def listing_links(html: str, base_url: str) -> list[Listed]:
    """Fallback for a listing in unknown markup: every article link outside sidebar cards, dated by
    its URL (undated ones do not steer paging)."""
    tree = html_tree(html)
    if tree is None:
        return []
    found: dict[str, Listed] = {}
    for link in tree.cssselect("a[href]"):
        if any("card" in (anc.get("class") or "").split() for anc in link.iterancestors()):
            continue
        url = urljoin(base_url, link.get("href"))
        if OUTLET.is_article_url(url) and url not in found:
            when = date_from_url(url)
            found[url] = Listed(url, when, steers=when is not None)
    return list(found.values())
