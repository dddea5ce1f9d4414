"""Qazaq TV's facts: URL rules, and the reading of listings whose form is a guess (its article pages are
in the suite over every outlet's fixtures, tests/outlets/test_fixture_pages.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newscrawl.outlets import outlet_for_url
from newscrawl.outlets.base import Listed
from newscrawl.outlets.qazaqtv import OUTLET, listing_cards, listing_links, looks_like_article

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qazaqtv"
ARTICLES = FIXTURES / "articles"
SITE = FIXTURES / "site"
CASES = sorted(p.name.removesuffix(".expected.json") for p in ARTICLES.glob("*.expected.json"))
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(("url", "edition"), [
    ("https://qazaqtv.com/en/view/society/page_214337_two-new-tv-channels", "en"),
    ("https://old.qazaqtv.com/ru/view/news/page_100_x", "ru"),
    ("https://qazaqtv.com/kz/news/zhana-saiabak-ashyldy", "kz"),
    ("https://qazaqtv.com/kk/news/zhana-saiabak-ashyldy", "kz"),
    ("https://qazaqtv.com/", "kz"),
])
def test_edition_comes_from_the_first_path_segment(url, edition):
    assert OUTLET.edition_of(url) == edition


def test_old_and_current_hosts_of_one_article_share_a_key():
    old = OUTLET.article_keys("https://old.qazaqtv.com/en/view/society/page_214337_two-new-tv-channels")
    new = OUTLET.article_keys("http://www.qazaqtv.com/en/view/news/page_214337_two-new-tv-channels-abai-tv/")
    assert "qazaqtv:214337" in old & new
    assert outlet_for_url("https://old.qazaqtv.com/en/view/society/page_214337_x") is OUTLET


@pytest.mark.parametrize(("url", "known", "article_like"), [
    ("https://qazaqtv.com/en/view/society/page_214337_two-new-tv-channels", True, True),
    ("https://qazaqtv.com/ru/news/v-aktobe-postroyat-stadion", True, True),
    ("https://qazaqtv.com/ru/novosti/sport/214777-v-aktobe-postroyat-krytyy-ledovyy-stadion", False, True),
    ("https://qazaqtv.com/en/tag/kazakhstan-and-russia-relations-today", False, False),
    ("https://qazaqtv.com/en/tv/live", False, False),
    ("https://qazaqtv.com/en/news", False, False),
    ("https://www.inform.kz/en/view/society/page_214337_two-new-tv-channels", False, False),
])
def test_article_links_are_told_from_service_tag_and_foreign_links(url, known, article_like):
    assert OUTLET.is_article_url(url) is known
    assert looks_like_article(url) is article_like


def test_listing_cards_give_links_with_their_dates_and_skip_menus():
    html = (SITE / "news_en_1.html").read_text(encoding="utf-8")
    assert listing_cards(html, "https://qazaqtv.com/en/news") == [
        Listed("https://qazaqtv.com/en/view/society/page_231455_karaganda-region-to-build-three-new-schools",
               datetime(2025, 10, 7, 12, 5, tzinfo=ALMATY)),
        Listed("https://qazaqtv.com/kz/view/society/page_231456_karagandy-oblysynda-ush-mektep-salynady",
               datetime(2025, 10, 7, 12, 10, tzinfo=ALMATY)),
    ]


def test_listing_in_an_unknown_url_form_falls_back_to_article_like_links():
    html = (SITE / "news_ru_1.html").read_text(encoding="utf-8")
    assert listing_cards(html, "https://qazaqtv.com/ru/news") == []
    assert listing_links(html, "https://qazaqtv.com/ru/news") == [
        Listed("https://qazaqtv.com/ru/novosti/sport/214777-v-aktobe-postroyat-krytyy-ledovyy-stadion",
               datetime(2021, 5, 14, tzinfo=ALMATY))]
