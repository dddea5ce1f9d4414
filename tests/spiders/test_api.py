"""Shared JSON-API spider mechanics: API items as documents for the page extraction, claiming
articles against the archive, following items and paging (exercised through the mos.ru spider)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from scrapy import Request
from support import FIXTURES, project_crawler

from newscrawl.extensions.archive import CrawlArchive
from newscrawl.extract.fields import parse_page
from newscrawl.items import Article
from newscrawl.outlets import get_outlet, mosru
from newscrawl.outlets.api import ApiItem, api_document, item_entries, json_payload, plain_text
from newscrawl.reading import PageReader, Skip, api_page
from newscrawl.spiders.mosru import MosruSpider

BODY = "<p>Первый абзац новости о работе городского транспорта в выходные дни.</p><p>Второй абзац.</p>"


# -- documents
def test_api_document_is_read_by_the_api_layout_of_the_outlet():
    document = api_document("Заголовок &laquo;новости&raquo;", BODY, lead="Короткий лид.", tags=["Транспорт"])
    fields = parse_page(document, "https://www.mos.ru/news/item/1/", get_outlet("mosru"))
    assert fields.layout == "api"
    assert fields.title == "Заголовок «новости»"
    assert fields.body.split("\n") == ["Короткий лид.", "Первый абзац новости о работе городского транспорта в "
                                          "выходные дни.", "Второй абзац."]
    assert fields.tags == ["Транспорт"]


def test_unclosed_tags_in_the_body_cannot_swallow_title_lead_or_tags():
    document = api_document("Заголовок", "<div><p>Текст без закрывающих тегов <b>жирный", lead="Лид",
                            tags=["Тег"])
    fields = parse_page(document, "https://www.mos.ru/news/item/1/", get_outlet("mosru"))
    assert fields.title == "Заголовок" and fields.tags == ["Тег"]
    assert "Тег" not in fields.body


def test_markup_in_titles_is_text_and_never_markup():
    assert plain_text("<b>Глава</b> МИД &ndash; о визите") == "Глава МИД – о визите"
    assert "<script>" not in api_document("<script>alert(1)</script>Новость", BODY)


def test_json_payload_is_none_for_anything_but_json():
    assert json_payload(b'{"a": 1}') == {"a": 1}
    assert json_payload(b"<html>502 Bad Gateway</html>") is None


def read_item(title: str, body: str, dates: list[tuple[str, str]] = ()):
    item = ApiItem("https://www.mos.ru/news/item/1/", document=api_document(title, body), date_candidates=dates)
    return PageReader(mosru.OUTLET).read(api_page(item, "ru", "newsfeed"))


def test_api_items_with_too_little_text_or_no_title_give_no_article():
    assert read_item("Заголовок", "<p>Коротко.</p>") == Skip("not_an_article")
    assert read_item("", BODY) == Skip("not_an_article")


def test_api_dates_come_before_the_documents_own():
    article = read_item("Заголовок", BODY, [("api:date", "2025-03-12 14:30:00")])
    assert article.date_candidates[0] == ("api:date", "2025-03-12 14:30:00")
    assert (article.published.isoformat(), article.published_source) == ("2025-03-12T14:30:00+03:00", "api:date")
    assert article.sources["item"] == "api:newsfeed"


# -- the spider mechanics
@pytest.fixture
def spider_for(tmp_path):
    def make(**args) -> MosruSpider:
        return MosruSpider.from_crawler(project_crawler(MosruSpider, ARCHIVE_DIR=str(tmp_path / "archive")), **args)
    return make


def page_items(n: int) -> list[ApiItem]:
    payload = json.loads((FIXTURES / "mosru" / "api" / f"newsfeed_page{n}.json").read_text(encoding="utf-8"))
    return [mosru.api_item(item) for item in mosru.newsfeed_items(payload)]


def followed(spider: MosruSpider, items: list[ApiItem], **kwargs) -> list:
    async def collect():
        return [x async for x in spider.follow_items(items, "ru", "newsfeed", **kwargs)]
    return asyncio.run(collect())


def archive_article(spider: MosruSpider, url: str) -> None:
    archiver = CrawlArchive.of(spider.crawler).archiver
    archiver.add(Article(url=url, outlet="mosru", canonical_url=url, edition="ru", title="Заголовок",
                               body="Текст статьи.", published=datetime.fromisoformat("2025-03-12T14:30:00+03:00")))


def test_items_become_articles_and_items_without_text_page_requests(spider_for):
    spider = spider_for()
    results = followed(spider, page_items(1))
    articles = [r for r in results if isinstance(r, Article)]
    requests = [r for r in results if isinstance(r, Request)]
    assert [a.url for a in articles] == [mosru.article_url(164558073), mosru.article_url(164547073)]
    assert [r.url for r in requests] == [mosru.article_url(164551073)]
    assert requests[0].meta["newscrawl_given_dates"][0] == ("api:date", "2025-03-12 11:05:00")


def test_archived_items_are_skipped_and_counted_and_each_item_is_taken_once(spider_for):
    spider = spider_for()
    archive_article(spider, mosru.article_url(164558073))
    items = page_items(1)
    assert len(followed(spider, items)) == 2
    assert followed(spider, items) == []
    assert spider.crawler.stats.get_value("newscrawl/skipped/already_archived") == 1


def test_items_outside_the_backfill_range_are_not_followed(spider_for):
    spider = spider_for(since="2025-03-12")
    urls = [r.url for r in followed(spider, page_items(1))]
    assert mosru.article_url(164547073) not in urls and mosru.article_url(164558073) in urls


def test_backfill_pages_on_until_a_page_reaches_past_since(spider_for):
    spider = spider_for(since="2025-03-11", until="2025-03-11")
    assert spider.keep_paging(item_entries(page_items(1)), "ru", 1)
    assert not spider.keep_paging(item_entries(page_items(2)), "ru", 2)


def test_a_page_whose_items_were_archived_before_ends_the_walk_once_followed(spider_for):
    spider = spider_for()
    items = page_items(2)
    for item in items:
        archive_article(spider, item.url)
    assert followed(spider, items) == []
    assert not spider.keep_paging(item_entries(items), "ru", 1)


def test_an_api_page_repeating_an_earlier_page_ends_the_walk(spider_for):
    spider = spider_for(since="2025-01-01")
    items = page_items(2)
    followed(spider, items)
    assert spider.keep_paging(item_entries(items), "ru", 1)
    assert followed(spider, items) == []
    assert not spider.keep_paging(item_entries(items), "ru", 2)
    assert spider.crawler.stats.get_value("newscrawl/listings/repeated_pages") == 1


def test_incremental_paging_stops_at_a_fully_archived_page_or_the_page_limit(spider_for):
    spider = spider_for()
    items = item_entries(page_items(2))
    # each check on a listing of its own: a page repeating an earlier page would end the walk anyway
    assert spider.keep_paging(items, "ru", 1, listing="first")
    assert not spider.keep_paging(items, "ru", spider.walk.max_incremental_pages, listing="capped")
    for item in items:
        archive_article(spider, item.url)
    assert not spider.keep_paging(items, "ru", 1, listing="archived")
    assert not spider.keep_paging([], "ru", 1)
