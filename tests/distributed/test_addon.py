"""The add-on: without REDIS_URL the project's settings are untouched; with it, scrapy-redis's
fitted scheduler, the node, one discovery per crawl and the stream in the archive pipeline's place."""

from __future__ import annotations

import pytest
import scrapy
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler
from support import project_crawler

import newscrawl.settings
from newscrawl.distributed.addon import DistributedAddon
from newscrawl.distributed.node import CrawlNode
from newscrawl.distributed.published import NodeArchive, PublishedIndex
from newscrawl.extensions.archive import CrawlArchive


class NodeSpider(scrapy.Spider):
    name = "node"


def project_settings(**overrides) -> Settings:
    """newscrawl's own settings module with ``overrides`` as a crawl has them (Scrapy's defaults below
    them), add-ons applied (by a crawler made of them)."""
    settings = {k: v for k, v in vars(newscrawl.settings).items() if k.isupper() and k != "TWISTED_REACTOR"}
    return get_crawler(NodeSpider, {**settings, **overrides}).settings


def pipelines(settings: Settings) -> dict[str, int | None]:
    return {(k if isinstance(k, str) else f"{k.__module__}.{k.__qualname__}").rsplit(".", 1)[1]: v
            for k, v in settings.getdict("ITEM_PIPELINES").items()}


def test_without_redis_url_nothing_changes():
    settings = project_settings(REDIS_URL=None)
    assert settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert not any("distributed" in str(k) for k in settings.getdict("EXTENSIONS"))
    assert pipelines(settings) == {"DedupePipeline": 100, "ReprintPipeline": 150, "TopicPipeline": 180,
                                   "LanguagePipeline": 200, "PublishedDatePipeline": 300, "ArchivePipeline": 400}


def test_with_redis_url_the_crawl_is_a_node(redis_url):
    settings = project_settings(REDIS_URL=redis_url)
    assert load_object(settings["SCHEDULER"]).__name__ == "RedisScheduler"
    assert load_object(settings["DUPEFILTER_CLASS"]).__name__ == "RedisDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST")
    assert pipelines(settings) == {"DedupePipeline": None, "ReprintPipeline": None, "TopicPipeline": 180,
                                   "LanguagePipeline": 200, "PublishedDatePipeline": 300, "RedisItemPipeline": 400}
    extensions = {getattr(k, "__name__", k) for k in settings.getdict("EXTENSIONS")}
    middlewares = {getattr(k, "__name__", k) for k in settings.getdict("SPIDER_MIDDLEWARES")}
    assert "CrawlNode" in extensions and "StartOnce" in middlewares
    assert "NodeArchive" in extensions and "CrawlArchive" not in extensions


def test_on_a_node_the_spiders_checks_read_what_the_archiver_publishes_and_no_record_is_written(redis_url):
    crawler = project_crawler(NodeSpider, REDIS_URL=redis_url)
    view = CrawlArchive.of(crawler)
    assert isinstance(view, NodeArchive) and isinstance(view.index, PublishedIndex)
    view.index.publish_keys([("total.kz/ru/news/1", 7)])
    assert view.index.find_url(["total.kz/ru/news/1"]) == 7
    view.index.set_state("node", "newest/ru", "2024-05-20T10:00:00+06:00")
    assert view.index.get_state("node", "newest/ru") == "2024-05-20T10:00:00+06:00"
    with pytest.raises(RuntimeError, match="writes no records"):
        view.archiver  # noqa: B018


def test_on_a_node_an_article_found_off_the_topic_is_remembered_for_every_node(redis_url):
    first, second = (CrawlArchive.of(project_crawler(NodeSpider, REDIS_URL=redis_url)).index for _ in range(2))
    first.add_off_topic(["total.kz/ru/news/9", "total.kz/ru/news/9/amp"], "побратим*")
    assert second.is_off_topic(["total.kz/ru/news/9"], "побратим*")
    assert not second.is_off_topic(["total.kz/ru/news/9"], "побратим* OR бауырлас")  # another topic: fetched again
    assert not second.is_off_topic(["total.kz/ru/news/10"], "побратим*")


def test_the_node_extension_connects_to_redis_and_names_the_crawl(redis_url):
    crawler = project_crawler(NodeSpider, REDIS_URL=redis_url, REDIS_CRAWL_NAME="backfill 2020/ru")
    node = crawler.get_extension(CrawlNode)
    assert node.crawl_name(NodeSpider()) == "backfill 2020/ru"
    assert node.join(NodeSpider()).frontier == "newscrawl:backfill_2020_ru:requests"


def test_the_addon_is_listed_in_the_project_settings():
    assert any(load_object(path) is DistributedAddon for path in newscrawl.settings.ADDONS)
