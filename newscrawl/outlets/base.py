"""What every outlet module declares: its facts (hosts, editions, time zone, agency name) and the
versions of its article page layout. The mechanics that use them live in shared code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml.html import HtmlElement

from newscrawl.extract.html import css_texts
from newscrawl.urls import bare_host, canonical_key, host_of


@dataclass(frozen=True)
class Edition:
    """One language edition of an outlet."""

    code: str
    language: str
    #: the agency name written as author when a page names no person
    agency: str | None = None


@dataclass(frozen=True)
class Layout:
    """One version of an outlet's article page (Fundus-style): the selectors that read it.

    A layout applies to a page when one of ``detect`` matches. Each field falls back, field by
    field, to JSON-LD, OpenGraph/meta tags and trafilatura when its selectors find nothing.
    """

    name: str
    detect: tuple[str, ...]
    title: tuple[str, ...] = ("h1",)
    lead: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    #: removed from the body container before extraction (related news, embeds, ads, captions)
    remove: tuple[str, ...] = ()
    #: elements whose text is the visible publication date
    date: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: first and last day the layout was in use, where known (documentation and tests)
    valid_from: date | None = None
    valid_until: date | None = None

    def matches(self, tree: HtmlElement) -> bool:
        """Whether the page is in this layout."""
        return any(tree.cssselect(sel) for sel in self.detect)

    def tag_texts(self, tree: HtmlElement) -> list[str]:
        """Tags as the page lists them: ``#``-prefixed or comma-separated lists are split."""
        tags: list[str] = []
        for text in css_texts(tree, self.tags):
            parts = re.split(r"\s*#\s*|\s*,\s*", text) if ("#" in text or "," in text) else [text]
            tags.extend(p.strip() for p in parts if p.strip())
        return list(dict.fromkeys(tags))


@dataclass(frozen=True)
class Outlet:
    """The facts of one outlet."""

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

    def owns(self, url: str) -> bool:
        """Whether a URL is on one of the outlet's hosts."""
        host = bare_host(host_of(url))
        return any(host == bare_host(h) or host.endswith("." + bare_host(h)) for h in self.hosts)

    def edition_of(self, url: str) -> str | None:
        """The edition an article URL belongs to (outlets with several override this)."""
        return next(iter(self.editions), None)

    def article_keys(self, url: str) -> set[str]:
        """Every key the article at ``url`` is known under; outlets add their own id forms."""
        return {canonical_key(url)}

    def agency_for(self, edition: str | None) -> str | None:
        """The agency name for an edition."""
        ed = self.editions.get(edition or "")
        return (ed.agency if ed else None) or self.agency

    def language_of(self, edition: str | None) -> str | None:
        """The language an edition is published in."""
        ed = self.editions.get(edition or "")
        return ed.language if ed else None

    def layout_for(self, tree: HtmlElement) -> Layout | None:
        """The first layout that matches the page."""
        return next((lay for lay in self.layouts if lay.matches(tree)), None)
