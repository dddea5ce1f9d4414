"""Write a machine-readable report of each crawl when it closes (``CRAWL_REPORT``)."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

#: a report's path inside REPORTS_DIR (``%(name)s`` the spider, ``%(time)s`` UTC, ``%(job)s`` the job id)
REPORT_NAME = os.path.join("%(name)s", "%(time)s_%(job)s.json")


def report_template(reports_dir: str | os.PathLike[str]) -> str:
    """The ``CRAWL_REPORT`` template that puts a report per job into ``reports_dir``."""
    return os.path.join(os.fspath(reports_dir), REPORT_NAME)


def json_ready(value: Any) -> Any:
    """Stats values as JSON: datetimes as ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def job_id(crawler: Crawler, spider: Spider) -> str | None:
    """The crawl's job id: ``JOB_ID``, Scrapyd's job (the ``_job`` spider argument), or ``SCRAPY_JOB``."""
    return crawler.settings.get("JOB_ID") or getattr(spider, "_job", None) or os.environ.get("SCRAPY_JOB")


class CrawlReport:
    """At the end of a crawl, writes ``{spider, reason, arguments, stats, …}`` as JSON to the path
    ``CRAWL_REPORT`` names (``%(name)s``, ``%(time)s`` and ``%(job)s`` are filled in), atomically;
    without ``CRAWL_REPORT``, to ``REPORTS_DIR/<spider>/<time>_<job>.json`` when ``REPORTS_DIR`` is set."""

    def __init__(self, crawler: Crawler, path: str):
        self.crawler = crawler
        self.path = path
        self.sections: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        path = crawler.settings.get("CRAWL_REPORT")
        if not path and crawler.settings.get("REPORTS_DIR"):
            path = report_template(crawler.settings.get("REPORTS_DIR"))
        if not path:
            raise NotConfigured  # neither CRAWL_REPORT nor REPORTS_DIR is set: no report
        ext = cls(crawler, path)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def add_section(self, name: str, value: Any) -> None:
        """Let other components add to the report (e.g. health checks)."""
        self.sections[name] = value

    def report(self, spider: Spider, reason: str) -> dict[str, Any]:
        """The report's content."""
        args = {k: getattr(spider, k) for k in ("editions", "since", "until", "urls") if hasattr(spider, k)}
        if self.crawler.settings.getbool("CHECK"):  # a probe of the outlet: not a baseline for its crawls
            args["check"] = True
        return json_ready({
            "spider": spider.name,
            "reason": reason,
            "job": job_id(self.crawler, spider),
            "written_at": datetime.now(timezone.utc),
            "arguments": {k: (str(v) if not isinstance(v, list) else v) for k, v in args.items()},
            "stats": self.crawler.stats.get_stats(),
            **self.sections,
        })

    def spider_closed(self, spider: Spider, reason: str) -> None:
        now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        path = Path(self.path % {"name": spider.name, "time": now, "job": job_id(self.crawler, spider) or "local"})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.report(spider, reason), ensure_ascii=False, indent=1, default=str),
                       encoding="utf-8")
        os.replace(tmp, path)
        logger.info("crawl report written to %s", path)
