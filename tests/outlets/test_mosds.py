"""mosds.mos.ru URL rules, listing reading (the guessed markup and its fallback) and paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from outlet_pages import make_spider
from scrapy.http import HtmlResponse

import newscrawl.outlets as registry
from newscrawl.outlets import Edition, Outlet, outlet_for_url
from newscrawl.outlets.mosds import OUTLET, listing_cards, listing_links, listing_url, page_links
from newscrawl.spiders.mosds import MosdsSpider

LISTING = Path(__file__).resolve().parents[1] / "fixtures" / "mosds" / "listing"
NEWS = "https://mosds.mos.ru/presscenter/news/"
SEED_URL = "http://mosds.mos.ru/presscenter/news/detail/8494146.html"


def test_article_urls():
    assert OUTLET.is_article_url(SEED_URL)
    assert OUTLET.is_article_url("https://mosds.mos.ru/presscenter/news/detail/9413207.html?print=Y")
    for url in (NEWS, f"{NEWS}?PAGEN_1=2", "https://mosds.mos.ru/presscenter/announcements/detail/9413390.html",
                "https://dgi.mos.ru/presscenter/news/detail/8494146.html"):
        assert not OUTLET.is_article_url(url), url


def test_http_and_https_and_print_view_share_a_key():
    assert OUTLET.article_keys(SEED_URL) & OUTLET.article_keys(
        "https://mosds.mos.ru/presscenter/news/detail/8494146.html?print=Y")


def test_the_most_specific_host_owns_a_url(monkeypatch):
    mosru = Outlet(name="mosru-like", short_name="mos.ru", timezone="Europe/Moscow", hosts=("mos.ru",),
                   editions={"ru": Edition("ru", "ru")})
    outlets = {"mosru-like": mosru, **registry.all_outlets()}
    monkeypatch.setattr(registry, "all_outlets", lambda: outlets)
    assert outlet_for_url(SEED_URL) is OUTLET
    assert outlet_for_url("https://www.mos.ru/news/item/72520073/") is mosru


def test_listing_urls_use_the_guessed_bitrix_parameter():
    assert listing_url(1) == NEWS
    assert listing_url(3) == f"{NEWS}?PAGEN_1=3"


def test_listing_cards_read_date_and_article_link_but_not_the_rubric():
    html = (LISTING / "news_page1.html").read_text(encoding="utf-8")
    cards = listing_cards(html, NEWS)
    assert [c.url for c in cards] == [
        "https://mosds.mos.ru/presscenter/news/detail/9413207.html",  # relative to the listing
        "https://mosds.mos.ru/presscenter/news/detail/9412088.html",
        "https://mosds.mos.ru/presscenter/news/detail/9409951.html",
    ]
    assert [c.published.isoformat() for c in cards] == [
        "2021-04-22T00:00:00+03:00", "2021-04-20T00:00:00+03:00", "2021-04-16T00:00:00+03:00"]


def test_listing_in_unknown_markup_gives_its_article_links_with_the_day_beside_each():
    html = (LISTING / "news_unknown_markup.html").read_text(encoding="utf-8")
    assert listing_cards(html, NEWS) == []
    links = listing_links(html, NEWS)
    assert [(x.url.rsplit("/", 1)[1], x.published.date().isoformat() if x.published else None) for x in links] == [
        ("11250077.html", "2023-10-06"), ("11250012.html", "2023-10-04"), ("11249830.html", None)]


def test_pagination_links_of_the_page():
    html = (LISTING / "news_page1.html").read_text(encoding="utf-8")
    assert page_links(html, NEWS) == {2: f"{NEWS}?PAGEN_1=2", 3: f"{NEWS}?PAGEN_1=3"}


def response(html: str, url: str = NEWS) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode(), encoding="utf-8")


def test_next_page_comes_from_the_page_or_is_guessed(tmp_path):
    spider = make_spider(MosdsSpider, tmp_path)
    own = '<div class="modern-page-navigation"><a href="/presscenter/news/?PAGEN_2=2">2</a></div>'
    assert spider.next_listing_url(response(own), "news", 1) == f"{NEWS}?PAGEN_2=2"
    last = '<div><a href="/presscenter/news/?PAGEN_1=1">1</a><a href="/presscenter/news/?PAGEN_1=2">2</a></div>'
    assert spider.next_listing_url(response(last, f"{NEWS}?PAGEN_1=3"), "news", 3) is None
    assert spider.next_listing_url(response("<ul class='newslist'></ul>"), "news", 1) == f"{NEWS}?PAGEN_1=2"
    assert spider.crawler.stats.get_value("newscrawl/listings/guessed_pages") == 1


def test_listing_in_unknown_markup_is_logged_and_counted(tmp_path, caplog):
    spider = make_spider(MosdsSpider, tmp_path)
    page = response((LISTING / "news_unknown_markup.html").read_text(encoding="utf-8"))
    entries, fallback = spider.listing_entries(page)
    assert len(entries) == 3 and fallback
    assert spider.crawler.stats.get_value("newscrawl/listings/layout_fallback") == 1
    assert "no cards in the documented markup" in caplog.text


@pytest.mark.parametrize("args", [{}, {"since": "2021-01-01"}])
def test_discovery_starts_at_the_listing(tmp_path, args):
    spider = make_spider(MosdsSpider, tmp_path, **args)
    assert [r.url for r in spider.discovery_requests()] == [NEWS]


def test_outlet_facts():
    assert OUTLET.timezone == "Europe/Moscow"
    assert OUTLET.agency_for("ru") == "Московский дом соотечественника"
