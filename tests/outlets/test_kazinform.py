"""The Kazinform module's URL rules and listing parsing, on pages built from the hand-written
templates of ``tests/fixtures/kazinform/site``; the spider's first requests and canonical URLs."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from outlets.kazinform_site import (
    ALMATY,
    ListingPage,
    all_news_html,
    category_page,
    daily_archive_site,
    daily_archive_url,
    fixture_page,
    ru_stories,
    template,
)
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.extract.fields import parse_page
from newscrawl.outlets.kazinform import (
    KazinformSpider,
    active_page_number,
    article_keys,
    edition_of,
    find_cards,
    has_next_page,
    is_article_url,
    last_page_number,
    listing_cards,
)

STORIES = ru_stories(5, datetime(2025, 8, 15, 14, 2, tzinfo=ALMATY))
LENTA = "https://www.inform.kz/lenta/?page=2"


@pytest.mark.parametrize(("url", "edition"), [
    ("https://www.inform.kz/ru/v-astane-3fa91c", "ru"),
    ("https://www.inform.kz/kz/astanada-b27e04", "kz"),
    ("https://qz.inform.kz/news/astanada-a0f3d5/", "qz"),
    ("https://qazinform.com/news/astana-3fa91c", "en"),
    ("https://en.inform.kz/news/mayor-of-astana_a3767514/", "en"),
    ("https://www.inform.kz/en/mayor-of-astana_a4000412/amp", "en"),
    ("http://www.inform.kz/rus/article/2474747", "ru"),
    ("http://m.inform.kz/kz/article/2825154", "kz"),
])
def test_edition_of_every_era_and_host(url, edition):
    assert edition_of(url) == edition and is_article_url(url)


@pytest.mark.parametrize("url", [
    "https://www.inform.kz/category/ekonomika_s1", "https://www.inform.kz/lenta/?page=2",
    "https://www.inform.kz/ru/archive?date=01.12.2020", "https://www.inform.kz/ru/koronavirus_t2561",
    "https://www.inform.kz/rss/p_ru.xml", "https://www.inform.kz/ru",
])
def test_listing_and_service_pages_are_not_articles(url):
    assert not is_article_url(url)


def test_article_keys_fold_the_forms_of_one_article():
    amp = article_keys("https://www.inform.kz/en/mayor-of-astana_a4000412/amp?utm_source=tg")
    moved = article_keys("https://qazinform.com/news/mayor-of-astana_a4000412")
    assert "kazinform:a4000412" in amp & moved
    assert article_keys("http://m.inform.kz/ru/x-3fa91c") & article_keys("https://www.inform.kz/ru/x-3fa91c/")


def test_all_news_cards_give_links_and_visible_dates():
    html = all_news_html(ListingPage(STORIES, 2, [1, 2, 3]))
    cards, recognised = find_cards(html, LENTA)
    assert recognised and [link for link, _ in cards] == [s.url for s in STORIES]
    assert cards[0][1] == "14:02, 15 Август 2025"
    assert listing_cards(html, LENTA) == cards
    assert active_page_number(html) == 2 and last_page_number(html) == 3
    assert has_next_page(html, 2) and not has_next_page(html, 3)


def test_pagination_ending_at_the_current_page_goes_on_only_with_a_next_arrow():
    window = ('<ul class="pagination"><li class="page-item"><a class="page-link" href="?page=4">4</a></li>'
              '<li class="page-item active"><span class="page-link">5</span></li>{}</ul>')
    assert not has_next_page(window.format(""), 5)
    assert has_next_page(window.format('<li class="page-item"><a class="page-link" href="?page=6">»</a></li>'), 5)
    assert has_next_page(window.format('<li class="page-item"><a rel="next" href="?page=6"><i></i></a></li>'), 5)


def test_page_in_unknown_markup_falls_back_to_its_article_links_unrecognised():
    html = ('<html><body><div class="redesign"><a href="/ru/novost-3fa91c">Новость</a>'
            '<a href="/category/ekonomika_s1">Экономика</a><a href="https://example.org/ru/x-3fa91c">x</a>'
            "</div></body></html>")
    assert find_cards(html, LENTA) == ([("https://www.inform.kz/ru/novost-3fa91c", None)], False)
    assert has_next_page(html, 7)  # no pagination: only the next page can tell


def test_category_cards_are_read_too():
    page = category_page("https://www.inform.kz/category/ekonomika_s1", "Экономика", STORIES[:2])
    cards, recognised = find_cards(page.body.decode(), page.url)
    assert recognised and cards == [(s.url, "14:02, 15 Август 2025" if i == 0 else cards[1][1])
                                    for i, s in enumerate(STORIES[:2])]


def test_daily_archive_gives_its_links_and_page_count():
    old = ru_stories(5, datetime(2020, 12, 1, 20, 0, tzinfo=ALMATY), layout="a2019")
    first, second = daily_archive_site(date(2020, 12, 1), old, per_page=3)
    assert first.url == daily_archive_url(date(2020, 12, 1)) == "https://www.inform.kz/ru/archive?date=01.12.2020"
    assert second.url == "https://www.inform.kz/ru/archive/2?date=01.12.2020"
    assert [link for link, _ in listing_cards(first.body.decode(), first.url)] == [s.url for s in old[:3]]
    assert last_page_number(first.body.decode()) == 2


def test_templates_say_they_are_hand_written():
    for name in ("article_2023.html", "article_a2019.html", "all_news.html", "daily_archive.html", "category.html",
                 "rss_p_ru.xml", "rss_qazinform_en.xml"):
        assert template(name).startswith("<!-- Hand-written template in the structure of "), name


def spider(**args) -> KazinformSpider:
    crawler = get_crawler(KazinformSpider, settings_dict={"ARCHIVE_DIR": str(args.pop("archive")),
                                                          "ARCHIVE_FSYNC": False})
    crawler.stats.open_spider()
    return KazinformSpider.from_crawler(crawler, **args)


def test_incremental_crawl_starts_with_feeds_and_the_first_listing_page(tmp_path):
    urls = [r.url for r in spider(archive=tmp_path, edition="ru,qz").discovery_requests()]
    assert urls == ["https://www.inform.kz/rss/p_ru.xml", "https://www.inform.kz/rss/rus.xml",
                    "https://www.inform.kz/lenta/?page=1", "https://qz.inform.kz/rss/p_qz.xml",
                    "https://qz.inform.kz/lenta/?page=1"]


def test_backfill_starts_with_the_date_ranged_listing_and_each_day_of_the_daily_archive(tmp_path):
    urls = [r.url for r in spider(archive=tmp_path, edition="ru", since="2022-12-30",
                                  until="2023-01-02").discovery_requests()]
    assert urls == ["https://www.inform.kz/lenta/?page=1&start_date=2022-12-30&end_date=2023-01-02",
                    "https://www.inform.kz/ru/archive?date=31.12.2022",
                    "https://www.inform.kz/ru/archive?date=30.12.2022"]
    recent = [r.url for r in spider(archive=tmp_path, edition="qz", since="2025-08-01").discovery_requests()]
    assert len(recent) == 1 and recent[0].startswith("https://qz.inform.kz/lenta/?page=1&start_date=2025-08-01")


def test_canonical_link_to_a_page_that_is_no_article_is_ignored(tmp_path):
    _, page = fixture_page("ru_2023")
    html = page.body.decode().replace(f'<link rel="canonical" href="{page.url}">',
                                      '<link rel="canonical" href="https://www.inform.kz/ru">')
    kazinform = spider(archive=tmp_path)
    slipped = kazinform.article_from_fields(HtmlResponse(page.url, body=html.encode(), encoding="utf-8"), "ru",
                                            parse_page(html, page.url, "kazinform"))
    assert slipped.canonical_url == page.url
    assert kazinform.crawler.stats.get_value("newscrawl/canonical/not_an_article") == 1
    amp = "https://www.inform.kz/en/head-of-state-receives-minister_a4001187/amp"
    html = page.body.decode().replace(f'href="{page.url}"', 'href="https://www.inform.kz/en/head-of-state-receives-'
                                      'minister_a4001187"')
    kept = kazinform.article_from_fields(HtmlResponse(amp, body=html.encode(), encoding="utf-8"), "en",
                                         parse_page(html, amp, "kazinform"))
    assert kept.canonical_url == "https://www.inform.kz/en/head-of-state-receives-minister_a4001187"
