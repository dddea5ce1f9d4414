"""scrapy-splash's argument deduplication, fitted to asynchronous spider output."""

from __future__ import annotations

import asyncio

from scrapy import Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.addons import ensure_scrapy_splash_importable
from newscrawl.middlewares.splash import SplashDeduplicateArgsMiddleware

ensure_scrapy_splash_importable()
from scrapy_splash import SplashRequest  # noqa: E402

URL = "https://www.gov.kz/memleket/entities/mfa/press/news?lang=ru"


def middleware() -> SplashDeduplicateArgsMiddleware:
    crawler = get_crawler()
    crawler.spider = Spider(name="test")
    return SplashDeduplicateArgsMiddleware.from_crawler(crawler)


async def stream(*elements):
    for element in elements:
        yield element


def collected(agen) -> list:
    async def run():
        return [x async for x in agen]
    return asyncio.run(run())


def test_cached_splash_arguments_become_fingerprints_in_spider_output():
    request = SplashRequest(URL, args={"lua_source": "return splash:html()"}, cache_args=["lua_source"])
    out = collected(middleware().process_spider_output(HtmlResponse(URL), stream(request, {"item": 1})))
    assert out[0].meta["splash"]["args"]["lua_source"].startswith("LOCAL+")
    assert out[1] == {"item": 1}


def test_start_requests_are_processed_too():
    request = SplashRequest(URL, args={"lua_source": "return splash:html()"}, cache_args=["lua_source"])
    mw = middleware()
    (out,) = collected(mw.process_start(stream(request)))
    fingerprint = out.meta["splash"]["args"]["lua_source"]
    assert mw.crawler.spider.state[mw.local_values_key][fingerprint] == "return splash:html()"
