"""JavaScript pages through Splash (scrapy-splash), switched on by ``SPLASH_URL``.

``SplashAddon`` (listed in ``ADDONS``) wires scrapy-splash exactly as its README prescribes, but only
when ``SPLASH_URL`` is set (in the settings, with ``-s SPLASH_URL=…`` or in the environment):

* ``DOWNLOADER_MIDDLEWARES``: ``SplashCookiesMiddleware`` 723, ``SplashMiddleware`` 725, and
  ``HttpCompressionMiddleware`` moved to 810;
* ``SPIDER_MIDDLEWARES``: ``SplashDeduplicateArgsMiddleware`` 100;
* ``REQUEST_FINGERPRINTER_CLASS``: ``SplashRequestFingerprinter``. Since scrapy-splash 0.10 this one
  setting is what the README prescribes for duplicate filtering and the HTTP cache both; the older
  ``DUPEFILTER_CLASS = SplashAwareDupeFilter`` and ``HTTPCACHE_STORAGE = SplashAwareFSCacheStorage``
  are deprecated there (they warn when built) and rely on a fingerprint function Scrapy removed.

``SplashMiddleware`` and ``SplashDeduplicateArgsMiddleware`` are scrapy-splash's classes as
subclassed in :mod:`newscrawl.middlewares.splash`, which fits them to current Scrapy (the released
ones fail under it); the other components are scrapy-splash's own. scrapy-splash also imports a
function Scrapy no longer has; :func:`ensure_scrapy_splash_importable` puts it back first.

Spiders ask for a rendered page with :func:`page_request`: a ``SplashRequest`` to the ``render.html``
endpoint when Splash is on, a plain ``Request`` otherwise. A Splash request is a POST of its JSON
arguments to ``SPLASH_URL/render.html``; its body is ``json.dumps(args, sort_keys=True)``, so replay
from a WARC finds it again by method, URL and body digest like any other POST.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: scrapy-splash's README: downloader middlewares and their orders
DOWNLOADER_MIDDLEWARES: dict[str, int] = {
    "scrapy_splash.SplashCookiesMiddleware": 723,
    "newscrawl.middlewares.splash.SplashMiddleware": 725,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 810,
}
#: scrapy-splash's README: spider middleware
SPIDER_MIDDLEWARES: dict[str, int] = {
    "newscrawl.middlewares.splash.SplashDeduplicateArgsMiddleware": 100,
}
#: scrapy-splash's README: the request fingerprinter (duplicate filter and HTTP cache)
REQUEST_FINGERPRINTER_CLASS = "scrapy_splash.SplashRequestFingerprinter"
#: the Splash endpoint that returns the rendered HTML of a page
RENDER_ENDPOINT = "render.html"


def splash_enabled(settings: BaseSettings) -> bool:
    """Whether requests that need rendering go through Splash."""
    return bool(settings.get("SPLASH_URL"))


def ensure_scrapy_splash_importable() -> None:
    """Let scrapy-splash 0.11 import under current Scrapy.

    scrapy-splash imports ``canonicalize_url`` from ``scrapy.utils.url``, which Scrapy no longer
    re-exports (scrapy-plugins/scrapy-splash#332, open); it always was w3lib's function, so it is
    put back under its old name before scrapy-splash is imported. Nothing changes when Scrapy still
    has it or scrapy-splash no longer needs it.
    """
    import scrapy.utils.url
    from w3lib.url import canonicalize_url

    if not hasattr(scrapy.utils.url, "canonicalize_url"):
        scrapy.utils.url.canonicalize_url = canonicalize_url  # type: ignore[attr-defined]


def _merge_components(settings: BaseSettings, name: str, components: dict[str, int]) -> None:
    """Add components to a component-priority setting, keeping the setting's own priority."""
    merged = {**settings.getdict(name), **components}
    settings.set(name, merged, priority=settings.getpriority(name) or "addon")


class SplashAddon:
    """A Scrapy add-on: the scrapy-splash settings, applied only when ``SPLASH_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not splash_enabled(settings):
            raise NotConfigured  # silently off: no Splash server configured
        ensure_scrapy_splash_importable()
        _merge_components(settings, "DOWNLOADER_MIDDLEWARES", DOWNLOADER_MIDDLEWARES)
        _merge_components(settings, "SPIDER_MIDDLEWARES", SPIDER_MIDDLEWARES)
        settings.set("REQUEST_FINGERPRINTER_CLASS", REQUEST_FINGERPRINTER_CLASS, priority="addon")
        logger.info("JavaScript pages are rendered by Splash at %s", settings.get("SPLASH_URL"))


def page_request(url: str, settings: BaseSettings, *, render: bool = True, **kwargs: Any) -> Request:
    """A request for a page: rendered by Splash (``render.html``) when ``render`` is asked and Splash
    is on, a plain request otherwise. ``kwargs`` are those of ``scrapy.Request``."""
    if not (render and splash_enabled(settings)):
        return Request(url, **kwargs)
    ensure_scrapy_splash_importable()
    from scrapy_splash import SplashRequest

    args = {"wait": settings.getfloat("SPLASH_WAIT", 2.0)}
    return SplashRequest(url, endpoint=RENDER_ENDPOINT, args=args, **kwargs)
