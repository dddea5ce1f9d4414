"""TopicPipeline: an archive kept to ARCHIVE_TOPIC."""

from __future__ import annotations

from functools import partial

import pytest
from faultsite import FaultSite
from scrapy.exceptions import NotConfigured
from support import project_crawler, run_crawl

from newscrawl.pipelines.topic import OffTopicArticle, TopicPipeline


def test_articles_on_the_topic_pass_and_others_are_dropped_and_counted(tmp_path, make_article):
    crawler = project_crawler(ARCHIVE_DIR=str(tmp_path / "archive"), ARCHIVE_TOPIC='побратим* OR "sister cities"')
    pipeline = TopicPipeline.from_crawler(crawler)
    on_topic = make_article(body="Алматы и Ташкент станут городами-побратимами, сообщил аким.")
    assert pipeline.process_item(on_topic) is on_topic
    with pytest.raises(OffTopicArticle, match="off the topic"):
        pipeline.process_item(make_article(url="https://www.inform.kz/ru/other-1", outlet="totalkz"))
    stats = crawler.stats.get_stats()
    assert stats["newscrawl/topic/kept"] == 1 and stats["newscrawl/topic/kept/kazinform"] == 1
    assert stats["newscrawl/topic/skipped"] == 1 and stats["newscrawl/topic/skipped/totalkz"] == 1
    assert stats["newscrawl/topic"] == 'побратим* OR "sister cities"'


def test_a_named_topic_is_read_from_the_topics_file(tmp_path, make_article):
    (tmp_path / "topics.toml").write_text('[topics]\nschools = "школ*"\n', encoding="utf-8")
    crawler = project_crawler(ARCHIVE_DIR=str(tmp_path / "archive"), ARCHIVE_TOPIC="schools",
                              ARCHIVE_TOPICS_FILE=str(tmp_path / "topics.toml"))
    pipeline = TopicPipeline.from_crawler(crawler)
    article = make_article()
    assert pipeline.process_item(article) is article
    assert crawler.stats.get_value("newscrawl/topic") == "schools"


def test_without_a_topic_the_pipeline_is_not_enabled(tmp_path):
    with pytest.raises(NotConfigured):
        TopicPipeline.from_crawler(project_crawler(ARCHIVE_DIR=str(tmp_path / "archive")))


def test_the_next_crawl_on_the_topic_does_not_fetch_again_what_was_off_it(tmp_path):
    """Articles off the topic are remembered with the topic: the next crawl on it skips them unfetched
    (``newscrawl/skipped/off_topic_before``), a crawl on another topic fetches them."""
    narrow = {"ARCHIVE_TOPIC": '"Новость 1" OR "Новость 2"', "EXTRACTION_PROCESSES": 0}
    with FaultSite(8) as site:
        crawl = partial(run_crawl, "site", archive=tmp_path / "archive",
                        args={"start": site.base + "/", "timezone": "Europe/Moscow"})
        first = crawl(tmp_path / "run1", settings=narrow)
        second = crawl(tmp_path / "run2", settings=narrow)
        other = crawl(tmp_path / "run3", settings={**narrow, "ARCHIVE_TOPIC": "Новость"})
    assert first.returncode == second.returncode == other.returncode == 0, second.log[-3000:]
    skipped = first.stat("newscrawl/topic/skipped")
    assert skipped > 0
    assert 0 < second.stat("newscrawl/skipped/off_topic_before") <= skipped
    assert second.stat("newscrawl/topic/skipped") == 0  # no article off the topic was fetched and read again
    assert other.stat("newscrawl/skipped/off_topic_before") == 0 and other.stat("newscrawl/topic/kept") >= 1
