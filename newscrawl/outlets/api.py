"""Articles that outlets publish through a JSON API: the API's items as documents for the one reader.

An API item's body is HTML, but not a page: :func:`api_document` puts the item's title, lead, tags and
body HTML into a small document whose structure :func:`api_layout` reads, so the item goes through the
same extraction and the same reader as article pages (the outlet's ``remove`` rules and related-news
headings, trafilatura on the body container). An outlet module turns its API's items into
:class:`ApiItem` s; whether to read an API's next page is the listing walk's decision, given the
page's items as :func:`item_entries`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.etree
import lxml.html

from newscrawl.extract.html import squash
from newscrawl.extract.layout import Layout
from newscrawl.outlets.base import Listed

#: the class of the document :func:`api_document` builds
API_CLASS = "newscrawl-api-item"


def api_layout(remove: Iterable[str] = (), name: str = "api") -> Layout:
    """The layout that reads :func:`api_document`'s documents, with the outlet's own ``remove`` rules."""
    return Layout(
        name=name,
        detect=(f"article.{API_CLASS}",),
        title=(f"h1.{API_CLASS}__title",),
        lead=(f"div.{API_CLASS}__lead",),
        body=(f"div.{API_CLASS}__body",),
        remove=tuple(remove),
        tags=(f"ul.{API_CLASS}__tags li",),
    )


def plain_text(fragment: str | None) -> str:
    """The text of an HTML fragment (API titles and leads may hold tags and entities)."""
    if not fragment or not fragment.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return squash(html.unescape(fragment))
    return squash(root.text_content())


def api_document(title: str, body_html: str, *, lead: str | None = None, tags: Iterable[str] = ()) -> str:
    """An HTML document holding one API item, in the structure :func:`api_layout` reads.

    Title, tags and lead come before the body, so that unclosed tags in the body HTML cannot swallow
    them.
    """
    title = html.escape(plain_text(title))
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>', title, "</title></head><body>",
             f'<article class="{API_CLASS}"><h1 class="{API_CLASS}__title">', title, "</h1>"]
    tags = [t for t in (plain_text(tag) for tag in tags) if t]
    if tags:
        parts += [f'<ul class="{API_CLASS}__tags">', *(f"<li>{html.escape(t)}</li>" for t in tags), "</ul>"]
    if lead and plain_text(lead):
        parts += [f'<div class="{API_CLASS}__lead">', html.escape(plain_text(lead)), "</div>"]
    parts += [f'<div class="{API_CLASS}__body">', body_html, "</div></article></body></html>"]
    return "".join(parts)


def json_payload(body: bytes) -> Any | None:
    """The decoded JSON of a response body; None when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class ApiItem:
    """One article as an API lists it."""

    #: the article's web URL: the record's URL
    url: str
    published: datetime | None = None
    #: the item as an :func:`api_document`; None when the item has no body text
    document: str | None = None
    #: ``(source, raw value)`` publication dates of the item, best first
    date_candidates: list[tuple[str, str]] = field(default_factory=list)


def item_entries(items: Iterable[ApiItem]) -> list[Listed]:
    """The listing entries of a page of API items (for the listing walk)."""
    return [Listed(item.url, item.published) for item in items]
