"""What every outlet declares: its facts (hosts, editions, time zone, agency names, page layouts) and
its URL rules, as an :class:`Outlet`; and :class:`Listed`, the entry every listing reader returns.

An outlet whose URLs follow rules of their own subclasses :class:`Outlet` and overrides the rule
methods (``edition_of``, ``article_keys``, ``is_article_url``, ``published_in_url``, ``owns``).
Nothing here imports Scrapy: extraction workers, the archive's tools and the tests read these facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from newscrawl.extract.layout import Layout
from newscrawl.urls import bare_host, canonical_key, host_of

__all__ = ["Edition", "Layout", "Listed", "Outlet", "looks_like_article_url"]

#: path parts that never lead to an article: listings, service pages, media (the generic article test)
NOT_ARTICLE_PATH = re.compile(r"/(?:tag|tags|category|categories|rubric|rubrics|search|rss|feed|feeds|sitemap|page|"
                              r"author|authors|video|tv|live|program|programs|about|contacts?|login|static|upload|"
                              r"uploads|media|photo|photos|gallery|subscribe)(?:/|$|[?#])", re.I)
#: files that are no pages
NOT_A_PAGE = re.compile(r"\.(?:xml|gz|rss|atom|json|jpe?g|png|gif|webp|svg|pdf|docx?|xlsx?|zip|mp[34]|css|js)$", re.I)


def looks_like_article_url(url: str) -> bool:
    """Whether a URL looks like an article page of a news site whose URL rules are unknown: at least two
    path segments, the last a long slug (three or more ``-``/``_``) or carrying a number of four or more
    digits, outside tag, category, search and service paths, and no file."""
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2 or NOT_ARTICLE_PATH.search(path) or NOT_A_PAGE.search(path):
        return False
    last = segments[-1]
    return last.count("-") + last.count("_") >= 3 or bool(re.search(r"\d{4,}", last))


@dataclass(frozen=True)
class Edition:
    """One language edition of an outlet."""

    code: str
    language: str
    #: the agency name written as author when a page names no person
    agency: str | None = None
    #: the edition's home page: where its standard routes are (the feeds it announces, and the
    #: ``robots.txt`` and ``/sitemap.xml`` of its host)
    home: str | None = None


class Listed(NamedTuple):
    """One entry of a listing, feed, sitemap or API page: the article's URL and the time (or day) it
    is listed with. An entry that does not ``steer`` (a featured or pinned card, which can be old)
    is followed like any other but left out of the decision to walk on."""

    url: str
    published: datetime | date | None = None
    steers: bool = True


@dataclass(frozen=True)
class Outlet:
    """The facts of one outlet, and its URL rules (methods; outlets with rules of their own override them)."""

    name: str
    #: the label of the record's "Original:" link
    short_name: str
    timezone: str
    hosts: tuple[str, ...]
    editions: dict[str, Edition]
    layouts: tuple[Layout, ...] = ()
    #: agency name for pages that name no person, when the edition has none of its own
    agency: str | None = None
    #: headings of "read also" blocks and paragraphs inside article bodies (never body text)
    related_headings: tuple[str, ...] = ()
    #: suffixes of ``og:title``/``<title>`` to strip (" | Kazinform")
    title_suffix: re.Pattern[str] = field(default=re.compile(r"\s*(?:[|–—-]|::)\s*[^|–—:-]{2,40}$"))
    #: labels some pages print right after the title (``Эксклюзив``): never part of the title or the body
    title_labels: tuple[str, ...] = ()
    #: the agency names the outlet's datelines print (``KAZINFORM`` in capitals before a dash; mixed-case
    #: names such as ``ҚазАқпарат`` count only when a dash follows): stripped before texts are compared
    dateline_agencies: tuple[str, ...] = ()
    #: whether article pages are a JavaScript application (an unrendered page holds no article)
    needs_javascript: bool = False
    #: a site without an outlet module (the ``site`` spider's): no layouts, no URL rules, no agency
    generic: bool = False
    #: the year the outlet's web archive begins at the earliest: a backfill never walks back further
    first_year: int | None = None

    # -- URL rules
    def owns(self, url: str) -> bool:
        """Whether a URL is on one of the outlet's hosts."""
        host = bare_host(host_of(url))
        return any(host == bare_host(h) or host.endswith("." + bare_host(h)) for h in self.hosts)

    def edition_of(self, url: str) -> str | None:
        """The edition an article URL belongs to (outlets with several say how to tell)."""
        return next(iter(self.editions), None)

    def article_keys(self, url: str) -> set[str]:
        """Every key the article at ``url`` is known under; outlets add their own id forms."""
        return {canonical_key(url)}

    def is_article_url(self, url: str) -> bool:
        """Whether a URL is one of the outlet's article pages (outlets with URL rules say which)."""
        return self.owns(url)

    def published_in_url(self, url: str) -> datetime | None:
        """The publication time an article URL carries (outlets whose URLs carry one say how to read it)."""
        return None

    def looks_like_article(self, url: str) -> bool:
        """Whether a URL of the outlet looks like an article although its URL rules do not know the form
        (see :func:`looks_like_article_url`)."""
        return self.owns(url) and looks_like_article_url(url)

    # -- editions
    def agency_for(self, edition: str | None) -> str | None:
        """The agency name for an edition."""
        ed = self.editions.get(edition or "")
        return (ed.agency if ed else None) or self.agency

    def edition_home(self, edition: str | None) -> str | None:
        """The home page of an edition (its ``home``), else of the outlet's first host."""
        ed = self.editions.get(edition or "")
        if ed is not None and ed.home:
            return ed.home
        return f"https://{self.hosts[0]}/" if self.hosts else None

    def language_of(self, edition: str | None) -> str | None:
        """The language an edition is published in."""
        ed = self.editions.get(edition or "")
        return ed.language if ed else None

    # -- pages
    def layout_for(self, tree: HtmlElement) -> Layout | None:
        """The first layout that matches the page."""
        return next((lay for lay in self.layouts if lay.matches(tree)), None)


def site_outlet(host: str, timezone: str = "UTC") -> Outlet:
    """The outlet of a site without a module of its own: named after its host."""
    return Outlet(name=host, short_name=host, timezone=timezone, hosts=(host,) if host else (), editions={},
                  generic=True)
