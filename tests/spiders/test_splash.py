"""JavaScript pages through Splash: scrapy-splash is wired only when SPLASH_URL is set, and then the
MFA spider's page requests go through Splash's render.html API. Splash itself runs only as a container
image, so a small HTTP server on 127.0.0.1 answers render.html with a fixture page."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy import Request
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler
from support import FIXTURES, SitePage, run_crawl, write_site_warc

import newscrawl.settings
from newscrawl.extract.html import is_unrendered_app
from newscrawl.spiders.api import page_request
from newscrawl.spiders.mfakz import MfakzSpider

PAGES = FIXTURES / "mfakz" / "pages"
RENDERED = (PAGES.parent / "articles" / "rendered_article.html").read_bytes()
SHELL = (PAGES / "spa_shell.html").read_bytes()
#: an MFA page known by its slug: not fetchable through the API by id, so read as a (rendered) page
SLUG_URL = "https://www.gov.kz/memleket/entities/mfa/press/news/details/konsultacii-po-konsulskim-voprosam?lang=ru"
TITLE = "В Астане прошли консультации по консульским вопросам между МИД Казахстана и Кыргызстана"


def project_crawler(**overrides):
    """A crawler with newscrawl's own settings (add-ons applied), and ``overrides``."""
    settings = {k: v for k, v in vars(newscrawl.settings).items() if k.isupper() and k != "TWISTED_REACTOR"}
    return get_crawler(MfakzSpider, {**settings, **overrides})


# -- the wiring
def test_without_splash_url_nothing_of_scrapy_splash_is_enabled():
    settings = project_crawler(SPLASH_URL=None).settings
    assert not any("splash" in str(k).lower() for k in settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert not any("splash" in str(k).lower() for k in settings.getwithbase("SPIDER_MIDDLEWARES"))
    assert "splash" not in str(settings.get("REQUEST_FINGERPRINTER_CLASS")).lower()


def test_splash_url_enables_the_readmes_middlewares_orders_and_fingerprinter():
    crawler = project_crawler(SPLASH_URL="http://127.0.0.1:8050")
    downloader = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert downloader["scrapy_splash.SplashCookiesMiddleware"] == 723
    assert downloader["newscrawl.middlewares.splash.SplashMiddleware"] == 725
    assert downloader["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] == 810
    spider_mws = crawler.settings.getwithbase("SPIDER_MIDDLEWARES")
    assert spider_mws["newscrawl.middlewares.splash.SplashDeduplicateArgsMiddleware"] == 100
    assert type(crawler.request_fingerprinter).__name__ == "SplashRequestFingerprinter"
    # Splash rewrites requests before replay (950) answers them, so Splash requests replay too
    order = build_component_list(downloader)
    splash = order.index("newscrawl.middlewares.splash.SplashMiddleware")
    assert splash < order.index("newscrawl.middlewares.replay.ReplayMiddleware")


@pytest.mark.filterwarnings("ignore:.*requires a spider argument")  # scrapy-splash's own middlewares
def test_scrapy_splash_middlewares_load_under_this_scrapy():
    crawler = project_crawler(SPLASH_URL="http://127.0.0.1:8050")
    names = [type(mw).__name__ for mw in DownloaderMiddlewareManager.from_crawler(crawler).middlewares]
    assert "SplashMiddleware" in names and "SplashCookiesMiddleware" in names


def test_page_request_is_a_render_html_splash_request_only_when_splash_is_on():
    on = project_crawler(SPLASH_URL="http://127.0.0.1:8050").settings
    off = project_crawler(SPLASH_URL=None).settings
    rendered = page_request(SLUG_URL, on)
    assert rendered.meta["splash"]["endpoint"] == "render.html" and rendered.meta["splash"]["args"]["wait"] == 2.0
    assert type(page_request(SLUG_URL, off)) is Request
    assert type(page_request(SLUG_URL, on, render=False)) is Request


def test_application_shell_is_told_from_a_rendered_page():
    assert is_unrendered_app(SHELL.decode())
    assert not is_unrendered_app(RENDERED.decode())


# -- crawls through a stand-in for Splash
class FakeSplash(ThreadingHTTPServer):
    """Answers ``POST /render.html`` for the slug URL with the rendered fixture page; records requests."""

    def __init__(self):
        self.requests: list[tuple[str, bytes]] = []
        super().__init__(("127.0.0.1", 0), _SplashHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _SplashHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append((self.path, body))
        args = json.loads(body or b"{}")
        found = self.path == "/render.html" and args.get("url") == SLUG_URL
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(RENDERED if found else b"<html><body>not found</body></html>")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def splash_run(tmp_path_factory):
    """``scrapy crawl mfakz -a url=…`` with SPLASH_URL pointing at the stand-in."""
    root = tmp_path_factory.mktemp("splash")
    server = FakeSplash()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = run_crawl("mfakz", root / "run", archive=root / "archive", args={"url": SLUG_URL},
                        settings={"SPLASH_URL": server.url, "ROBOTSTXT_OBEY": False})
    finally:
        server.shutdown()
        server.server_close()
    return run, server, server.url


def test_with_splash_url_the_page_is_rendered_by_splash_and_archived(splash_run):
    run, server, _ = splash_run
    assert run.returncode == 0, run.log
    assert [(item["url"], item["title"]) for item in run.items] == [(SLUG_URL, TITLE)]
    assert run.items[0]["published"] == "2025-11-05T11:30:00+05:00"
    assert len(server.requests) == 1
    path, body = server.requests[0]
    args = json.loads(body)
    assert path == "/render.html" and args["url"] == SLUG_URL and args["wait"] == 2.0
    assert run.stat("splash/render.html/request_count") == 1
    assert run.stat("newscrawl/archived") == 1


def test_without_splash_url_no_splash_request_is_made(tmp_path):
    robots = SitePage("https://www.gov.kz/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
    warc = write_site_warc(tmp_path / "site.warc.gz", [robots, SitePage(SLUG_URL, SHELL)])
    run = run_crawl("mfakz", tmp_path / "run", archive=tmp_path / "archive", replay=warc, args={"url": SLUG_URL})
    assert run.returncode == 0, run.log
    assert not any(name.startswith("splash/") for name in run.stats)
    # robots.txt and the page itself were asked for (the stored shell answered), nothing else
    assert run.stat("newscrawl/replay/answered") == 2 and run.stat("newscrawl/replay/missing") == 0
    assert run.items == []
    assert run.stat("newscrawl/render/without_splash") == 1
    assert run.stat("newscrawl/skipped/unrendered_page") == 1


def test_splash_requests_replay_from_a_warc(splash_run, tmp_path):
    _, server, splash_url = splash_run
    _, body = server.requests[0]
    warc = write_site_warc(tmp_path / "site.warc.gz", [
        SitePage(f"{splash_url}/render.html", RENDERED, method="POST", request_body=body)])
    run = run_crawl("mfakz", tmp_path / "run", archive=tmp_path / "archive", replay=warc, args={"url": SLUG_URL},
                    settings={"SPLASH_URL": splash_url, "ROBOTSTXT_OBEY": False})
    assert run.returncode == 0, run.log
    assert [(item["url"], item["title"]) for item in run.items] == [(SLUG_URL, TITLE)]
    assert run.stat("newscrawl/replay/answered") == 1 and run.stat("newscrawl/replay/missing") == 0
    assert len(server.requests) == 1  # the stand-in (now shut down) was not asked again
