"""The standard discovery routes (``newscrawl.spiders.discovery``): which links of a route are articles,
and, for every outlet, a replayed crawl whose own routes are all missing (404) but whose ``robots.txt``
names a news sitemap (or whose home page announces a feed) holding its articles: the spider falls back
to them and archives the articles."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from scrapy.http import Request, XmlResponse
from support import FIXTURES, SitePage, project_crawler, run_crawl, write_site_warc

from newscrawl.outlets import get_outlet
from newscrawl.outlets.base import Listed
from newscrawl.spiders.discovery import article_links
from newscrawl.spiders.qazaqtv import QazaqTvSpider

#: per outlet: the article fixture the saved site serves
CASES = {
    "kazinform": "kazinform/articles/ru_2023",
    "qazaqtv": "qazaqtv/articles/en_2019",
    "totalkz": "totalkz/articles/post_2025_agency",
    "mosru": "mosru/articles/item_164551073",
    "mosds": "mosds/articles/presscenter_2021",
    "mfakz": "mfakz/articles/rendered_article",
}
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def fixture_article(case: str) -> tuple[str, bytes]:
    """The URL and page of an article fixture."""
    expected = json.loads((FIXTURES / f"{case}.expected.json").read_text(encoding="utf-8"))
    return expected["url"], (FIXTURES / f"{case}.html").read_bytes()


def news_sitemap(url: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>{url}</loc><news:news>'
            f"<news:publication_date>{NOW.isoformat()}</news:publication_date></news:news></url></urlset>").encode()


def rss(url: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><item><title>A</title>'
            f"<link>{url}</link><pubDate>{format_datetime(NOW)}</pubDate></item></channel></rss>").encode()


def standard_site(outlet_name: str, url: str, page: bytes, *, by_feed: bool) -> list[SitePage]:
    """A saved site in which only the standard routes hold the article: ``robots.txt`` naming a news
    sitemap, or the edition's home page announcing a feed."""
    outlet = get_outlet(outlet_name)
    edition = outlet.edition_of(url)
    home = outlet.edition_home(edition)
    root = "/".join(home.split("/")[:3])
    pages = [SitePage(url, page)]
    if by_feed:
        head = '<link rel="alternate" type="application/rss+xml" title="News" href="/all-news.rss">'
        pages += [SitePage(home, f"<html><head>{head}</head><body>Home</body></html>".encode()),
                  SitePage(f"{root}/all-news.rss", rss(url), content_type="application/rss+xml"),
                  SitePage(f"{root}/robots.txt", b"User-agent: *\nDisallow: /admin/\n", content_type="text/plain")]
    else:
        pages += [SitePage(f"{root}/robots.txt", f"User-agent: *\nSitemap: {root}/news-sitemap.xml\n".encode(),
                           content_type="text/plain"),
                  SitePage(f"{root}/news-sitemap.xml", news_sitemap(url), content_type="application/xml")]
    return pages


@pytest.mark.parametrize("outlet_name", sorted(CASES))
def test_when_every_own_route_is_missing_the_standard_routes_find_the_articles(tmp_path, outlet_name):
    url, page = fixture_article(CASES[outlet_name])
    by_feed = outlet_name in ("kazinform", "mosds")  # the others by robots.txt and a news sitemap
    warc = write_site_warc(tmp_path / "site.warc.gz", standard_site(outlet_name, url, page, by_feed=by_feed))
    edition = get_outlet(outlet_name).edition_of(url)
    args = {"edition": edition} if len(get_outlet(outlet_name).editions) > 1 else {}
    run = run_crawl(outlet_name, tmp_path / "run", archive=tmp_path / "archive", replay=warc, args=args)
    assert run.returncode == 0, run.log
    assert [item["url"] for item in run.items] == [url], run.log
    assert run.stat("newscrawl/archived") == 1
    assert run.stat("newscrawl/discovery/fallback") == 1
    assert run.log.count("its own routes gave no article; trying the standard routes") == 1


