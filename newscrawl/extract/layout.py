"""Versions of an article page's layout (Fundus-style): the selectors that read one version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml.html import HtmlElement

from newscrawl.extract.html import css_texts


@dataclass(frozen=True)
class Layout:
    """One version of an outlet's article page: the selectors that read it.

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
