"""The health checks of a crawl, from its stats."""

from __future__ import annotations

import json

import pytest
from scrapy.settings import Settings
from support import project_settings as settings_for_tests

from newscrawl import settings as project_settings
from newscrawl.ops.health import (
    CHECKS,
    FAILED,
    PASSED,
    SKIPPED,
    HealthPolicy,
    configured_minimum,
    evaluate,
    learned_minimum,
    overall,
    policy_from_settings,
    previous_item_counts,
    summary,
)
from newscrawl.ops.reports import baseline_key


def healthy_stats(items: int = 40, **changes) -> dict:
    """The stats of a healthy incremental crawl that archived ``items`` articles."""
    stats = {
        "finish_reason": "finished", "downloader/request_count": items + 10, "item_scraped_count": items,
        "response_received_count": items + 10, "newscrawl/pages": items + 10, "newscrawl/article_requests": items,
        "newscrawl/archived": items,
        "spidermon_item_scraped_count/Article": items,
        **{f"spidermon_item_scraped_count/Article/{f}": items for f in ("title", "body", "published", "language")},
    }
    stats.update(changes)
    return {k: v for k, v in stats.items() if v is not None}


def by_name(checks) -> dict:
    return {c.name: c for c in checks}


def test_a_healthy_crawl_passes_every_check():
    checks = evaluate(healthy_stats(), HealthPolicy(min_items=10))
    assert [c.name for c in checks] == list(CHECKS)
    assert {c.status for c in checks if c.name != "outlet_check"} == {PASSED}
    assert by_name(checks)["outlet_check"].status == "skipped"  # not a check crawl
    assert overall(checks) == PASSED


def test_a_check_crawl_that_finds_its_outlet_degraded_fails_the_outlet_check():
    stats = {**healthy_stats(), "newscrawl/check/verdict": "degraded",
             "newscrawl/check/reason": "2 of 3 articles in no known layout"}
    check = by_name(evaluate(stats, HealthPolicy(min_items=10)))["outlet_check"]
    assert check.failed and check.message == "the outlet degraded: 2 of 3 articles in no known layout"
    works = {**healthy_stats(), "newscrawl/check/verdict": "works", "newscrawl/check/reason": "3 articles read"}
    assert overall(evaluate(works, HealthPolicy(min_items=10))) == PASSED


def test_missing_dates_after_a_layout_change_fail_field_coverage():
    stats = healthy_stats(40, **{"spidermon_item_scraped_count/Article/published": 8})
    check = by_name(evaluate(stats, HealthPolicy()))["field_coverage"]
    assert check.status == FAILED
    assert check.value["published"] == 0.2
    assert "published 20% < 90%" in check.message


def test_listings_that_no_longer_yield_articles_fail_item_count():
    check = by_name(evaluate(healthy_stats(2), HealthPolicy(min_items=10)))["item_count"]
    assert check.status == FAILED and check.value == 2 and check.threshold == 10


def test_article_pages_that_no_longer_give_articles_fail_extraction_rate():
    stats = healthy_stats(3, **{"newscrawl/article_requests": 40, "newscrawl/skipped/not_an_article": 37})
    check = by_name(evaluate(stats, HealthPolicy()))["extraction_rate"]
    assert check.status == FAILED
    assert "3 of 40" in check.message and "not_an_article 37" in check.message


def test_same_boilerplate_on_every_page_fails_duplicate_rate():
    stats = healthy_stats(2, item_dropped_count=38, **{"newscrawl/duplicates": 38,
                                                       "newscrawl/duplicates/body": 38})
    check = by_name(evaluate(stats, HealthPolicy()))["duplicate_rate"]
    assert check.status == FAILED and check.value == 0.95


def test_many_failed_fetches_fail_error_rate_and_many_retries_fail_retry_rate():
    stats = healthy_stats(40, **{"newscrawl/pages/failed": 10, "retry/count": 30})
    checks = by_name(evaluate(stats, HealthPolicy()))
    assert checks["error_rate"].status == FAILED
    assert checks["error_rate"].message == "10 of 50 pages failed, 20.0% > 10%"
    assert checks["retry_rate"].status == FAILED


def test_error_rate_counts_each_page_once_however_often_it_was_retried():
    stats = {"finish_reason": "finished", "downloader/request_count": 56, "retry/count": 42,
             "newscrawl/pages": 14, "newscrawl/pages/failed": 14}
    checks = by_name(evaluate(stats, HealthPolicy()))
    assert checks["error_rate"].message == "14 of 14 pages failed, 100.0% > 10%"
    assert checks["error_rate"].value == 1.0
    assert checks["retry_rate"].status == SKIPPED  # nothing answered: the error rate says it


def test_a_crawl_that_failed_to_start_its_page_but_raised_exceptions_names_both():
    stats = healthy_stats(40, **{"newscrawl/pages/failed": 1, "spider_exceptions/count": 2})
    check = by_name(evaluate(stats, HealthPolicy()))["error_rate"]
    assert check.message == "1 of 50 pages failed and 2 spider exceptions, 6.0%"


def test_a_crawl_stopped_from_outside_is_stopped_not_unhealthy():
    stats = healthy_stats(3, **{"finish_reason": "shutdown", "newscrawl/article_requests": 40})
    checks = evaluate(stats, HealthPolicy(min_items=10))
    assert {c.status for c in checks} == {SKIPPED}
    assert overall(checks, "shutdown") == "stopped"
    assert summary("kazinform", None, checks) == "kazinform: stopped before it finished (shutdown); not judged"


