"""``scrapy crawl mosru`` replayed from hand-written newsfeed API responses and pages (see
tests/fixtures/mosru/README.md): paging by ``_links.next``, ``since``, incremental stops, ``-a url=``
and the fallbacks when the API fails."""

from __future__ import annotations

from datetime import date

import pytest
from support import FIXTURES, SitePage, run_crawl, write_site_warc

from newscrawl.archive.records import read_record
from newscrawl.outlets import mosru

FIX = FIXTURES / "mosru"
JSON = "application/json; charset=utf-8"
ROBOTS = SitePage("https://www.mos.ru/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
FALLBACK_PAGE = SitePage(mosru.article_url(164551073), (FIX / "articles" / "item_164551073.html").read_bytes())
API_URLS = {mosru.article_url(i) for i in (164558073, 164547073, 164540073, 164532073, 164520073, 72520073)}


def api(url: str, name: str) -> SitePage:
    return SitePage(url, (FIX / "api" / name).read_bytes(), content_type=JSON)


def newsfeed(first_page_url: str = mosru.list_url(1)) -> list[SitePage]:
    return [ROBOTS, api(first_page_url, "newsfeed_page1.json"), api(mosru.list_url(2), "newsfeed_page2.json"),
            api(mosru.list_url(3), "newsfeed_page3.json"), FALLBACK_PAGE]


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """An incremental crawl into an empty archive."""
    root = tmp_path_factory.mktemp("mosru")
    warc = write_site_warc(root / "site.warc.gz", newsfeed())
    run = run_crawl("mosru", root / "run1", archive=root / "archive", replay=warc)
    return run, root / "archive", warc


def test_newsfeed_is_paged_by_links_next_and_items_without_text_come_from_their_page(first_crawl):
    run, _, _ = first_crawl
    assert run.returncode == 0, run.log
    assert {item["url"] for item in run.items} == API_URLS | {FALLBACK_PAGE.url}
    assert run.stat("newscrawl/archived") == 7
    assert run.stat("newscrawl/api/pages/newsfeed") == 3
    assert run.stat("newscrawl/api/articles/newsfeed") == 6
    assert run.stat("newscrawl/api/page_fallbacks") == 1
    assert run.stat("newscrawl/replay/missing") == 0
    by_url = {item["url"]: item for item in run.items}
    assert by_url[FALLBACK_PAGE.url]["title"] == "На Рублевском шоссе начали ремонт путепровода через МКАД"
    assert by_url[mosru.article_url(72520073)]["published"] == "2013-11-20T10:00:00+04:00"


def test_records_carry_the_moscow_offset_of_their_day(first_crawl):
    _, archive, _ = first_crawl
    records = [read_record(path) for path in sorted(archive.glob("*.txt"))]
    published = {r.url: r.published.isoformat() for r in records}
    assert published[mosru.article_url(164558073)] == "2025-03-12T14:30:00+03:00"
    assert published[mosru.article_url(72520073)] == "2013-11-20T10:00:00+04:00"


def test_incremental_crawl_stops_at_a_page_whose_items_are_all_archived(first_crawl, tmp_path):
    _, archive, warc = first_crawl
    run = run_crawl("mosru", tmp_path / "run2", archive=archive, replay=warc)
    assert run.returncode == 0, run.log
    assert run.items == []
    assert run.stat("newscrawl/api/pages/newsfeed") == 1
    assert run.stat("newscrawl/skipped/already_archived") == 3


def test_backfill_asks_the_api_for_its_days_and_stops_past_since(tmp_path):
    day = date(2025, 3, 11)
    warc = write_site_warc(tmp_path / "site.warc.gz", newsfeed(mosru.list_url(1, day, day)))
    run = run_crawl("mosru", tmp_path / "run", archive=tmp_path / "archive", replay=warc,
                    args={"since": "2025-03-11", "until": "2025-03-11"})
    assert run.returncode == 0, run.log
    assert {item["url"] for item in run.items} == {mosru.article_url(164547073), mosru.article_url(164540073)}
    assert run.stat("newscrawl/api/pages/newsfeed") == 2


def test_url_argument_reads_the_single_item_api_and_falls_back_to_the_page(tmp_path):
    pages = [ROBOTS, api(mosru.item_api_url("164558073"), "item_164558073.json"),
             SitePage(mosru.item_api_url("164551073"), b'{"name":"Internal Server Error"}', status=500,
                      content_type=JSON),
             FALLBACK_PAGE]
    warc = write_site_warc(tmp_path / "site.warc.gz", pages)
    urls = "https://www.mos.ru/news/item/164558073/,https://www.mos.ru/news/item/164551073"
    run = run_crawl("mosru", tmp_path / "run", archive=tmp_path / "archive", replay=warc, args={"url": urls})
    assert run.returncode == 0, run.log
    titles = {item["url"]: item["title"] for item in run.items}
    assert titles == {
        mosru.article_url(164558073): "В Южном Бутове открыли физкультурно-оздоровительный комплекс с бассейном",
        mosru.article_url(164551073): "На Рублевском шоссе начали ремонт путепровода через МКАД",
    }
    assert run.stat("newscrawl/api/failed/newsfeed") == 1


def test_failing_newsfeed_is_counted_and_the_rss_feed_finds_the_pages(tmp_path):
    pages = [ROBOTS, SitePage(mosru.list_url(1), b"<html><body>503 Service Unavailable</body></html>", status=503),
             SitePage(mosru.RSS_URL, (FIX / "rss.xml").read_bytes(), content_type="application/rss+xml"),
             FALLBACK_PAGE,
             SitePage(mosru.article_url(72520073), (FIX / "articles" / "item_72520073.html").read_bytes())]
    warc = write_site_warc(tmp_path / "site.warc.gz", pages)
    run = run_crawl("mosru", tmp_path / "run", archive=tmp_path / "archive", replay=warc)
    assert run.returncode == 0, run.log
    assert {item["url"] for item in run.items} == {FALLBACK_PAGE.url, mosru.article_url(72520073)}
    assert run.stat("newscrawl/api/failed/newsfeed") == 1
    assert run.stat("newscrawl/replay/missing") == 0
