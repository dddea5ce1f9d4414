"""Where crawl reports go: one file per job."""

from __future__ import annotations

import json

from scrapy import Spider
from scrapy.utils.test import get_crawler

from newscrawl.extensions.report import CrawlReport


def close(settings: dict, **spider_attrs) -> None:
    crawler = get_crawler(Spider, settings_dict=settings)
    spider = Spider(name="kazinform", **spider_attrs)
    spider._set_crawler(crawler)
    crawler.stats.set_stats({"item_scraped_count": 3})
    CrawlReport.from_crawler(crawler).spider_closed(spider, "finished")


def test_reports_dir_gives_a_report_per_job_named_by_spider_time_and_job(tmp_path):
    close({"REPORTS_DIR": str(tmp_path)}, _job="6487ec79947edab326d6db28a2d86511")
    report_file, = (tmp_path / "kazinform").glob("*.json")
    assert report_file.name.endswith("_6487ec79947edab326d6db28a2d86511.json")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["job"] == "6487ec79947edab326d6db28a2d86511"
    assert report["stats"]["item_scraped_count"] == 3


def test_a_crawl_outside_scrapyd_is_reported_as_local(tmp_path):
    close({"REPORTS_DIR": str(tmp_path)})
    report_file, = (tmp_path / "kazinform").glob("*.json")
    assert report_file.name.endswith("_local.json")


def test_crawl_report_template_wins_over_reports_dir(tmp_path):
    close({"REPORTS_DIR": str(tmp_path / "reports"), "CRAWL_REPORT": str(tmp_path / "%(name)s-%(job)s.json")},
          _job="abc")
    assert (tmp_path / "kazinform-abc.json").is_file()
    assert not (tmp_path / "reports").exists()