def test_checks_that_cannot_be_judged_are_skipped_not_failed():
    stats = {"finish_reason": "finished", "downloader/request_count": 3, "response_received_count": 3}
    checks = by_name(evaluate(stats, HealthPolicy()))
    assert {name: checks[name].status for name in ("item_count", "field_coverage", "extraction_rate",
                                                   "duplicate_rate")} == dict.fromkeys(
        ("item_count", "field_coverage", "extraction_rate", "duplicate_rate"), SKIPPED)
    assert overall(checks.values()) == PASSED


@pytest.mark.parametrize(("value", "expected"), [(5, 5), ("5", 5), ({"kazinform": 7}, 7), ('{"kazinform": 7}', 7),
                                                 ({"totalkz": 7}, None), (None, None), ("", None)])
def test_configured_minimum_is_a_number_or_per_spider(value, expected):
    assert configured_minimum(value, "kazinform") == expected


def test_learned_minimum_is_a_fraction_of_the_median_once_there_are_enough_runs():
    assert learned_minimum([40, 10, 50, 44], 0.25, 3) == 10  # median 42
    assert learned_minimum([40, 50], 0.25, 3) is None


def write_report(folder, name: str, items: int, *, reason: str = "finished", urls=None,
                 editions=("en", "kz", "qz", "ru"), check: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    arguments = {"editions": list(editions), "urls": urls or [], "since": "None"} | ({"check": True} if check else {})
    report = {"spider": "kazinform", "reason": reason, "written_at": name, "arguments": arguments,
              "stats": {"item_scraped_count": items}}
    (folder / f"{name}_job.json").write_text(json.dumps(report), encoding="utf-8")


def test_minimum_is_learned_from_earlier_finished_reports_of_the_same_kind_and_editions(tmp_path):
    folder = tmp_path / "reports" / "kazinform"
    for i, items in enumerate([40, 48, 44, 52]):
        write_report(folder, f"2025081{i}T000000Z", items)
    write_report(folder, "20250815T000000Z", 0, reason="shutdown")  # not finished: not learned from
    write_report(folder, "20250816T000000Z", 2, urls=["https://www.inform.kz/ru/x"])  # another kind
    write_report(folder, "20250817T000000Z", 3, editions=["en"])  # other editions
    write_report(folder, "20250818T000000Z", 3, check=True)  # a daily check of the outlet: a few articles only
    settings = Settings(settings_for_tests(REPORTS_DIR=str(tmp_path / "reports")))
    key = baseline_key({"editions": ["ru", "kz", "qz", "en"], "urls": [], "since": None})
    assert key == "incremental en,kz,qz,ru"
    policy = policy_from_settings(settings, "kazinform", key)
    assert policy.min_items == 11  # a quarter of the median 46
    assert "learned from 4 earlier crawls (incremental en,kz,qz,ru)" in policy.min_items_source


def test_crawls_of_given_pages_learn_no_minimum(tmp_path):
    folder = tmp_path / "reports" / "kazinform"
    for i in range(5):
        write_report(folder, f"2025081{i}T000000Z", 40, urls=["https://www.inform.kz/ru/x"])
    settings = Settings(settings_for_tests(REPORTS_DIR=str(tmp_path / "reports")))
    key = baseline_key({"editions": ["en", "kz", "qz", "ru"], "urls": ["https://www.inform.kz/ru/x"]})
    assert policy_from_settings(settings, "kazinform", key).min_items is None


def test_configured_minimum_wins_over_learning(tmp_path):
    folder = tmp_path / "reports" / "kazinform"
    for i in range(3):
        write_report(folder, f"2025081{i}T000000Z", 100)
    settings = Settings({"REPORTS_DIR": str(tmp_path / "reports"), "HEALTH_MIN_ITEMS": "3"})
    assert policy_from_settings(settings, "kazinform", "incremental en,kz,qz,ru").min_items == 3


def test_previous_item_counts_count_archived_and_refused_articles():
    reports = [{"reason": "finished", "arguments": {}, "stats": {"item_scraped_count": 5, "item_dropped_count": 2}}]
    assert previous_item_counts(reports, "incremental all") == [7]


def test_project_settings_give_the_documented_thresholds():
    settings = Settings()
    settings.setmodule(project_settings)
    policy = policy_from_settings(settings, "kazinform", "incremental all")
    assert policy.field_coverage == {"title": 1.0, "body": 1.0, "published": 0.9, "language": 0.95}
    assert (policy.max_error_rate, policy.max_retry_rate, policy.max_duplicate_rate) == (0.1, 0.2, 0.5)


def test_summary_names_the_failed_checks():
    checks = evaluate(healthy_stats(2), HealthPolicy(min_items=10))
    line = summary("kazinform", "abc", checks)
    assert line.startswith(f"kazinform (job abc): 1 of {len(CHECKS)} health checks failed: item_count:")


def test_a_crawl_stopped_by_a_full_disk_fails_finish_reason_and_archive_writes_saying_why():
    stats = healthy_stats(40, finish_reason="archive_write_failed: no space left on device",
                          **{"newscrawl/archive/write_errors": 3,
                             "newscrawl/archive/write_errors/no_space_left_on_device": 3})
    checks = by_name(evaluate(stats, HealthPolicy()))
    assert checks["finish_reason"].failed and "no space left on device" in checks["finish_reason"].message
    assert checks["archive_writes"].failed
    assert checks["archive_writes"].message == "3 records not written (no space left on device 3)"
    assert "archive_writes: 3 records not written" in summary("kazinform", None, checks.values())
