"""The periodic progress line of long crawls."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.utils.test import get_crawler

from newscrawl.extensions.progress import ProgressLog


def test_progress_line_has_rates_and_newscrawl_counts(caplog):
    crawler = get_crawler(Spider, settings_dict={"LOGSTATS_INTERVAL": 30.0})
    progress = ProgressLog.from_crawler(crawler)
    progress.pagesprev, progress.itemsprev = 100, 40
    crawler.stats.set_stats({"response_received_count": 130, "item_scraped_count": 52, "newscrawl/archived": 50,
                             "newscrawl/duplicates": 2, "newscrawl/skipped": 4, "retry/count": 3,
                             "newscrawl/failed/articles": 1, "newscrawl/failed/listings": 1})
    with caplog.at_level(logging.INFO, logger="newscrawl.extensions.progress"):
        progress.log(Spider(name="kazinform"))
    line, = [r.getMessage() for r in caplog.records]
    # 30 pages and 12 items in a 30-second interval
    assert line == ("progress: 130 pages (60/min), 52 items (24/min); archived 50, duplicates 2, skipped 4,"
                    " retries 3, errors 2")


def test_progress_replaces_scrapys_logstats_in_the_project_settings():
    from newscrawl import settings

    assert settings.EXTENSIONS["scrapy.extensions.logstats.LogStats"] is None
    assert "newscrawl.extensions.progress.ProgressLog" in settings.EXTENSIONS
