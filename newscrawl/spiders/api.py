"""What spiders that read articles from a JSON API share.

An API item's body is HTML, but not a page: :func:`api_document` puts the item's title, lead, tags and
body HTML into a small document whose structure :func:`api_layout` reads, so the item goes through the
same extraction as article pages (``newscrawl.extraction.parse_page``: the outlet's ``remove`` rules
and related-news headings, trafilatura on the body container). :class:`ApiNewsSpider` adds the crawl
mechanics: items in the crawl's range that the archive lacks become articles, items without a usable
body fall back to the article's web page (rendered by Splash when the outlet's pages need it), and API
failures are logged and counted (``newscrawl/api/failed/<api>``) so that a spider can fall back to
another route. Whether to read an API's next page is ``NewsSpider.keep_paging``'s decision, given the
page's items as :func:`item_entries`.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.etree
import lxml.html
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.extract.fields import MIN_BODY_CHARS, build_article
from newscrawl.extract.html import is_unrendered_app, squash
from newscrawl.items import Article
from newscrawl.outlets.base import Layout
from newscrawl.spiders.base import Listed, NewsSpider
from newscrawl.splash import page_request, splash_enabled

logger = logging.getLogger(__name__)

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


def json_payload(response: Response) -> Any | None:
    """The decoded JSON of a response; None when it is not JSON."""
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return None


def failure_reason(failure: Failure) -> str:
    """A short description of why a request failed: its HTTP status or the error."""
    response = getattr(failure.value, "response", None)
    return f"HTTP {response.status}" if response is not None else failure.getErrorMessage()


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
    """The listing entries of a page of API items (for ``NewsSpider.keep_paging``)."""
    return [Listed(item.url, item.published) for item in items]


class ApiNewsSpider(NewsSpider):
    """Base of spiders whose articles come from a JSON API, with article pages as fallback."""

    #: whether article pages need a JavaScript renderer (Splash, when ``SPLASH_URL`` is set)
    render_pages: bool = False

    # -- failures
    def api_failure(self, api: str, url: str, reason: str) -> None:
        """Count and log an API request that failed or answered something unusable."""
        self.crawler.stats.inc_value("newscrawl/api/failed")
        self.crawler.stats.inc_value(f"newscrawl/api/failed/{api}")
        logger.warning("%s API failed: %s (%s)", api, url, reason)

    # -- items
    async def follow_items(self, items: Sequence[ApiItem], edition: str, api: str,
                           *, explicit: bool = False) -> AsyncIterator[Article | Request]:
        """Articles for the items in range that the archive lacks; page requests for items whose
        API body is missing or too short."""
        for item in items:
            self.crawler.stats.inc_value(f"newscrawl/api/items/{api}")
            if not explicit:
                self.note_published(edition, item.published)
                if not self.in_range(item.published):
                    continue
            if not self.claim(item.url, explicit=explicit):
                continue
            article = None
            if item.document is not None:
                article = await self.article_from_document(item.document, item.url, edition, api=api,
                                                           date_candidates=item.date_candidates)
            if article is not None:
                yield article
            else:
                self.crawler.stats.inc_value(f"newscrawl/api/without_text/{api}")
                yield self.page_fallback(item.url, edition, date_candidates=item.date_candidates,
                                         listed=item.published)

    async def article_from_document(self, document: str, url: str, edition: str | None, *, api: str,
                                    date_candidates: Iterable[tuple[str, str]] = ()) -> Article | None:
        """The article of an :func:`api_document`; None when it has no title or too little text."""
        fields = await self.extractor.parse(document, url, self.outlet.name)
        article = article_from_api_fields(fields, url, self.outlet, edition, api=api,
                                          date_candidates=date_candidates)
        if article is not None:
            self.crawler.stats.inc_value(f"newscrawl/api/articles/{api}")
        return article

    def page_fallback(self, url: str, edition: str | None, *, date_candidates: Iterable[tuple[str, str]] = (),
                      listed: datetime | None = None) -> Request:
        """A request for the web page of an article the API gave no usable text for, or could not
        give (counted ``newscrawl/api/page_fallbacks``); dates the API gave are kept for the page's
        article."""
        self.crawler.stats.inc_value("newscrawl/api/page_fallbacks")
        return self.article_page_request(url, edition, dont_filter=True, listed=listed,
                                         meta={"newscrawl_api_dates": list(date_candidates)})

    def web_page_request(self, url: str, **kwargs: Any) -> Request:
        """A request for one of the outlet's web pages: rendered by Splash when the outlet's pages need
        it and ``SPLASH_URL`` is set; without Splash such a request is counted
        (``newscrawl/render/without_splash``), as the page will likely hold no article."""
        if self.render_pages and not splash_enabled(self.settings):
            self.crawler.stats.inc_value("newscrawl/render/without_splash")
            self.warn_once("without-splash", "%s pages need JavaScript; without SPLASH_URL they are fetched "
                           "unrendered: %s", self.outlet.name, url)
        return page_request(url, self.settings, render=self.render_pages, **kwargs)

    async def parse_article(self, response: Response, edition: str | None = None) -> AsyncIterator[Article]:
        """Extract the article of a page; the unrendered shell of a JavaScript page (no Splash, or
        Splash failed to run it) is skipped and counted (``newscrawl/skipped/unrendered_page``)."""
        if self.render_pages and isinstance(response, TextResponse) and is_unrendered_app(response.text):
            self.skip(response, "unrendered_page")
            return
        async for article in super().parse_article(response, edition):
            yield article

    def article_from_fields(self, response: Response, edition: str | None, fields: dict[str, Any]) -> Article:
        """The item of a page; the dates the API gave for it come before the page's own."""
        api_dates = response.meta.get("newscrawl_api_dates") or []
        if api_dates:
            fields = {**fields, "date_candidates": [*api_dates, *fields["date_candidates"]]}
        return super().article_from_fields(response, edition, fields)


def article_from_api_fields(fields: dict[str, Any] | None, url: str, outlet, edition: str | None, *, api: str,
                            date_candidates: Iterable[tuple[str, str]] = ()) -> Article | None:
    """The article for the extracted fields of an :func:`api_document`, the API's dates first;
    None when extraction failed or found no title or too little text."""
    if not fields or not fields.get("title") or len(fields.get("body") or "") < MIN_BODY_CHARS:
        return None
    fields = {**fields, "date_candidates": [*date_candidates, *fields["date_candidates"]],
              "sources": {**fields["sources"], "item": f"api:{api}"}}
    return build_article(fields, url, outlet, edition)
