"""Kazinform's facts: URL rules and listing readers, on pages built from the hand-written templates of
``tests/fixtures/kazinform/site``."""

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
    ru_stories,
    template,
)

from newscrawl.outlets.base import Listed
from newscrawl.outlets.kazinform import (
    OUTLET,
    active_page_number,
    has_next_page,
    last_page_number,
    listing_cards,
    listing_links,
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
    assert OUTLET.edition_of(url) == edition and OUTLET.is_article_url(url)


@pytest.mark.parametrize("url", [
    "https://www.inform.kz/category/ekonomika_s1", "https://www.inform.kz/lenta/?page=2",
    "https://www.inform.kz/ru/archive?date=01.12.2020", "https://www.inform.kz/ru/koronavirus_t2561",
    "https://www.inform.kz/rss/p_ru.xml", "https://www.inform.kz/ru",
])
def test_listing_and_service_pages_are_not_articles(url):
    assert not OUTLET.is_article_url(url)


def test_article_keys_fold_the_forms_of_one_article():
    amp = OUTLET.article_keys("https://www.inform.kz/en/mayor-of-astana_a4000412/amp?utm_source=tg")
    moved = OUTLET.article_keys("https://qazinform.com/news/mayor-of-astana_a4000412")
    assert "kazinform:a4000412" in amp & moved
    assert OUTLET.article_keys("http://m.inform.kz/ru/x-3fa91c") & OUTLET.article_keys("https://www.inform.kz/ru/x-3fa91c/")


def test_all_news_cards_give_links_and_the_times_they_show():
    html = all_news_html(ListingPage(STORIES, 2, [1, 2, 3]))
    cards = listing_cards(html, LENTA)
    assert [entry.url for entry in cards] == [s.url for s in STORIES]
    assert cards[0].published == datetime(2025, 8, 15, 14, 2, tzinfo=ALMATY)  # "14:02, 15 Август 2025"
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
    assert listing_cards(html, LENTA) == []
    assert listing_links(html, LENTA) == [Listed("https://www.inform.kz/ru/novost-3fa91c")]
    assert has_next_page(html, 7)  # no pagination: only the next page can tell


def test_category_cards_are_read_too():
    page = category_page("https://www.inform.kz/category/ekonomika_s1", "Экономика", STORIES[:2])
    cards = listing_cards(page.body.decode(), page.url)
    assert [entry.url for entry in cards] == [s.url for s in STORIES[:2]]
    assert cards[0].published == datetime(2025, 8, 15, 14, 2, tzinfo=ALMATY)  # "14:02, 15 Август 2025"


def test_daily_archive_gives_its_links_and_page_count():
    old = ru_stories(5, datetime(2020, 12, 1, 20, 0, tzinfo=ALMATY), layout="a2019")
    first, second = daily_archive_site(date(2020, 12, 1), old, per_page=3)
    assert first.url == daily_archive_url(date(2020, 12, 1)) == "https://www.inform.kz/ru/archive?date=01.12.2020"
    assert second.url == "https://www.inform.kz/ru/archive/2?date=01.12.2020"
    assert [entry.url for entry in listing_cards(first.body.decode(), first.url)] == [s.url for s in old[:3]]
    assert last_page_number(first.body.decode()) == 2


def test_templates_say_they_are_hand_written():
    for name in ("article_2023.html", "article_a2019.html", "all_news.html", "daily_archive.html", "category.html",
                 "rss_p_ru.xml", "rss_qazinform_en.xml"):
        assert template(name).startswith("<!-- Hand-written template in the structure of "), name
