"""The Kazakh MFA on gov.kz: URL rules, the GraphQL and REST answers and rendered pages give the
expected items (the fixtures are hand-written in the documented structure; see
tests/fixtures/mfakz/README.md)."""

from __future__ import annotations

import html
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support import FIXTURES

from newscrawl.extract.html import squash
from newscrawl.outlets import Listed, mfakz, outlet_for_url
from newscrawl.reading import PageReader, api_page

FIX = FIXTURES / "mfakz"
API_EXPECTED = json.loads((FIX / "api" / "expected.json").read_text(encoding="utf-8"))
DETAILS = "https://www.gov.kz/memleket/entities/mfa/press/news/details/"


def payload(name: str):
    return json.loads((FIX / "api" / name).read_text(encoding="utf-8"))


def api_article(item: dict, edition: str):
    """The article of an API item, extracted and tagged as a crawl does it."""
    return PageReader(mfakz.OUTLET).read(api_page(mfakz.api_item(item, edition), edition, "graphql"))


# -- URLs
def test_web_urls_give_the_edition_by_their_lang_parameter():
    assert mfakz.OUTLET.edition_of(DETAILS + "1273258?lang=en") == "en"
    assert mfakz.OUTLET.edition_of(DETAILS + "1273258?lang=kk") == "kk"
    assert mfakz.OUTLET.edition_of(DETAILS + "1273258?lang=kz") == "kk"
    assert mfakz.OUTLET.edition_of(DETAILS + "1273258") == "ru"


def test_article_keys_hold_the_id_per_edition():
    assert mfakz.article_id(DETAILS + "1273258?lang=ru") == "1273258"
    assert "mfakz:kk:1273258" in mfakz.OUTLET.article_keys(DETAILS + "1273258?lang=kz")
    assert "mfakz:kk:1273258" in mfakz.OUTLET.article_keys(DETAILS + "1273258?lang=kk")
    assert mfakz.OUTLET.article_keys(DETAILS + "1273258?lang=ru").isdisjoint(
        mfakz.OUTLET.article_keys(DETAILS + "1273258?lang=en"))
    assert mfakz.article_id(DETAILS + "kazakhstan-i-mongoliya?lang=ru") is None


def test_only_the_ministrys_pages_on_gov_kz_are_this_outlet():
    assert outlet_for_url(DETAILS + "1273258?lang=ru") is mfakz.OUTLET
    assert not mfakz.OUTLET.owns("https://www.gov.kz/memleket/entities/astana/press/news/details/1267167?lang=ru")
    assert mfakz.article_id("https://www.gov.kz/memleket/entities/astana/press/news/details/1267167") is None


def test_record_url_is_the_web_page_of_the_edition():
    assert mfakz.article_url("1273258", "kk") == DETAILS + "1273258?lang=kk"


# -- GraphQL
def test_graphql_query_asks_for_the_ministrys_news_of_an_edition_newest_first():
    query = mfakz.graphql_query("kk", 3)
    assert 'news(projects:"eq:mfa", _lang:"kk", _page:3, _size:50, _sort:"created_date:desc")' in query
    assert "{ id title body created_date heropic slug }" in query
    assert 'id:"eq:1273258"' in mfakz.graphql_query("ru", 1, 1, "1273258")


def test_graphql_body_is_the_same_bytes_every_time():
    query = mfakz.graphql_query("ru", 1)
    assert mfakz.graphql_body(query) == mfakz.graphql_body(query)
    assert json.loads(mfakz.graphql_body(query)) == {"query": query}


def test_graphql_answers_give_their_items_and_errors_give_none():
    assert [i["id"] for i in mfakz.graphql_news(payload("graphql_ru_page1.json"))] == ["1273258", "1273101"]
    assert mfakz.graphql_news(payload("graphql_ru_page3.json")) == []
    assert mfakz.graphql_news(payload("graphql_errors.json")) is None
    assert "FieldUndefined" in mfakz.graphql_errors(payload("graphql_errors.json"))
    assert mfakz.graphql_news({"data": {"news": {"id": "1"}}}) == [{"id": "1"}]
    assert mfakz.graphql_news([1, 2]) is None


# -- REST
def test_rest_list_is_content_or_a_bare_list():
    items = mfakz.rest_news(payload("rest_ru_page1.json"))
    assert [i["id"] for i in items] == ["1273258", "1273101"]
    assert mfakz.rest_news(items) == items
    assert mfakz.rest_news(payload("rest_unauthorized.json")) is None


