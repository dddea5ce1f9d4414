import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from support import project_crawler

from newscrawl.extensions.archive import CrawlArchive
from newscrawl.extract.feeds import feed_links
from newscrawl.items import Article
from newscrawl.reading import FetchedPage
from newscrawl.spiders.base import SpiderArgumentError
from newscrawl.spiders.site import SiteSpider
from newscrawl.spiders.sitemaps import NewsSitemap

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example.org/2024/05/20/a.html</loc><news:news><news:publication>
<news:name>Example</news:name><news:language>ru</news:language></news:publication>
<news:publication_date>2024-05-20T18:30:00+03:00</news:publication_date><news:title>A</news:title></news:news></url>
<url><loc>https://news.example.org/2024/04/01/b.html</loc><news:news>
<news:publication_date>2024-04-01T09:00:00+03:00</news:publication_date></news:news></url>
<url><loc>https://news.example.org/2024/05/19/c.html</loc><lastmod>2024-05-19</lastmod></url>
<url><loc>https://elsewhere.example.com/d.html</loc></url>
</urlset>"""
INDEX = b"""<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.org/sitemaps/2024-05.xml</loc><lastmod>2024-05-20T18:30:00+03:00</lastmod></sitemap>
<sitemap><loc>https://news.example.org/sitemaps/2023-12.xml</loc><lastmod>2023-12-31T23:00:00+03:00</lastmod></sitemap>
</sitemapindex>"""


def make_spider(tmp_path, **kwargs):
    crawler = project_crawler(SiteSpider, ARCHIVE_DIR=str(tmp_path / "archive"))
    spider = SiteSpider.from_crawler(crawler, **kwargs)
    return spider, crawler


def urls(requests):
    return sorted(r.url for r in requests)


def test_news_sitemap_keeps_publication_dates():
    entries = list(NewsSitemap(NEWS_SITEMAP))
    assert entries[0]["publication_date"] == "2024-05-20T18:30:00+03:00"
    assert entries[2]["lastmod"] == "2024-05-19" and "publication_date" not in entries[2]


def test_outlet_is_named_after_the_host_and_zone_is_configurable(tmp_path):
    spider, _ = make_spider(tmp_path, start="https://www.news.example.org/", timezone="Europe/Moscow")
    assert spider.outlet.name == "news.example.org" and spider.outlet.short_name == "news.example.org"
    assert str(spider.zone) == "Europe/Moscow" and spider.allowed_domains == ["news.example.org"]
    assert spider.state_key == "site:news.example.org"


@pytest.mark.parametrize("kwargs, message", [({}, "start=URL is required"),
                                             ({"start": "https://a.example", "timezone": "Mars/Base"}, "timezone")])
def test_bad_arguments_are_clear_errors(tmp_path, kwargs, message):
    with pytest.raises(SpiderArgumentError, match=message):
        make_spider(tmp_path, **kwargs)


def test_home_page_leads_to_robots_txt_and_its_feeds(tmp_path):
    spider, _ = make_spider(tmp_path, start="https://news.example.org/")
    first = list(spider.discovery_requests())
    assert urls(first) == ["https://news.example.org/", "https://news.example.org/robots.txt"]
    page = HtmlResponse("https://news.example.org/", body=b'<html><head><link rel="alternate" '
                        b'type="application/rss+xml" href="/rss.xml"></head><body></body></html>')
    assert urls(spider.parse_start(page)) == ["https://news.example.org/rss.xml"]
    assert feed_links('<link rel="alternate" type="text/html" href="/x">', "https://news.example.org/") == []


def test_robots_txt_names_the_sitemaps_else_sitemap_xml_is_tried(tmp_path):
    spider, _ = make_spider(tmp_path, start="https://news.example.org/")
    robots = TextResponse("https://news.example.org/robots.txt", body=b"User-agent: *\nSitemap: /news-sitemap.xml\n")
    assert urls(spider.parse_robots(robots)) == ["https://news.example.org/news-sitemap.xml"]
    bare = TextResponse("https://news.example.org/robots.txt", body=b"User-agent: *\nDisallow: /admin\n")
    assert urls(spider.parse_robots(bare)) == ["https://news.example.org/sitemap.xml"]


def test_news_sitemap_dates_bound_a_backfill_and_other_sites_are_not_followed(tmp_path):
    spider, crawler = make_spider(tmp_path, start="https://news.example.org/", since="2024-05-01",
                                  until="2024-05-19")
    requests = list(spider.parse_sitemap(XmlResponse("https://news.example.org/sitemap.xml", body=NEWS_SITEMAP)))
    assert urls(requests) == ["https://news.example.org/2024/05/19/c.html"]
    assert all(r.callback == spider.parse_article for r in requests)
    assert crawler.stats.get_value("newscrawl/listings/sitemap_entries") == 4


def test_sitemaps_of_an_index_last_changed_before_since_are_not_read(tmp_path):
    spider, _ = make_spider(tmp_path, start="https://news.example.org/", since="2024-01-01")
    requests = list(spider.parse_sitemap(XmlResponse("https://news.example.org/sitemap.xml", body=INDEX)))
    assert urls(requests) == ["https://news.example.org/sitemaps/2024-05.xml"]
    assert spider.since == date(2024, 1, 1)


def test_articles_the_archive_holds_are_not_requested_again(tmp_path):
    spider, crawler = make_spider(tmp_path, start="https://news.example.org/")
    archiver = CrawlArchive.of(spider.crawler).archiver
    archiver.add(Article(url="https://news.example.org/2024/05/19/c.html", outlet="news.example.org",
                               title="Held", body="Текст статьи, которая уже есть в архиве, достаточно длинный."))
    response = XmlResponse("https://news.example.org/sitemap.xml", body=NEWS_SITEMAP)
    assert urls(spider.parse_sitemap(response)) == ["https://news.example.org/2024/04/01/b.html",
                                                    "https://news.example.org/2024/05/20/a.html"]
    assert crawler.stats.get_value("newscrawl/skipped/already_archived") == 1


def test_a_feed_as_start_url_is_read_as_a_feed(tmp_path):
    spider, _ = make_spider(tmp_path, start="https://news.example.org/rss.xml")
    feed = XmlResponse("https://news.example.org/rss.xml", body=(
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>https://news.example.org/a.html?utm_source=rss'
        b"</link><pubDate>Mon, 20 May 2024 18:30:00 +0300</pubDate></item></channel></rss>"))
    requests = list(spider.parse_start(feed))
    assert urls(requests) == ["https://news.example.org/a.html"]
    assert isinstance(requests[0], Request)


UNDATED_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Новость</title></head><body><article>"
                "<h1>Новость</h1>" + "<p>Текст новости о событии в городе, с подробностями и цитатами.</p>" * 6
                + "</article></body></html>")


@pytest.mark.parametrize(("listed", "published"), [("2024-05-20T14:25:00+06:00", "2024-05-20T14:25:00+06:00"),
                                                   ("2024-05-20T08:25:00Z", "2024-05-20T11:25:00+03:00"),
                                                   ("2024-05-20T14:25:00", "2024-05-20T14:25:00+03:00")])
def test_a_date_keeps_the_offset_it_states_and_the_spiders_zone_applies_only_without_one(tmp_path, listed, published):
    spider, _ = make_spider(tmp_path, start="https://news.example.org/", timezone="Europe/Moscow")
    page = FetchedPage(url="https://news.example.org/news/a.html", body=UNDATED_PAGE.encode(),
                       listed=spider.card_date(listed))
    article = spider.reader.read(page)
    assert article.published.isoformat() == published and article.published_source == "listing"


def test_a_page_cut_short_is_skipped_and_holds_the_sites_watermark_below_it(tmp_path):
    spider, crawler = make_spider(tmp_path, start="https://news.example.org/")
    listed = datetime(2024, 5, 20, 15, 0, tzinfo=timezone.utc)
    spider.walk.note_published("all", listed + timedelta(hours=3))
    request = Request("https://news.example.org/2024/05/20/a.html", meta={"newscrawl_listed": listed})
    cut = HtmlResponse(request.url, body=UNDATED_PAGE.encode()[:300], request=request)
    assert asyncio.run(collect(spider.parse_article(cut))) == []
    assert crawler.stats.get_value("newscrawl/skipped/truncated_page") == 1
    assert spider.walk.next_watermark("all") < listed


async def collect(items):
    return [item async for item in items]
