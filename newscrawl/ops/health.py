"""The health checks of a finished crawl, computed from its stats.

Each check compares one figure of the crawl with what a healthy crawl of the outlet gives:

- ``finish_reason``   the crawl ended by itself (``finished``), not cancelled, killed or crashed
- ``item_count``      articles extracted (archived or refused as duplicates) ≥ the outlet's expected
                      minimum: ``HEALTH_MIN_ITEMS`` (per spider), else learned from earlier reports
                      of the same spider, kind of crawl and editions (a fraction of their median)
- ``field_coverage``  share of archived articles with a title, body, publication date and language
                      ≥ ``HEALTH_FIELD_COVERAGE`` (from Spidermon's field coverage counts)
- ``extraction_rate`` share of fetched article pages that gave an article ≥ ``HEALTH_MIN_EXTRACTION_RATE``
- ``error_rate``      pages that failed (after retries) and spider exceptions per page (each URL counted
                      once, however often it was retried) ≤ ``HEALTH_MAX_ERROR_RATE``
- ``retry_rate``      retries per request ≤ ``HEALTH_MAX_RETRY_RATE``
- ``duplicate_rate``  duplicates per extracted article ≤ ``HEALTH_MAX_DUPLICATE_RATE``
- ``archive_writes``  every record and every raw-archive response was written (a full disk, a
                      read-only file system or missing permissions fail it, saying which)

A changed page layout at an outlet shows as a failing ``item_count`` (listings no longer yield
links), ``extraction_rate`` (article pages no longer yield articles), ``field_coverage`` (dates
or titles no longer found) or ``duplicate_rate`` (the same boilerplate extracted from every page).
A check that cannot be judged (no articles, no baseline yet) is ``skipped``, never failed. A crawl
that was stopped (Ctrl-C, SIGTERM, a Scrapyd cancel: finish reason ``shutdown``) is not judged at
all: its status is ``stopped``, and no alert is raised.

The Spidermon monitor suite in ``newscrawl.monitors`` runs these checks when a crawl closes.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spidermon.utils.field_coverage import calculate_field_coverage

from newscrawl import settings
from newscrawl.ops.reports import baseline_key, recent_reports
from newscrawl.stats import (
    RAW_WRITE_ERRORS,
    RECORD_WRITE_ERRORS,
    error_count,
    items_extracted,
    write_failures,
)

PASSED, FAILED, SKIPPED, STOPPED = "passed", "failed", "skipped", "stopped"
#: how a crawl that was stopped from outside ends (Scrapy's finish reason for Ctrl-C, SIGTERM and a cancel)
STOPPED_REASONS = ("shutdown",)
#: the order checks are run and shown in
CHECKS = ("finish_reason", "item_count", "field_coverage", "extraction_rate", "error_rate", "retry_rate",
          "duplicate_rate", "archive_writes", "outlet_check")


@dataclass
class HealthCheck:
    """The outcome of one check."""

    name: str
    status: str
    message: str
    value: Any = None
    threshold: Any = None

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class HealthPolicy:
    """The thresholds a crawl is held to (by default, the project settings' ``HEALTH_*``)."""

    min_items: int | None = None
    min_items_source: str = "not set"
    field_coverage: dict[str, float] = field(default_factory=lambda: dict(settings.HEALTH_FIELD_COVERAGE))
    min_extraction_rate: float = settings.HEALTH_MIN_EXTRACTION_RATE
    max_error_rate: float = settings.HEALTH_MAX_ERROR_RATE
    max_retry_rate: float = settings.HEALTH_MAX_RETRY_RATE
    max_duplicate_rate: float = settings.HEALTH_MAX_DUPLICATE_RATE
    finish_reasons: tuple[str, ...] = tuple(settings.HEALTH_FINISH_REASONS)
    item_type: str = "Article"


def configured_minimum(value: Any, spider: str) -> int | None:
    """``HEALTH_MIN_ITEMS``: a number for this crawl, or ``{spider: number}`` (also as JSON)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, Mapping):
        value = value.get(spider)
        return None if value is None else int(value)
    return int(value)


def learned_minimum(previous_counts: Sequence[int], fraction: float, min_runs: int) -> int | None:
    """The expected minimum from earlier runs: ``fraction`` of their median item count, once there
    are ``min_runs`` of them."""
    if len(previous_counts) < max(min_runs, 1):
        return None
    return int(statistics.median(previous_counts) * fraction)


def previous_item_counts(reports: Sequence[Mapping[str, Any]], key: str) -> list[int]:
    """Item counts of earlier finished crawls with the same ``baseline_key`` (kind and editions)."""
    return [items_extracted(r.get("stats", {})) for r in reports
            if r.get("reason") == "finished" and baseline_key(r.get("arguments", {})) == key]


def policy_from_settings(settings: Any, spider: str, key: str) -> HealthPolicy:
    """The policy the settings give a crawl of ``spider``; the item minimum is configured, else
    learned from the reports in ``REPORTS_DIR`` of crawls with the same ``baseline_key``."""
    minimum = configured_minimum(settings.get("HEALTH_MIN_ITEMS"), spider)
    source = "HEALTH_MIN_ITEMS" if minimum is not None else "not set"
    reports_dir = settings.get("REPORTS_DIR")
    # a crawl of given pages is judged by its extraction rate: how many pages it was given varies
    if minimum is None and reports_dir and not key.startswith("urls"):
        learn_from = settings.getint("HEALTH_LEARN_FROM")
        counts = previous_item_counts(recent_reports(reports_dir, spider, limit=learn_from * 3), key)[-learn_from:]
        minimum = learned_minimum(counts, settings.getfloat("HEALTH_LEARNED_FRACTION"),
                                  settings.getint("HEALTH_LEARN_MIN_RUNS"))
        if minimum is not None:
            source = f"learned from {len(counts)} earlier crawls ({key})"
    coverage = settings.getdict("HEALTH_FIELD_COVERAGE")
    return HealthPolicy(
        min_items=minimum, min_items_source=source,
        field_coverage={str(k): float(v) for k, v in coverage.items()},
        min_extraction_rate=settings.getfloat("HEALTH_MIN_EXTRACTION_RATE"),
        max_error_rate=settings.getfloat("HEALTH_MAX_ERROR_RATE"),
        max_retry_rate=settings.getfloat("HEALTH_MAX_RETRY_RATE"),
        max_duplicate_rate=settings.getfloat("HEALTH_MAX_DUPLICATE_RATE"),
        finish_reasons=tuple(settings.getlist("HEALTH_FINISH_REASONS")),
    )


# -- the checks
def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def check_finish_reason(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    reason = stats.get("finish_reason")
    ok = reason in policy.finish_reasons
    return HealthCheck("finish_reason", PASSED if ok else FAILED,
                       f"crawl ended: {reason}" + ("" if ok else f", expected {', '.join(policy.finish_reasons)}"),
                       reason, list(policy.finish_reasons))


def check_item_count(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    items = items_extracted(stats)
    if policy.min_items is None:
        return HealthCheck("item_count", SKIPPED, f"{items} articles; no expected minimum yet (set HEALTH_MIN_ITEMS,"
                           " or let earlier crawls' reports in REPORTS_DIR teach it)", items)
    ok = items >= policy.min_items
    return HealthCheck("item_count", PASSED if ok else FAILED,
                       f"{items} articles extracted, expected at least {policy.min_items} ({policy.min_items_source})",
                       items, policy.min_items)


def field_coverage(stats: Mapping[str, Any], item_type: str = "Article") -> dict[str, float]:
    """Share of scraped items with each field set (Spidermon's field coverage)."""
    prefix = f"spidermon_field_coverage/{item_type}/"
    return {k[len(prefix):]: v for k, v in calculate_field_coverage(dict(stats)).items() if k.startswith(prefix)}


def check_field_coverage(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    archived = _int(stats, f"spidermon_item_scraped_count/{policy.item_type}")
    if not archived:
        return HealthCheck("field_coverage", SKIPPED, "no articles archived", {}, policy.field_coverage)
    coverage = field_coverage(stats, policy.item_type)
    value = {name: round(coverage.get(name, 0.0), 4) for name in policy.field_coverage}
    short = [f"{name} {value[name]:.0%} < {need:.0%}" for name, need in policy.field_coverage.items()
             if value[name] < need - 1e-9]
    message = (f"too few of {archived} articles have: {'; '.join(short)}" if short
               else f"{archived} articles: " + ", ".join(f"{n} {v:.0%}" for n, v in value.items()))
    return HealthCheck("field_coverage", FAILED if short else PASSED, message, value, policy.field_coverage)


def check_extraction_rate(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    pages = _int(stats, "newscrawl/article_requests") - _int(stats, "newscrawl/failed/articles")
    if pages <= 0:
        return HealthCheck("extraction_rate", SKIPPED, "no article pages fetched", None, policy.min_extraction_rate)
    items = items_extracted(stats)
    rate = min(_rate(items, pages), 1.0)
    skipped = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("newscrawl/skipped/")
               and k != "newscrawl/skipped/already_archived"}
    why = f" (skipped: {', '.join(f'{k} {v}' for k, v in sorted(skipped.items()))})" if skipped else ""
    ok = rate >= policy.min_extraction_rate
    return HealthCheck("extraction_rate", PASSED if ok else FAILED,
                       f"{items} of {pages} article pages gave an article, {rate:.0%}"
                       + ("" if ok else f" < {policy.min_extraction_rate:.0%}") + why,
                       round(rate, 4), policy.min_extraction_rate)


def check_error_rate(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    pages, failed = _int(stats, "newscrawl/pages"), _int(stats, "newscrawl/pages/failed")
    exceptions = _int(stats, "spider_exceptions/count")
    if "newscrawl/pages" not in stats:  # a report of a crawl before pages were counted once each
        pages, failed = _int(stats, "downloader/request_count"), error_count(stats) - exceptions
    errors = failed + exceptions
    also = f" and {exceptions} spider exceptions" if exceptions else ""
    if not pages:
        return HealthCheck("error_rate", FAILED if errors else SKIPPED,
                           f"no pages requested{also}", errors, policy.max_error_rate)
    rate = min(_rate(errors, pages), 1.0)
    ok = rate <= policy.max_error_rate
    return HealthCheck("error_rate", PASSED if ok else FAILED,
                       f"{failed} of {pages} pages failed{also}, {rate:.1%}"
                       + ("" if ok else f" > {policy.max_error_rate:.0%}"), round(rate, 4), policy.max_error_rate)


def check_retry_rate(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    requests, retries = _int(stats, "downloader/request_count"), _int(stats, "retry/count")
    if not requests:
        return HealthCheck("retry_rate", SKIPPED, "no requests", None, policy.max_retry_rate)
    if not _int(stats, "response_received_count"):  # nothing answered: the error rate tells it
        return HealthCheck("retry_rate", SKIPPED, f"{retries} retries, and no page was fetched", None,
                           policy.max_retry_rate)
    rate = _rate(retries, requests)
    ok = rate <= policy.max_retry_rate
    return HealthCheck("retry_rate", PASSED if ok else FAILED,
                       f"{retries} retries in {requests} requests, {rate:.1%}"
                       + ("" if ok else f" > {policy.max_retry_rate:.0%}"), round(rate, 4), policy.max_retry_rate)


def check_duplicate_rate(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    items, duplicates = items_extracted(stats), _int(stats, "newscrawl/duplicates")
    if not items:
        return HealthCheck("duplicate_rate", SKIPPED, "no articles extracted", None, policy.max_duplicate_rate)
    rate = _rate(duplicates, items)
    kinds = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("newscrawl/duplicates/")}
    why = f" ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})" if kinds else ""
    ok = rate <= policy.max_duplicate_rate
    return HealthCheck("duplicate_rate", PASSED if ok else FAILED,
                       f"{duplicates} of {items} articles were duplicates, {rate:.0%}"
                       + ("" if ok else f" > {policy.max_duplicate_rate:.0%}") + why,
                       round(rate, 4), policy.max_duplicate_rate)


def check_archive_writes(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    failed = {"records": _int(stats, RECORD_WRITE_ERRORS), "raw_archive": _int(stats, RAW_WRITE_ERRORS)}
    if not any(failed.values()):
        return HealthCheck("archive_writes", PASSED, "every record and raw-archive response written", failed, 0)

    def why(key: str) -> str:
        return ", ".join(f"{reason} {n}" for reason, n in sorted(write_failures(stats, key).items()))

    said = []
    if failed["records"]:
        said.append(f"{failed['records']} records not written ({why(RECORD_WRITE_ERRORS)})")
    if failed["raw_archive"]:
        said.append(f"{failed['raw_archive']} responses not written to the raw archive ({why(RAW_WRITE_ERRORS)})")
    return HealthCheck("archive_writes", FAILED, "; ".join(said), failed, 0)


def check_outlet(stats: Mapping[str, Any], policy: HealthPolicy) -> HealthCheck:
    """The verdict of a check crawl (``newscrawl check``, ``CHECK``): a degraded or broken outlet fails."""
    verdict = stats.get("newscrawl/check/verdict")
    if not verdict:
        return HealthCheck("outlet_check", SKIPPED, "not a check crawl")
    reason = stats.get("newscrawl/check/reason") or ""
    return HealthCheck("outlet_check", PASSED if verdict == "works" else FAILED, f"the outlet {verdict}: {reason}",
                       verdict)


_CHECKS = {"outlet_check": check_outlet, "finish_reason": check_finish_reason, "item_count": check_item_count,
           "field_coverage": check_field_coverage, "extraction_rate": check_extraction_rate,
           "error_rate": check_error_rate, "retry_rate": check_retry_rate, "duplicate_rate": check_duplicate_rate,
           "archive_writes": check_archive_writes}


def evaluate(stats: Mapping[str, Any], policy: HealthPolicy) -> list[HealthCheck]:
    """Every check of a crawl, in ``CHECKS`` order; a crawl that was stopped is not judged (all skipped)."""
    reason = stats.get("finish_reason")
    if reason in STOPPED_REASONS:
        return [HealthCheck(name, SKIPPED, f"the crawl was stopped ({reason}) before it finished: not judged",
                            reason if name == "finish_reason" else None) for name in CHECKS]
    return [_CHECKS[name](stats, policy) for name in CHECKS]


def overall(checks: Sequence[HealthCheck], reason: str | None = None) -> str:
    """``stopped`` for a crawl stopped from outside, ``failed`` when any check failed, else ``passed``."""
    if reason in STOPPED_REASONS:
        return STOPPED
    return FAILED if any(c.failed for c in checks) else PASSED


def summary(spider: str, job: str | None, checks: Sequence[HealthCheck]) -> str:
    """One line for logs and alerts."""
    failed = [c for c in checks if c.failed]
    who = f"{spider}" + (f" (job {job})" if job else "")
    if not failed and checks and all(c.status == SKIPPED for c in checks) and checks[0].value in STOPPED_REASONS:
        return f"{who}: stopped before it finished ({checks[0].value}); not judged"
    if not failed:
        return f"{who}: all health checks passed"
    return f"{who}: {len(failed)} of {len(checks)} health checks failed: " + "; ".join(
        f"{c.name}: {c.message}" for c in failed)
