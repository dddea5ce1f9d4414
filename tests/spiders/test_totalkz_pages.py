"""Total.kz article pages of every layout and URL form give the expected items, read as the
``totalkz`` spider reads them (fixtures are hand-written in the outlet's page structure; see
tests/fixtures/totalkz/README.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from outlet_pages import fixture_cases, load_case, make_spider, page_item

from newscrawl.spiders.totalkz import TotalkzSpider

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "totalkz" / "articles"
CASES = fixture_cases(ARTICLES)


@pytest.fixture(scope="module")
def spider(tmp_path_factory):
    return make_spider(TotalkzSpider, tmp_path_factory.mktemp("totalkz"))


@cache
def _item(spider, name: str) -> tuple[dict, dict]:
    html, expected = load_case(ARTICLES, name)
    return page_item(spider, html, expected["url"]), expected


def test_every_layout_has_a_fixture():
    assert {load_case(ARTICLES, name)[1]["layout"] for name in CASES} == {"post", "cs-article", "body", "fallback"}


def test_page_without_a_date_takes_the_local_time_in_its_url_not_a_sidebar_date(spider):
    got, _ = _item(spider, "post_2024_urldate")
    assert got["published_source"] == "url"
    assert got["published"] == "2024-05-14T18:45:02+05:00"


def test_page_in_no_documented_layout_is_counted(tmp_path):
    counting = make_spider(TotalkzSpider, tmp_path)
    for name in ("news_rewrite", "post_2021_person"):
        html, expected = load_case(ARTICLES, name)
        page_item(counting, html, expected["url"])
    assert counting.crawler.stats.get_value("newscrawl/layout/fallback") == 1


def test_view_counter_in_the_author_place_is_not_an_author(spider):
    html, expected = load_case(ARTICLES, "post_2025_agency")
    html = html.replace(b'<span class="meta__views"><i class="icon-eye"></i> 1 207</span>',
                        b'<span class="gray-text">1 207</span>')
    assert b'<span class="gray-text">1 207</span>' in html
    assert page_item(spider, html, expected["url"])["author"] == "ИА Тотал Казахстан"


