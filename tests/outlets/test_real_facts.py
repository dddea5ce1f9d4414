"""The facts found in real pages, feeds and public scrapers after the spiders were written (OUTLETS.md,
"Facts found later"), each as the outlet modules must take it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from newscrawl.extract.feeds import feed_entries
from newscrawl.outlets import article_keys, get_outlet, kazinform, mfakz, mosru, outlet_for_url, qazaqtv, totalkz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_mosru_theme_pages_of_the_mayor_are_articles_beside_news_items():
    theme = "https://www.mos.ru/mayor/themes/12299/9174050/"
    assert mosru.OUTLET.is_article_url(theme) and mosru.article_id(theme) == "9174050"
    assert "mosru:9174050" in article_keys(theme)
    assert mosru.news_item_id(theme) is None  # not a newsfeed item: read as a page
    assert mosru.OUTLET.is_article_url("https://www.mos.ru/news/item/164558073/")
    assert not mosru.OUTLET.is_article_url("https://www.mos.ru/stroinadzor/documents/")  # a department page


def test_mosru_real_rss_items_without_guid_give_their_links_and_dates():
    entries = feed_entries((FIXTURES / "mosru" / "rss_2022.xml").read_bytes())
    links = [link for link, _ in entries]
    assert sum("/mayor/themes/" in link for link in links) == 2 and all(when.endswith("+0300") for _, when in entries)
    assert all(mosru.OUTLET.is_article_url(link) for link in links)  # enclosures are not taken for links


def test_kazinform_og_url_article_form_and_legacy_id_fold_to_one_key():
    og_url = "https://www.inform.kz/ru/article/3725092"
    legacy = "https://www.inform.kz/ru/v-almaty-otkryli-park_a3725092"
    assert "kazinform:a3725092" in article_keys(og_url) & article_keys(legacy)


def test_kazinform_english_amp_pages_of_2015_are_english_articles():
    amp = "https://en.inform.kz/amp/kazakhstan-and-china-sign-agreements_a2817005/"
    assert kazinform.OUTLET.is_article_url(amp) and kazinform.OUTLET.edition_of(amp) == "en"
    assert "kazinform:a2817005" in article_keys(amp)


def test_kazinform_politics_feed_and_sitemap_are_own_routes():
    assert "https://www.inform.kz/ru/politics_rss.xml" in kazinform.FEEDS["ru"]
    assert kazinform.SITEMAP == "https://www.inform.kz/sitemap.xml" and kazinform.SITEMAP_EDITIONS == ("ru", "kz")


def test_totalkz_slugs_with_double_underscores_are_articles_with_one_key():
    url = "https://total.kz/ru/news/obshchestvo/glava_mintransa__novie_pravila_tehosmotra"
    assert totalkz.OUTLET.is_article_url(url)
    assert article_keys(url) & article_keys(url.replace("/ru/news/", "/news/"))


def test_totalkz_url_time_is_when_the_item_was_created():
    url = "https://total.kz/ru/news/politika/x_date_2019_11_18_12_04_20"
    assert totalkz.OUTLET.published_in_url(url) == datetime(2019, 11, 18, 12, 4, 20, tzinfo=ZoneInfo("Asia/Almaty"))
    assert "Эксклюзив" in totalkz.OUTLET.title_labels


def test_qazaqtv_one_real_url_form_is_an_article_of_its_edition():
    url = "https://old.qazaqtv.com/en/view/society/page_214337_two-new-tv-channels"
    assert outlet_for_url(url) is qazaqtv.OUTLET and qazaqtv.OUTLET.is_article_url(url)
    assert qazaqtv.OUTLET.edition_of(url) == "en"


def test_seed_000_kind_of_page_is_kazinform_not_qazaqtv():
    assert outlet_for_url("https://www.inform.kz/en/shymkent-hosts-forum_a3577123") is get_outlet("kazinform")


def test_mfa_old_site_content_view_pages_and_gov_kz_ids_are_articles():
    old = "http://www.mfa.kz/en/london/content-view/kazakh-delegation-visits-london"
    assert mfakz.OUTLET.is_article_url(old) and mfakz.OUTLET.edition_of(old) == "en"
    current = "https://www.gov.kz/memleket/entities/mfa/press/news/details/997859?lang=kk"
    assert mfakz.OUTLET.is_article_url(current) and mfakz.OUTLET.edition_of(current) == "kk"
