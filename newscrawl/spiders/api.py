"""What spiders that read articles from a JSON API share.

An outlet module turns its API's items into :class:`~newscrawl.outlets.api.ApiItem` s, each with its
body as an :func:`~newscrawl.outlets.api.api_document`; :class:`ApiNewsSpider` reads such a document
through the one reader like any page, falls back to the article's web page (rendered by Splash when
the outlet's pages need JavaScript) for items without a usable body, and logs and counts API
failures (``newscrawl/api/failed/<api>``) so that a spider can fall back to another route.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from scrapy.http import Request
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newscrawl.items import Article
from newscrawl.outlets.api import ApiItem
from newscrawl.reading import Skip, api_page
from newscrawl.spiders.base import NewsSpider

logger = logging.getLogger(__name__)


def failure_reason(failure: Failure) -> str:
    """A short description of why a request failed: its HTTP status or the error."""
    response = getattr(failure.value, "response", None)
    return f"HTTP {response.status}" if response is not None else failure.getErrorMessage()


def splash_enabled(settings: BaseSettings) -> bool:
    """Whether requests that need rendering go through Splash (``SPLASH_URL`` is set)."""
    return bool(settings.get("SPLASH_URL"))


def page_request(url: str, settings: BaseSettings, *, render: bool = True, **kwargs: Any) -> Request:
    """A request for a page: rendered by Splash (``render.html``) when ``render`` is asked and Splash
    is on, a plain request otherwise. ``kwargs`` are those of ``scrapy.Request``.

    A Splash request is a POST of its JSON arguments to ``SPLASH_URL/render.html``; its body is
    ``json.dumps(args, sort_keys=True)``, so replay from a WARC finds it again by method, URL and body
    digest like any other POST."""
    if not (render and splash_enabled(settings)):
        return Request(url, **kwargs)
    from newscrawl.addons import RENDER_ENDPOINT, ensure_scrapy_splash_importable

    ensure_scrapy_splash_importable()
    from scrapy_splash import SplashRequest

    args = {"wait": settings.getfloat("SPLASH_WAIT")}
    return SplashRequest(url, endpoint=RENDER_ENDPOINT, args=args, **kwargs)


class ApiNewsSpider(NewsSpider):
    """Base of spiders whose articles come from a JSON API, with article pages as fallback."""

    # -- failures
    def api_failure(self, api: str, url: str, reason: str) -> None:
        """Count and log an API request that failed or answered something unusable."""
        self.crawler.stats.inc_value("newscrawl/api/failed")
        self.crawler.stats.inc_value(f"newscrawl/api/failed/{api}")
        logger.log(self._failure_level(url), "%s API failed: %s (%s)", api, url, reason)

    # -- items
    async def follow_items(self, items: Sequence[ApiItem], edition: str, api: str, *, explicit: bool = False,
                           source: str | None = None) -> AsyncIterator[Article | Request]:
        """Articles for the items in range that the archive lacks; page requests for items whose
        API body is missing or too short. ``source`` is the URL of the API page that listed them."""
        if not explicit:
            self.routes.note(source or api, [(item.url, item.published) for item in items], edition=edition,
                             kind="API", origin="own")
            if items:
                self.found_articles(edition)
        for item in items:
            self.crawler.stats.inc_value(f"newscrawl/api/items/{api}")
            if not explicit:
                self.walk.note_published(edition, item.published)
                if not self.walk.in_range(item.published):
                    continue
            if not self.claim(item.url, explicit=explicit):
                continue
            article = await self.article_of_item(item, edition, api) if item.document is not None else None
            if article is not None:
                yield article
            else:
                self.crawler.stats.inc_value(f"newscrawl/api/without_text/{api}")
                yield self.page_fallback(item.url, edition, date_candidates=item.date_candidates,
                                         listed=item.published)

    async def article_of_item(self, item: ApiItem, edition: str | None, api: str) -> Article | None:
        """The article of an API item's document, read like a page; None when it is no article."""
        article = await self.read(api_page(item, edition, api))
        if isinstance(article, Skip):
            return None
        self.crawler.stats.inc_value(f"newscrawl/api/articles/{api}")
        return article

    def page_fallback(self, url: str, edition: str | None, *, date_candidates: Iterable[tuple[str, str]] = (),
                      listed: datetime | None = None) -> Request:
        """A request for the web page of an article the API gave no usable text for, or could not
        give (counted ``newscrawl/api/page_fallbacks``); dates the API gave come before the page's own."""
        self.crawler.stats.inc_value("newscrawl/api/page_fallbacks")
        return self.article_page_request(url, edition, dont_filter=True, listed=listed,
                                         meta={"newscrawl_given_dates": list(date_candidates)})

    def web_page_request(self, url: str, **kwargs: Any) -> Request:
        """A request for one of the outlet's web pages: rendered by Splash when the outlet's pages need
        it and ``SPLASH_URL`` is set; without Splash such a request is counted
        (``newscrawl/render/without_splash``), as the page will likely hold no article."""
        render = self.outlet.needs_javascript
        if render and not splash_enabled(self.settings):
            self.crawler.stats.inc_value("newscrawl/render/without_splash")
            self.warn_once("without-splash", "%s pages need JavaScript; without SPLASH_URL they are fetched "
                           "unrendered: %s", self.outlet.name, url)
        return page_request(url, self.settings, render=render, **kwargs)
