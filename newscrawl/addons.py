"""Scrapy add-ons of newscrawl: components wired only when their setting asks for them.

JavaScript pages through Splash (scrapy-splash), switched on by ``SPLASH_URL``.

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

Spiders ask for a rendered page with ``newscrawl.spiders.api.page_request``.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
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
        if not settings.get("SPLASH_URL"):
            raise NotConfigured  # silently off: no Splash server configured
        ensure_scrapy_splash_importable()
        _merge_components(settings, "DOWNLOADER_MIDDLEWARES", DOWNLOADER_MIDDLEWARES)
        _merge_components(settings, "SPIDER_MIDDLEWARES", SPIDER_MIDDLEWARES)
        settings.set("REQUEST_FINGERPRINTER_CLASS", REQUEST_FINGERPRINTER_CLASS, priority="addon")
        logger.info("JavaScript pages are rendered by Splash at %s", settings.get("SPLASH_URL"))