def test_news_sitemap_entries_are_articles_whatever_their_url_form():
    outlet = get_outlet("totalkz")
    entries = [Listed("https://total.kz/ru/special/2024/interview-with-the-minister"), Listed("https://example.org/x")]
    assert article_links(outlet, entries, news=True) == ([entries[0]], 0)
    assert article_links(outlet, entries, news=False) == ([entries[0]], 1)  # no rule knows it: the generic test


def test_links_the_url_rules_know_win_over_the_generic_test():
    outlet = get_outlet("totalkz")
    known = Listed("https://total.kz/ru/news/obshchestvo/v_astane_otkryli_park_date_2024_05_14_18_45_02")
    entries = [known, Listed("https://total.kz/ru/special/2024/interview-with-the-minister"),
               Listed("https://total.kz/ru/tag/novosti")]
    assert article_links(outlet, entries, news=False) == ([known], 0)


def test_generic_links_of_a_plain_sitemap_are_followed_and_counted(tmp_path):
    crawler = project_crawler(QazaqTvSpider, ARCHIVE_DIR=str(tmp_path / "archive"))
    spider = QazaqTvSpider.from_crawler(crawler, edition="en")
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://qazaqtv.com/en/stories/2025/president-met-investors-in-astana</loc></url>"
            b"<url><loc>https://qazaqtv.com/en/tag/economy</loc></url></urlset>")
    request = Request("https://qazaqtv.com/sitemap.xml", cb_kwargs={"editions": ["en"]})
    requests = list(spider.parse_sitemap(XmlResponse(request.url, body=body, request=request), ["en"]))
    assert [r.url for r in requests] == ["https://qazaqtv.com/en/stories/2025/president-met-investors-in-astana"]
    assert crawler.stats.get_value("newscrawl/discovery/generic_links") == 1
    assert spider.routes.routes[request.url].generic_links == 1


def plain_sitemap(urls: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()


def read_plain_sitemap(tmp_path, *, watermark: str | None = None, **settings):
    """A Qazaq TV crawl (English edition) reading a plain sitemap of five undated articles and one dated."""
    crawler = project_crawler(QazaqTvSpider, ARCHIVE_DIR=str(tmp_path / "archive"), **settings)
    spider = QazaqTvSpider.from_crawler(crawler, edition="en")
    if watermark:
        spider.archive.index.set_state(spider.state_key, "newest/en", watermark)
    urls = [f"https://old.qazaqtv.com/en/view/society/page_10{n}_story-{n}" for n in range(1, 6)]
    body = plain_sitemap(urls).replace(
        b"</urlset>", f"<url><loc>https://old.qazaqtv.com/en/view/society/page_109_dated</loc><lastmod>"
                      f"{NOW.isoformat()}</lastmod></url></urlset>".encode())
    request = Request("https://qazaqtv.com/sitemap.xml", cb_kwargs={"editions": ["en"]})
    requests = list(spider.parse_sitemap(XmlResponse(request.url, body=body, request=request), ["en"]))
    return crawler, [r.url for r in requests]


def test_a_first_crawl_takes_at_most_the_capped_number_of_undated_sitemap_entries_per_edition(tmp_path):
    crawler, taken = read_plain_sitemap(tmp_path, DISCOVERY_FIRST_CRAWL_UNDATED=2)
    assert taken == ["https://old.qazaqtv.com/en/view/society/page_101_story-1",
                     "https://old.qazaqtv.com/en/view/society/page_102_story-2",
                     "https://old.qazaqtv.com/en/view/society/page_109_dated"]  # dated entries are not capped
    assert crawler.stats.get_value("newscrawl/discovery/undated_capped") == 3


def test_undated_sitemap_entries_are_not_capped_once_the_edition_has_a_watermark(tmp_path):
    crawler, taken = read_plain_sitemap(tmp_path, DISCOVERY_FIRST_CRAWL_UNDATED=2,
                                        watermark="2020-01-01T00:00:00+05:00")
    assert len(taken) == 6 and crawler.stats.get_value("newscrawl/discovery/undated_capped") is None


def test_the_undated_cap_has_a_default():
    assert project_crawler(QazaqTvSpider).settings.getint("DISCOVERY_FIRST_CRAWL_UNDATED") > 0
