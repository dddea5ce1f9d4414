"""On a node, articles go to the archiver's stream with every field; anything else is refused."""

from __future__ import annotations

import pytest
import redis
import scrapy
from scrapy.exceptions import DropItem
from support import project_crawler

from newscrawl.distributed.connection import ITEMS_KEY
from newscrawl.distributed.messages import read_message
from newscrawl.distributed.pipeline import RedisItemPipeline
from newscrawl.items import Article


class NodeSpider(scrapy.Spider):
    name = "node"


@pytest.fixture
def pipeline(redis_url):
    crawler = project_crawler(NodeSpider, REDIS_URL=redis_url)
    crawler.spider = NodeSpider.from_crawler(crawler)
    return RedisItemPipeline.from_crawler(crawler)


def test_an_article_goes_to_the_stream_with_its_fetch_time(pipeline, redis_url):
    article = Article(url="https://total.kz/ru/news/1", outlet="totalkz", title="Заголовок", body="Текст.")
    assert pipeline.process_item(article) is article
    assert article.fetched_at is not None
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        [(_, entry)] = client.xrange(ITEMS_KEY)
    assert entry["spider"] == "node"
    assert read_message(entry) == article
    assert pipeline.stats.get_value("newscrawl/sent_to_archiver/totalkz") == 1


def test_anything_but_an_article_is_refused_and_counted(pipeline):
    with pytest.raises(DropItem, match="not an article"):
        pipeline.process_item({"url": "https://total.kz/ru/news/1"})
    assert pipeline.stats.get_value("newscrawl/not_an_article") == 1
