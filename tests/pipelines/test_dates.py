from datetime import datetime
from zoneinfo import ZoneInfo

from newscrawl.pipelines.dates import PublishedDatePipeline

WHEN = datetime(2025, 8, 15, 14, 2, tzinfo=ZoneInfo("Asia/Almaty"))


def test_machine_readable_date_wins_over_the_visible_one(crawler, make_article):
    item = make_article(date_candidates=[("meta:article:published_time", "2025-08-15T14:02:00+05:00")],
                        visible_dates=["10:00, 14 Август 2025"])
    PublishedDatePipeline.from_crawler(crawler).process_item(item)
    assert item.published.isoformat() == "2025-08-15T14:02:00+05:00"
    assert item.published_source == "meta:article:published_time"


def test_visible_date_in_the_outlets_zone_with_the_historical_offset(crawler, make_article):
    item = make_article(visible_dates=["1 Декабря 2020 14:02"])
    PublishedDatePipeline.from_crawler(crawler).process_item(item)
    assert item.published.isoformat() == "2020-12-01T14:02:00+06:00"
    assert crawler.stats.get_value("newscrawl/dates/visible") == 1


def test_article_without_a_date_goes_on_and_is_counted(crawler, make_article):
    item = make_article(visible_dates=["Главная"])
    assert PublishedDatePipeline.from_crawler(crawler).process_item(item) is item
    assert item.published is None
    assert crawler.stats.get_value("newscrawl/dates/missing") == 1


def test_a_date_the_spider_already_set_is_kept(crawler, make_article):
    item = make_article(published=WHEN, visible_dates=["1 Декабря 2020 14:02"])
    PublishedDatePipeline.from_crawler(crawler).process_item(item)
    assert item.published == WHEN
