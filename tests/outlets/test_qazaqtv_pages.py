"""Qazaq TV: article pages give the expected items (hand-written fixtures in tests/fixtures/qazaqtv/),
URL rules, and the reading of feeds, sitemaps and listings whose form is a guess."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import lxml.html
import pytest

from newscrawl.archive import article_keys
from newscrawl.extract.fields import extract_article
from newscrawl.extract.html import decode_html
from newscrawl.outlets import outlet_for_url
from newscrawl.outlets.qazaqtv import (
    OUTLET,
    edition_of,
    is_article_url,
    listing_links,
    looks_like_article,
    sitemap_entries,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qazaqtv"
ARTICLES = FIXTURES / "articles"
SITE = FIXTURES / "site"
CASES = sorted(p.name.removesuffix(".expected.json") for p in ARTICLES.glob("*.expected.json"))
MARKER = "<!-- Hand-written fixture in the structure of "


def extracted(name: str) -> tuple[dict, dict]:
    expected = json.loads((ARTICLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    html = decode_html((ARTICLES / f"{name}.html").read_bytes())
    return extract_article(html, expected["url"]), expected


@pytest.mark.parametrize("name", CASES)
def test_fixture_is_marked_hand_written_and_its_contract_matches_the_page(name):
    html = (ARTICLES / f"{name}.html").read_text(encoding="utf-8")
    expected = json.loads((ARTICLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert html.startswith(MARKER)
    visible = " ".join(lxml.html.document_fromstring(html).text_content().split())
    assert all(" ".join(p.split()) in visible for p in expected["body"])
    assert all(junk in visible for junk in expected["body_must_not_contain"])


@pytest.mark.parametrize("name", CASES)
def test_body_is_exactly_the_article_paragraphs(name):
    got, expected = extracted(name)
    assert got["body"].split("\n") == expected["body"]


@pytest.mark.parametrize("name", CASES)
def test_navigation_related_news_captions_and_embeds_never_reach_the_body(name):
    got, expected = extracted(name)
    for junk in expected["body_must_not_contain"]:
        assert junk not in got["body"], junk


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("field", ["title", "author", "published", "language", "tags", "canonical_url",
                                   "edition", "outlet"])
def test_fields_match_the_expected_item(name, field):
    got, expected = extracted(name)
    assert got[field] == expected[field]


@pytest.mark.parametrize("name", CASES)
def test_layout_is_recognised_or_the_fallback_is_used(name):
    got, expected = extracted(name)
    assert (got["layout"] or "fallback") == expected["layout"]


@pytest.mark.parametrize(("url", "edition"), [
    ("https://qazaqtv.com/en/view/society/page_214337_two-new-tv-channels", "en"),
    ("https://old.qazaqtv.com/ru/view/news/page_100_x", "ru"),
    ("https://qazaqtv.com/kz/news/zhana-saiabak-ashyldy", "kz"),
    ("https://qazaqtv.com/kk/news/zhana-saiabak-ashyldy", "kz"),
    ("https://qazaqtv.com/", "kz"),
])
def test_edition_comes_from_the_first_path_segment(url, edition):
    assert edition_of(url) == edition


def test_old_and_current_hosts_of_one_article_share_a_key():
    old = article_keys("https://old.qazaqtv.com/en/view/society/page_214337_two-new-tv-channels")
    new = article_keys("http://www.qazaqtv.com/en/view/news/page_214337_two-new-tv-channels-abai-tv/")
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
    assert is_article_url(url) is known
    assert looks_like_article(url) is article_like


def test_listing_cards_give_links_with_their_dates_and_skip_menus():
    html = (SITE / "news_en_1.html").read_text(encoding="utf-8")
    links, generic = listing_links(html, "https://qazaqtv.com/en/news")
    assert not generic
    assert links == [
        ("https://qazaqtv.com/en/view/society/page_231455_karaganda-region-to-build-three-new-schools",
         "07.10.2025 12:05"),
        ("https://qazaqtv.com/kz/view/society/page_231456_karagandy-oblysynda-ush-mektep-salynady",
         "07.10.2025 12:10"),
    ]


def test_listing_in_an_unknown_url_form_falls_back_to_article_like_links():
    html = (SITE / "news_ru_1.html").read_text(encoding="utf-8")
    links, generic = listing_links(html, "https://qazaqtv.com/ru/news")
    assert generic
    assert links == [("https://qazaqtv.com/ru/novosti/sport/214777-v-aktobe-postroyat-krytyy-ledovyy-stadion",
                      "14.05.2021")]


def test_sitemap_index_and_urlset_are_read_and_anything_else_is_not_a_sitemap():
    kind, entries = sitemap_entries((SITE / "sitemap.xml").read_bytes())
    assert kind == "sitemapindex" and entries[0] == ("https://qazaqtv.com/sitemap-2025-10.xml",
                                                     "2025-10-07T12:05:00+05:00")
    body = (SITE / "sitemap-2021-06.xml").read_bytes()
    assert sitemap_entries(gzip.compress(body)) == sitemap_entries(body)
    assert sitemap_entries(body)[0] == "urlset"
    assert sitemap_entries(b"<html><body>Not found</body></html>") == (None, [])
    assert sitemap_entries(b"") == (None, [])
