"""The Kazinform spider's first requests, and the reading of its pages."""

from __future__ import annotations

from outlets.kazinform_site import fixture_page
from support import project_crawler

from newscrawl.reading import FetchedPage
from newscrawl.spiders.kazinform import KazinformSpider


def spider(**args) -> KazinformSpider:
    crawler = project_crawler(KazinformSpider, ARCHIVE_DIR=str(args.pop("archive")))
    return KazinformSpider.from_crawler(crawler, **args)


def test_incremental_crawl_starts_with_the_sitemap_feeds_and_the_first_listing_page(tmp_path):
    requests = list(spider(archive=tmp_path, edition="ru,qz").discovery_requests())
    assert [r.url for r in requests] == [
        "https://www.inform.kz/sitemap.xml", "https://www.inform.kz/rss/p_ru.xml", "https://www.inform.kz/rss/rus.xml",
        "https://www.inform.kz/ru/politics_rss.xml", "https://www.inform.kz/lenta/?page=1",
        "https://qz.inform.kz/rss/p_qz.xml", "https://qz.inform.kz/lenta/?page=1"]
    # the sitemap of www.inform.kz (in public crawl configurations) is one of Kazinform's own routes
    assert requests[0].meta["newscrawl_route_origin"] == "own" and requests[0].cb_kwargs == {"editions": ["ru"]}


def test_backfill_starts_with_the_date_ranged_listing_and_each_day_of_the_daily_archive(tmp_path):
    urls = [r.url for r in spider(archive=tmp_path, edition="ru", since="2022-12-30",
                                  until="2023-01-02").discovery_requests()]
    assert urls == ["https://www.inform.kz/sitemap.xml",
                    "https://www.inform.kz/lenta/?page=1&start_date=2022-12-30&end_date=2023-01-02",
                    "https://www.inform.kz/ru/archive?date=31.12.2022",
                    "https://www.inform.kz/ru/archive?date=30.12.2022"]
    recent = [r.url for r in spider(archive=tmp_path, edition="qz", since="2025-08-01").discovery_requests()]
    assert len(recent) == 1 and recent[0].startswith("https://qz.inform.kz/lenta/?page=1&start_date=2025-08-01")


def test_canonical_link_to_a_page_that_is_no_article_is_ignored(tmp_path):
    _, page = fixture_page("ru_2023")
    html = page.body.decode().replace(f'<link rel="canonical" href="{page.url}">',
                                      '<link rel="canonical" href="https://www.inform.kz/ru">')
    kazinform = spider(archive=tmp_path)
    slipped = kazinform.reader.read(FetchedPage(page.url, html.encode()))
    assert slipped.canonical_url == page.url
    assert kazinform.crawler.stats.get_value("newscrawl/canonical/not_an_article") == 1
    amp = "https://www.inform.kz/en/head-of-state-receives-minister_a4001187/amp"
    html = page.body.decode().replace(f'href="{page.url}"', 'href="https://www.inform.kz/en/head-of-state-receives-'
                                      'minister_a4001187"')
    kept = kazinform.reader.read(FetchedPage(amp, html.encode()))
    assert kept.canonical_url == "https://www.inform.kz/en/head-of-state-receives-minister_a4001187"