def test_rest_urls_use_the_rest_language_codes():
    url = mfakz.rest_list_url("kk", 2)
    assert url.startswith(mfakz.REST_LIST_URL + "?") and "projects=eq%3Amfa" in url and "lang=kz" in url
    assert "page=2" in url and "size=20" in url and "sort-by=created_date%3ADESC" in url
    assert mfakz.rest_item_url("1273300", "ru") == mfakz.REST_LIST_URL + "/1273300?lang=ru"


def test_rest_detail_is_the_item_or_wrapped():
    item = payload("rest_item_1273300.json")
    assert mfakz.rest_item(item) is item
    assert mfakz.rest_item({"data": item}) is item
    assert mfakz.rest_item(payload("rest_unauthorized.json")) is None


# -- items
def test_created_date_with_z_is_utc_and_without_offset_is_almaty_time():
    assert mfakz.api_item({"id": "1", "created_date": "2025-11-03T10:15:00Z"}, "ru").published.isoformat() \
        == "2025-11-03T15:15:00+05:00"
    assert mfakz.api_item({"id": "1", "created_date": "2019-11-03T12:00:00"}, "ru").published.isoformat() \
        == "2019-11-03T12:00:00+06:00"


def test_items_without_a_numeric_id_are_dropped_and_items_without_body_have_no_document():
    assert mfakz.api_item({"id": "kazakhstan-i-mongoliya", "title": "x", "body": "<p>x</p>"}, "ru") is None
    assert mfakz.api_item({"id": "5", "title": "Заголовок", "body": None}, "ru").document is None


@pytest.mark.parametrize("key", sorted(API_EXPECTED))
def test_graphql_items_give_the_expected_articles(key):
    edition, item_id = key.split(":")
    names = {"ru": ("graphql_ru_page1.json", "graphql_ru_page2.json"), "kk": ("graphql_kk_page1.json",),
             "en": ("graphql_en_page1.json",)}[edition]
    item = next(i for name in names for i in mfakz.graphql_news(payload(name)) if i["id"] == item_id)
    article = api_article(item, edition)
    got = {"url": article.url, "edition": article.edition, "title": article.title, "author": article.author,
           "published": article.published.isoformat(), "language": article.language, "tags": article.tags,
           "body": article.paragraphs}
    assert got == API_EXPECTED[key]


def test_seed_004_text_as_a_graphql_body_gives_exactly_its_paragraphs(shared):
    """Seed 004 holds an MFA text as a republisher's page showed it: built into a GraphQL item, the
    article's paragraphs come out unchanged, without the photo credit."""
    lines = [line.strip() for line in next((shared / "seeds").glob("004_*.txt")).read_text(encoding="utf-8")
             .splitlines()]
    start, end = lines.index("Фото:mfa.kz"), next(i for i, line in enumerate(lines) if line.startswith("Оставлять"))
    title, paragraphs = lines[start - 2], [line for line in lines[start + 1:end] if line]
    body = ('<p><img src="/uploads/2014/11/3/photo.jpg"></p><figure><figcaption>Фото:mfa.kz</figcaption></figure>'
            + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
    article = api_article({"id": "761570", "title": title, "body": body, "created_date": "2014-11-03T09:00:00"},
                          "ru")
    assert article.title == "Астана и Ташкент могут стать городами-побратимами"
    assert article.paragraphs == [squash(p) for p in paragraphs]
    assert article.published.isoformat() == "2014-11-03T09:00:00+06:00"
    assert article.url == DETAILS + "761570?lang=ru"


# -- web pages
def test_rendered_listing_gives_the_article_links_and_their_dates():
    page = (FIX / "pages" / "rendered_listing.html").read_text(encoding="utf-8")
    almaty = ZoneInfo("Asia/Almaty")
    assert mfakz.listing_links(page, mfakz.listing_url("ru")) == [
        Listed(DETAILS + "1273500?lang=ru", datetime(2025, 11, 5, tzinfo=almaty)),  # "5 ноября 2025"
        Listed(DETAILS + "1273258?lang=ru", datetime(2025, 11, 3, tzinfo=almaty))]


def test_unrendered_listing_has_no_links():
    page = (FIX / "pages" / "spa_shell.html").read_text(encoding="utf-8")
    assert mfakz.listing_links(page, mfakz.listing_url("ru")) == []


def test_listing_url_pages_in_the_path():
    assert mfakz.listing_url("en", 1) == "https://www.gov.kz/memleket/entities/mfa/press/news?lang=en"
    assert mfakz.listing_url("en", 3) == "https://www.gov.kz/memleket/entities/mfa/press/news/3?lang=en"


