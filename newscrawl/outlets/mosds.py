"""Moscow House of Compatriots (mosds.mos.ru), press centre: facts, page layout, URL rules and listing
readers.

No page of the site has been seen. The listing (``/presscenter/news/``, cards ``ul.newslist li`` with
``span.date`` DD.MM.YYYY), its paging (``?PAGEN_1=N``, Bitrix-style) and the article markup
(``div.primary_content`` → ``h1``, ``article``) are taken from other mos.ru sub-sites of the same
platform [infer]. Every one of them has a fallback: article links anywhere on a listing page, the
pagination links the page itself shows, a page repeating an earlier one ends the walk, and article
fields come from JSON-LD, meta tags and trafilatura when the layout does not match; each fallback
is logged and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml.html import HtmlElement

from newscrawl.extract.dates import parse_visible_date
from newscrawl.extract.html import html_tree, text_of
from newscrawl.outlets.base import Edition, Layout, Listed, Outlet
from newscrawl.urls import canonical_key

TIMEZONE = "Europe/Moscow"
LISTING = "https://mosds.mos.ru/presscenter/news/"
#: the Bitrix paging parameter [infer]; a page's own pagination links win over it
PAGE_PARAM = "PAGEN_1"
NEWS = "news"

#: article pages; the id is the site's news id
ARTICLE_PATH = re.compile(r"^/presscenter/news/detail/(?P<id>\d+)\.html$")
#: a day as the site prints it
DAY = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{4}(?![\d.]*\d)")
#: paragraphs that are never article text: photo credits and the print view's footer
RELATED_HEADINGS = ("Фото:", "Фото -", "Фотографии:", "Адрес страницы:", "Версия для печати", "Поделиться")

LAYOUT_PRESSCENTER = Layout(
    name="presscenter",
    detect=("div.primary_content article",),
    title=("div.primary_content h1", "h1"),
    body=("div.primary_content article",),
    remove=("h1", "span.date", ".date", ".news-date-time", ".share", "[class*=share]", ".print", "img", "figure",
            "figcaption", "a.rubr"),
    date=("div.primary_content span.date", "div.primary_content .date", "div.primary_content .news-date-time",
          "div.primary_content time"),
    tags=("div.primary_content .tags a", "div.primary_content a.rubr"),
)

@dataclass(frozen=True)
class Mosds(Outlet):
    """mosds.mos.ru's URL rules: press-centre articles by news id."""

    def is_article_url(self, url: str) -> bool:
        """Whether a link points at a press-centre article of mosds.mos.ru."""
        parts = urlsplit(url)
        return (not parts.hostname or self.owns(url)) and bool(ARTICLE_PATH.match(parts.path))

    def article_keys(self, url: str) -> set[str]:
        """Keys of an article: the canonical URL, and its news id (http/https, print views and the like)."""
        keys = {canonical_key(url)}
        if m := ARTICLE_PATH.match(urlsplit(url).path):
            keys.add(f"mosds:{m.group('id')}")
        return keys


OUTLET = Mosds(
    name="mosds",
    # an early bound, unverified: the outlet notes (OUTLETS.md, section 3) hold seed 003 of 2019 and
    # presscenter pages of other mos.ru sub-sites scraped in 2016; nothing there is older or dates the start
    first_year=2010,
    short_name="Московский дом соотечественника",
    timezone=TIMEZONE,
    hosts=("mosds.mos.ru",),
    editions={"ru": Edition("ru", "ru", agency="Московский дом соотечественника", home="https://mosds.mos.ru/")},
    layouts=(LAYOUT_PRESSCENTER,),
    related_headings=RELATED_HEADINGS,
    title_suffix=re.compile(r"\s*(?:[|–—-]|::)\s*[^|]*(Московский дом соотечественника|МДС|mos\.ru)[^|]*$", re.I),
)


def listing_url(page: int) -> str:
    """Page ``page`` of the press-centre listing (the parameter is a guess [infer])."""
    return LISTING if page <= 1 else f"{LISTING}?{PAGE_PARAM}={page}"


def _day(text: str) -> datetime | None:
    """The day a text shows as DD.MM.YYYY, as local midnight."""
    m = DAY.search(text or "")
    return parse_visible_date(m.group(0), TIMEZONE) if m else None


def listing_cards(html: str, base_url: str) -> list[Listed]:
    """The entries of a listing page in the documented markup: ``ul.newslist li`` with ``span.date``
    and the article link (not the rubric link ``a.rubr``)."""
    tree = html_tree(html)
    if tree is None:
        return []
    found: dict[str, Listed] = {}
    for item in tree.cssselect("ul.newslist li"):
        links = [a for a in item.cssselect("a[href]") if "rubr" not in (a.get("class") or "").split()]
        url = next((u for u in (urljoin(base_url, a.get("href")) for a in links) if OUTLET.is_article_url(u)), None)
        if url is not None and url not in found:
            date_el = next(iter(item.cssselect("span.date")), None)
            found[url] = Listed(url, _day(text_of(date_el)) if date_el is not None else _day(text_of(item)))
    return list(found.values())


def _nearby_day(link: HtmlElement) -> datetime | None:
    """The day shown next to a link: in the closest ancestor (up to three up) that holds one day
    and no other article link."""
    for depth, anc in enumerate(link.iterancestors()):
        if depth >= 3 or anc.tag in ("body", "html"):
            break
        others = {a.get("href") for a in anc.iter("a") if a.get("href") and "/detail/" in a.get("href")}
        if len(others) > 1:
            break
        days = DAY.findall(text_of(anc))
        if len(days) == 1:
            return _day(days[0])
    return None


def listing_links(html: str, base_url: str) -> list[Listed]:
    """Fallback for a listing in unknown markup: every ``/presscenter/news/detail/<id>.html`` link on
    the page, dated by the one DD.MM.YYYY day next to it (if any)."""
    tree = html_tree(html)
    if tree is None:
        return []
    found: dict[str, Listed] = {}
    for link in tree.cssselect("a[href]"):
        url = urljoin(base_url, link.get("href"))
        if OUTLET.is_article_url(url) and url not in found:
            found[url] = Listed(url, _nearby_day(link))
    return list(found.values())


def page_links(html: str, base_url: str) -> dict[int, str]:
    """The pages a listing's pagination links to: ``{number: URL}`` for links with a ``PAGEN_n`` parameter."""
    tree = html_tree(html)
    if tree is None:
        return {}
    pages: dict[int, str] = {}
    for link in tree.cssselect("a[href*=PAGEN_]"):
        url = urljoin(base_url, link.get("href"))
        for key, value in parse_qsl(urlsplit(url).query):
            if re.fullmatch(r"PAGEN_\d+", key) and value.isdigit():
                pages.setdefault(int(value), url)
    return pages
