"""Total.kz URL rules, listing and feed reading, and spider arguments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from outlet_pages import make_spider
from scrapy.http import TextResponse, XmlResponse

from newscrawl.extensions.archive import CrawlArchive
from newscrawl.items import Article
from newscrawl.outlets import article_keys as archive_keys
from newscrawl.outlets import outlet_for_url
from newscrawl.outlets.totalkz import OUTLET, date_from_url, listing_cards, listing_links, listing_url
from newscrawl.spiders.base import SpiderArgumentError
from newscrawl.spiders.totalkz import TotalkzSpider, parse_sections

LISTING = Path(__file__).resolve().parents[1] / "fixtures" / "totalkz" / "listing"
DATED = "https://total.kz/ru/news/vneshnyaya_politika/ukreplyat_otnosheniya_date_2019_11_05_10_30_51"


@pytest.mark.parametrize("url", [
    DATED,
    "https://total.kz/ru/news/obshchestvo/v_astane_obsudili_razvitie_obshchestvennogo_transporta",
    "https://total.kz/news/ekonomika_sobitiya/eksport_zerna_iz_kazahstana_vyros",
    "https://www.total.kz/ru/news/sport/kazahstanskie_borsti_vernulis_iz_tokio_date_2021_08_24_12_48_31/",
    "/ru/news/mneniya/pochemu_doroga_ne_doroga",
])
def test_article_urls_of_every_form_are_recognised(url):
    assert OUTLET.is_article_url(url)


@pytest.mark.parametrize("url", [
    "https://total.kz/ru/news", "https://total.kz/ru/news/page-2", "https://total.kz/ru/news/sport",
    "https://total.kz/ru/news/sport/page-15", "https://total.kz/news/politika", "https://total.kz/rss",
    "https://total.kz/ru/tag/almati", "https://example.com/ru/news/sport/some_story",
])
def test_listing_service_and_foreign_urls_are_not_articles(url):
    assert not OUTLET.is_article_url(url)


def test_ru_and_rewritten_url_forms_share_a_key():
    old = "https://total.kz/ru/news/mneniya/pochemu_doroga_ne_doroga"
    new = "http://www.total.kz/news/mneniya/pochemu_doroga_ne_doroga/"
    assert OUTLET.article_keys(old) & OUTLET.article_keys(new)
    assert archive_keys(new) & archive_keys(old)


def test_dated_slug_key_ignores_the_section_but_undated_slugs_keep_it():
    assert "totalkz:ukreplyat_otnosheniya_date_2019_11_05_10_30_51" in OUTLET.article_keys(DATED)
    assert not (OUTLET.article_keys("https://total.kz/ru/news/sport/itogi_dnya")
                & OUTLET.article_keys("https://total.kz/ru/news/biznes/itogi_dnya"))


def test_url_time_is_local_with_the_offset_of_its_day():
    assert date_from_url(DATED).isoformat() == "2019-11-05T10:30:51+06:00"
    later = "https://total.kz/ru/news/mir/x_date_2024_03_01_00_30_00"
    assert date_from_url(later).isoformat() == "2024-03-01T00:30:00+05:00"


@pytest.mark.parametrize("url", ["https://total.kz/ru/news/mir/no_date_here",
                                 "https://total.kz/ru/news/mir/x_date_2019_13_45_10_30_51"])
def test_url_without_a_valid_time_gives_none(url):
    assert date_from_url(url) is None


def test_listing_urls_of_all_news_and_sections():
    assert listing_url("all", 1) == "https://total.kz/ru/news"
    assert listing_url("all", 7) == "https://total.kz/ru/news/page-7"
    assert listing_url("sport", 1) == "https://total.kz/ru/news/sport"
    assert listing_url("sport", 2) == "https://total.kz/ru/news/sport/page-2"


def test_listing_cards_with_featured_first_and_no_sidebar():
    html = (LISTING / "all_news_page2.html").read_text(encoding="utf-8")
    cards = listing_cards(html, "https://total.kz/ru/news/page-2")
    urls = [c.url for c in cards]
    assert urls[0].endswith("itogi_goda_glavnie_sobitiya_date_2021_08_20_09_00_00") and not cards[0].steers
    assert len(cards) == 6 and all(c.steers for c in cards[1:])
    assert not any("kak_sekonomit_na_kommunalke" in u for u in urls)  # sidebar div.card
    assert "https://total.kz/news/tehno/kazahstan_zapustit_sputnik" in urls  # rewritten form, absolute
    assert cards[1].published.isoformat() == "2021-08-24T15:12:40+06:00"  # from the URL (seconds)
    undated = next(c for c in cards if c.url.endswith("pochemu_doroga_ne_doroga"))
    assert undated.published.isoformat() == "2021-08-24T11:05:00+06:00"  # from div.item-date span


def test_old_cards_are_dated_by_their_genitive_item_date():
    html = (LISTING / "obshchestvo_page4000.html").read_text(encoding="utf-8")
    cards = listing_cards(html, "https://total.kz/ru/news/obshchestvo/page-4000")
    assert [c.published.isoformat() for c in cards] == [
        "2016-04-13T11:38:00+06:00", "2016-04-13T10:02:00+06:00", "2016-04-12T19:47:00+06:00"]


def test_listing_in_unknown_markup_falls_back_to_article_links_dated_by_url():
    html = ('<html><body><ul class="feed"><li><a href="/ru/news/mir/a_date_2022_01_02_03_04_05">A</a></li>'
            '<li><a href="/news/mir/b">B</a></li><li><a href="/ru/news/mir">Мир</a></li></ul>'
            '<div class="card"><a href="/ru/news/zhizn/c">C</a></div></body></html>')
    links = listing_links(html, "https://total.kz/ru/news")
    assert [(x.url, x.steers) for x in links] == [
        ("https://total.kz/ru/news/mir/a_date_2022_01_02_03_04_05", True), ("https://total.kz/news/mir/b", False)]


def test_feed_items_are_followed_and_non_articles_dropped(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path)
    body = (LISTING / "rss.xml").read_bytes()
    requests = list(spider.parse_feed(XmlResponse("https://total.kz/rss", body=body)))
    assert [r.url for r in requests] == [
        "https://total.kz/ru/news/obshchestvo_sobitiya/v_almati_do_kontsa_goda_otkroyut_chetire_novie_shkoli"
        "_date_2021_08_24_15_12_40",
        "https://total.kz/ru/news/finansi/natsbank_sohranil_bazovuyu_stavku_date_2021_08_24_14_20_05"]
    assert requests[0].meta["newscrawl_listed"] == datetime(2021, 8, 24, 9, 12, 40, tzinfo=timezone.utc)


NATSBANK = ("https://total.kz/ru/news/finansi/natsbank_sohranil_bazovuyu_stavku_date_2021_08_24_14_20_05")


def test_feed_items_the_archive_holds_are_not_followed_older_ones_it_lacks_are(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path)
    spider.archive.index.set_state("totalkz", "newest/ru", "2021-08-24T15:30:00+06:00")
    body = (LISTING / "rss.xml").read_bytes()
    # older than the last crawl's newest article and not archived (its fetch failed): tried again
    requests = list(spider.parse_feed(XmlResponse("https://total.kz/rss", body=body)))
    assert [r.url.rsplit("/", 1)[1][:14] for r in requests] == ["v_almati_do_ko", "natsbank_sohra"]
    assert spider.crawler.stats.get_value("newscrawl/listings/feeds") == 1

    spider = make_spider(TotalkzSpider, tmp_path / "again")
    archiver = CrawlArchive.of(spider.crawler).archiver
    archiver.add(Article(url=NATSBANK, outlet="totalkz", title="Нацбанк сохранил базовую ставку",
                               body="Национальный банк сохранил базовую ставку на уровне 9 процентов годовых."))
    requests = list(spider.parse_feed(XmlResponse("https://total.kz/rss", body=body)))
    assert [r.url.rsplit("/", 1)[1][:14] for r in requests] == ["v_almati_do_ko"]


def test_a_page_that_is_not_a_feed_is_counted(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path)
    assert list(spider.parse_feed(TextResponse("https://total.kz/rss", body=b"<html>503</html>"))) == []
    assert spider.crawler.stats.get_value("newscrawl/listings/not_a_feed") == 1


def test_section_argument():
    assert parse_sections("sport, mir,sport") == ["sport", "mir"]
    assert parse_sections(None) == []
    with pytest.raises(SpiderArgumentError):
        parse_sections("sport/page-2")


def test_default_discovery_reads_the_feed_and_the_all_news_listing(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path)
    assert [r.url for r in spider.discovery_requests()] == ["https://total.kz/rss", "https://total.kz/ru/news"]


def test_backfill_reads_only_the_chosen_sections(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path, section="sport,mir", since="2020-01-01")
    assert [r.url for r in spider.discovery_requests()] == ["https://total.kz/ru/news/sport",
                                                             "https://total.kz/ru/news/mir"]


def test_outlet_facts():
    assert outlet_for_url(DATED) is OUTLET
    assert OUTLET.short_name == "Тотал" and OUTLET.agency_for("ru") == "ИА Тотал Казахстан"
    assert date_from_url(DATED).utcoffset() == timedelta(hours=6)
