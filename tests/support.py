"""Test helpers: saved sites as WARC files, and crawls run the way a user runs them
(``scrapy crawl`` in a subprocess, bounded in time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler, get_reactor_settings
from warcio.warcwriter import WARCWriter

from newscrawl.warc import write_exchange

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def project_settings(**overrides: Any) -> dict[str, Any]:
    """newscrawl's settings (the defaults every component reads), for a crawler made in a test: no
    crawl report, no reactor of its own; ``overrides`` on top."""
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    values = settings.copy_to_dict()
    for name in ("TWISTED_REACTOR", "ASYNCIO_EVENT_LOOP", *get_reactor_settings()):
        values.pop(name, None)
    values.update(REPORTS_DIR=None, CRAWL_REPORT=None, ARCHIVE_FSYNC=False, EXTRACTION_PROCESSES=0)
    values.update(overrides)
    return values


def project_crawler(spidercls: type | None = None, **settings: Any) -> Crawler:
    """A crawler with newscrawl's settings and extensions (see ``project_settings``)."""
    crawler = get_crawler(spidercls, project_settings(**settings))
    crawler.stats.open_spider()
    return crawler


@dataclass
class SitePage:
    """One response of a saved site."""

    url: str
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    method: str = "GET"
    request_body: bytes = b""


def write_site_warc(path: Path, pages: list[SitePage]) -> Path:
    """A WARC file holding the given responses, as a crawl's raw archive would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        for page in pages:
            headers = [("Content-Type", page.content_type), *page.headers]
            write_exchange(writer, page.url, page.status, headers, page.body, method=page.method,
                           request_body=page.request_body)
    return path


def load_site(folder: Path) -> list[SitePage]:
    """The pages a fixture folder's ``site.json`` lists: ``[{url, file | body, status, content_type,
    headers}]``, files relative to the folder."""
    pages = []
    for entry in json.loads((folder / "site.json").read_text(encoding="utf-8")):
        body = (folder / entry["file"]).read_bytes() if entry.get("file") else entry.get("body", "").encode()
        pages.append(SitePage(url=entry["url"], body=body, status=entry.get("status", 200),
                              content_type=entry.get("content_type", "text/html; charset=utf-8"),
                              headers=[tuple(h) for h in entry.get("headers", [])],
                              method=entry.get("method", "GET"),
                              request_body=entry.get("request_body", "").encode()))
    return pages


@dataclass
class CrawlRun:
    """What a crawl left behind."""

    returncode: int
    items: list[dict[str, Any]]
    report: dict[str, Any]
    log: str

    @property
    def stats(self) -> dict[str, Any]:
        return self.report.get("stats", {})

    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0))


def crawl_command(spider: str, workdir: Path, *, archive: Path, replay: Path | None = None,
                  args: dict[str, str] | None = None, settings: dict[str, Any] | None = None) -> list[str]:
    """The ``scrapy crawl`` command line of a test crawl (items and report into ``workdir``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    items_path, report_path = workdir / "items.jsonl", workdir / "report.json"
    for p in (items_path, report_path):
        p.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", f"{items_path}:jsonlines",
           "-s", f"ARCHIVE_DIR={archive}", "-s", f"CRAWL_REPORT={report_path}", "-s", "LOG_LEVEL=INFO",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ARCHIVE_FSYNC=False"]
    if replay is not None:
        cmd += ["-s", f"REPLAY={replay}"]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    return cmd


def crawl_env() -> dict[str, str]:
    """The environment of a test crawl: this checkout's code, no archive folder from outside."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("NEWSCRAWL_ARCHIVE_DIR", "NEWSCRAWL_RAW_ARCHIVE_DIR", "NEWSCRAWL_CRAWL_REPORT"):
        env.pop(name, None)
    return env


def run_crawl(spider: str, workdir: Path, *, archive: Path, replay: Path | None = None,
              args: dict[str, str] | None = None, settings: dict[str, Any] | None = None,
              timeout: float = 300, env: dict[str, str] | None = None) -> CrawlRun:
    """Run ``scrapy crawl`` as a user would, in a subprocess (``env`` added to its environment);
    returns its items, report and log."""
    cmd = crawl_command(spider, workdir, archive=archive, replay=replay, args=args, settings=settings)
    proc = subprocess.run(cmd, cwd=ROOT, env={**crawl_env(), **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)
    return crawl_result(workdir, proc.returncode, proc.stderr)


def crawl_result(workdir: Path, returncode: int, log: str) -> CrawlRun:
    """What a crawl run in ``workdir`` left behind."""
    items_path, report_path = workdir / "items.jsonl", workdir / "report.json"
    items = [json.loads(line) for line in items_path.read_text(encoding="utf-8").splitlines()] \
        if items_path.exists() else []
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    return CrawlRun(returncode, items, report, log)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server with this handler on 127.0.0.1 (a port chosen now), in a thread, for the block:
    its base URL, ``http://127.0.0.1:PORT``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
