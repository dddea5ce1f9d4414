"""mos.ru: URL rules, the newsfeed API's responses and article pages give the expected items (the
fixtures are hand-written in the documented structure; see tests/fixtures/mosru/README.md)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from support import FIXTURES

from newscrawl.extract.fields import parse_page
from newscrawl.outlets import get_outlet, mosru, outlet_for_url
from newscrawl.reading import PageReader, api_page

FIX = FIXTURES / "mosru"
API_EXPECTED = json.loads((FIX / "api" / "expected.json").read_text(encoding="utf-8"))
PAGES = sorted(p.name.removesuffix(".expected.json") for p in (FIX / "articles").glob("*.expected.json"))


def payload(name: str):
    return json.loads((FIX / "api" / name).read_text(encoding="utf-8"))


def all_items() -> dict[str, dict]:
    pages = (payload(f"newsfeed_page{n}.json") for n in (1, 2, 3))
    return {str(item["id"]): item for page in pages for item in mosru.newsfeed_items(page)}


def api_article(item: dict):
    """The article of a newsfeed item, extracted and tagged as a crawl does it."""
    return PageReader(mosru.OUTLET).read(api_page(mosru.api_item(item), "ru", "newsfeed"))


# -- URLs
def test_article_urls_have_their_item_id_as_a_key():
    assert mosru.article_id("https://www.mos.ru/news/item/164558073/") == "164558073"
    assert mosru.article_id("https://mos.ru/news/item/164558073") == "164558073"
    assert "mosru:164558073" in mosru.OUTLET.article_keys("http://mos.ru/news/item/164558073")
    assert mosru.article_id("https://www.mos.ru/news/") is None


def test_mos_ru_sub_sites_are_not_this_outlet():
    assert mosru.OUTLET.owns("https://www.mos.ru/news/item/1/")
    assert not mosru.OUTLET.owns("https://mosds.mos.ru/presscenter/news/detail/8494146.html")
    assert mosru.article_id("https://mosds.mos.ru/news/item/164558073/") is None
    assert outlet_for_url("https://www.mos.ru/news/item/164558073/") is mosru.OUTLET
    assert outlet_for_url("https://mosds.mos.ru/presscenter/news/detail/8494146.html") is not mosru.OUTLET


def test_list_url_asks_for_50_items_newest_first_and_a_backfill_for_its_days():
    url = mosru.list_url(2)
    assert url.startswith(mosru.API_BASE + "?") and "page=2" in url and "per-page=50" in url and "sort=-date" in url
    assert "full_text" in url and "from=" not in url
    ranged = mosru.list_url(1, date(2025, 3, 1), date(2025, 3, 11))
    assert "from=2025-03-01+00%3A00%3A00" in ranged and "to=2025-03-11+23%3A59%3A59" in ranged


def test_site_suffixes_are_stripped_from_titles_taken_from_meta_tags():
    page = ('<html><head><meta property="og:title" content="Парк Горького откроет сезон проката лодок / Новости '
            'города / Сайт Москвы"></head><body><p>Текст.</p></body></html>')
    assert parse_page(page, "https://www.mos.ru/news/item/1/", get_outlet("mosru")).title == \
        "Парк Горького откроет сезон проката лодок"


# -- the newsfeed API
def test_next_page_is_the_links_next_href_and_the_last_page_has_none():
    assert mosru.next_page_url(payload("newsfeed_page1.json"), mosru.list_url(1)) == mosru.list_url(2)
    assert mosru.next_page_url(payload("newsfeed_page3.json"), mosru.list_url(3)) is None
    relative = {"items": [], "_links": {"next": {"href": "/api/newsfeed/v4/frontend/json/ru/articles?page=9"}}}
    assert mosru.next_page_url(relative, mosru.list_url(8)) == mosru.API_BASE + "?page=9"


def test_responses_that_are_not_newsfeed_pages_give_no_items():
    assert mosru.newsfeed_items({"name": "Not Found", "status": 404}) is None
    assert mosru.newsfeed_items(["x"]) is None
    assert mosru.newsfeed_items({"items": [{"id": 1}, "junk"]}) == [{"id": 1}]


def test_single_item_response_is_the_item_itself_or_a_list_holding_it():
    item = payload("item_164558073.json")
    assert mosru.single_item(item) is item
    assert mosru.single_item({"items": [item]}) is item
    assert mosru.single_item({"items": []}) is None


def test_item_dates_are_moscow_local_with_the_offset_of_their_day():
    items = all_items()
    assert mosru.api_item(items["164558073"]).published.isoformat() == "2025-03-12T14:30:00+03:00"
    assert mosru.api_item(items["72520073"]).published.isoformat() == "2013-11-20T10:00:00+04:00"


def test_unix_timestamp_dates_an_item_without_a_date_string():
    entry = mosru.api_item({"id": 5, "title": "x", "date_timestamp": "1741779000"})
    assert entry.published.isoformat() == "2025-03-12T14:30:00+03:00"


def test_items_without_an_id_are_dropped_and_items_without_text_have_no_document():
    assert mosru.api_item({"title": "Без id", "full_text": "<p>Текст</p>"}) is None
    entry = mosru.api_item(all_items()["164551073"])
    assert entry.document is None and entry.url == "https://www.mos.ru/news/item/164551073/"


@pytest.mark.parametrize("item_id", [k for k, v in API_EXPECTED.items() if v])
def test_api_items_give_the_expected_articles(item_id):
    article, expected = api_article(all_items()[item_id]), API_EXPECTED[item_id]
    got = {"url": article.url, "title": article.title, "author": article.author,
           "published": article.published.isoformat(), "language": article.language, "tags": article.tags,
           "body": article.paragraphs}
    assert got == expected


def test_photo_captions_and_read_also_links_of_the_api_text_never_reach_the_body():
    body = api_article(all_items()["164558073"]).body
    assert "Фото:" not in body and "Читайте также" not in body and "итоги программы строительства" not in body


# -- article pages


