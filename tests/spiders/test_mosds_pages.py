"""mosds.mos.ru article pages, in the guessed press-centre layout and in markup nothing documents,
give the expected items as the ``mosds`` spider reads them (fixtures are hand-written; see
tests/fixtures/mosds/README.md)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from outlet_pages import fixture_cases, load_case, make_spider, page_item

from newscrawl.spiders.mosds import MosdsSpider

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "mosds" / "articles"
CASES = fixture_cases(ARTICLES)


@pytest.fixture(scope="module")
def spider(tmp_path_factory):
    return make_spider(MosdsSpider, tmp_path_factory.mktemp("mosds"))


@cache
def _item(spider, name: str) -> tuple[dict, dict]:
    html, expected = load_case(ARTICLES, name)
    return page_item(spider, html, expected["url"]), expected


def test_page_outside_the_guessed_layout_is_logged_and_counted(tmp_path, caplog):
    counting = make_spider(MosdsSpider, tmp_path)
    html, expected = load_case(ARTICLES, "changed_layout")
    item = page_item(counting, html, expected["url"])
    assert item["title"] and item["body"]
    assert counting.crawler.stats.get_value("newscrawl/layout/fallback") == 1
    assert "no documented mosds page layout matched" in caplog.text


def test_page_stating_no_date_takes_the_listing_day(spider):
    html, expected = load_case(ARTICLES, "presscenter_2021")
    undated = html.replace(b'<span class="date">22.04.2021</span>', b"")
    listed = datetime(2021, 4, 21, tzinfo=ZoneInfo("Europe/Moscow"))
    got = page_item(spider, undated, expected["url"], listed=listed)
    assert got["published"] == "2021-04-21T00:00:00+03:00" and got["published_source"] == "listing"


