"""The Spidermon health suite: results in the crawl report, alerts logged, posted to a webhook and
mailed; and, through real replay crawls, a layout change showing up as a failing check."""

from __future__ import annotations

import json
import logging
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from scrapy import Spider
from spidermon.contrib.scrapy.runners import SpiderMonitorRunner
from support import FIXTURES, SitePage, project_crawler, run_crawl, serving, write_site_warc

from newscrawl.extensions.report import CrawlReport
from newscrawl.ops.monitors import HealthMonitorSuite

ARTICLES = FIXTURES / "kazinform" / "articles"
# Spidermon writes its log lines through Spider.log(), which Scrapy deprecates
pytestmark = pytest.mark.filterwarnings("ignore:Spider.log:scrapy.exceptions.ScrapyDeprecationWarning")


# -- local listeners on 127.0.0.1
@contextmanager
def webhook_server(status: int = 200) -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                             "json": json.loads(body)})
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    with serving(Handler) as base:
        yield f"{base}/hooks/newscrawl", received


class SmtpSink(socketserver.ThreadingTCPServer):
    """The least of an SMTP server on 127.0.0.1: accepts every message and keeps it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[dict] = []


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 127.0.0.1 sink")
        envelope: dict = {"to": []}
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 127.0.0.1")
            elif verb == b"MAIL":
                envelope["from"] = line.decode().strip()
                self.reply("250 OK")
            elif verb == b"RCPT":
                envelope["to"].append(line.decode().strip())
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 end with .")
                data = []
                while (part := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    data.append(part[1:] if part.startswith(b"..") else part)
                self.server.messages.append({**envelope, "message": b"".join(data)})
                envelope = {"to": []}
                self.reply("250 OK")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- the suite on a crawl's stats, in process
class KazinformLike(Spider):
    name = "kazinform"
    urls: list[str] = []  # noqa: RUF012
    since = None


def close_crawl(tmp_path: Path, stats: dict, **settings) -> tuple[dict, object]:
    """Run the health suite as Spidermon does when a crawl closes, then write the crawl report."""
    crawler = project_crawler(KazinformLike, CRAWL_REPORT=str(tmp_path / "report.json"),
                              REPORTS_DIR=str(tmp_path / "reports"), **settings)
    spider = KazinformLike()
    spider._set_crawler(crawler)
    report = crawler.get_extension(CrawlReport)
    crawler.stats.set_stats(dict(stats))
    suite = HealthMonitorSuite(crawler=crawler)
    result = SpiderMonitorRunner(spider=spider).run(suite, stats=crawler.stats.get_stats(), crawler=crawler,
                                                    spider=spider, stats_history=[], job=None)
    report.spider_closed(spider, stats.get("finish_reason", "finished"))
    return json.loads((tmp_path / "report.json").read_text(encoding="utf-8")), result


def stats_of(items: int, dated: int) -> dict:
    return {"finish_reason": "finished", "downloader/request_count": items + 5, "item_scraped_count": items,
            "response_received_count": items + 5, "newscrawl/pages": items + 5,
            "newscrawl/article_requests": items, "newscrawl/archived": items,
            "spidermon_item_scraped_count/Article": items,
            "spidermon_item_scraped_count/Article/title": items, "spidermon_item_scraped_count/Article/body": items,
            "spidermon_item_scraped_count/Article/language": items,
            "spidermon_item_scraped_count/Article/published": dated}


def test_health_results_go_into_the_crawl_report_and_stats(tmp_path):
    report, result = close_crawl(tmp_path, stats_of(20, 20), HEALTH_MIN_ITEMS=10)
    assert result.all_monitors_passed
    health = report["health"]
    assert health["status"] == "passed" and health["failed"] == []
    assert [c["name"] for c in health["checks"]][:3] == ["finish_reason", "item_count", "field_coverage"]
    assert report["stats"]["newscrawl/health/status"] == "passed"


def test_failing_check_logs_an_alert_and_marks_the_report(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        report, result = close_crawl(tmp_path, stats_of(20, 4))
    assert not result.all_monitors_passed
    assert report["health"]["status"] == "failed"
    assert report["health"]["failed"] == ["field_coverage"]
    assert report["stats"]["newscrawl/health/failed/field_coverage"] == 1
    alerts = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and "HEALTH ALERT" in r.getMessage()]
    assert alerts and "field_coverage" in alerts[0] and "published 20% < 90%" in alerts[0]


def test_failing_check_posts_the_alert_to_the_webhook(tmp_path):
    with webhook_server() as (url, received):
        report, _ = close_crawl(tmp_path, stats_of(20, 4), HEALTH_WEBHOOK_URL=url)
    assert len(received) == 1
    posted = received[0]
    assert posted["path"] == "/hooks/newscrawl" and posted["content_type"] == "application/json"
    assert posted["json"]["spider"] == "kazinform" and posted["json"]["status"] == "failed"
    assert posted["json"]["failed"] == ["field_coverage"]
    assert posted["json"]["text"].startswith("newscrawl health alert: kazinform")
    assert report["health"]["alerts"]["webhook"] == "sent (HTTP 200)"


def test_passing_checks_send_no_webhook(tmp_path):
    with webhook_server() as (url, received):
        close_crawl(tmp_path, stats_of(20, 20), HEALTH_WEBHOOK_URL=url)
    assert received == []


def test_a_stopped_crawl_is_reported_stopped_and_alerts_no_one(tmp_path, caplog):
    # Ctrl-C or SIGTERM halfway: few articles and many requested pages unanswered, finish reason "shutdown"
    stats = {**stats_of(3, 3), "finish_reason": "shutdown", "newscrawl/article_requests": 40}
    with webhook_server() as (url, received), caplog.at_level(logging.INFO):
        report, result = close_crawl(tmp_path, stats, HEALTH_WEBHOOK_URL=url, HEALTH_MIN_ITEMS=10)
    assert received == []
    assert result.all_monitors_passed
    assert report["health"]["status"] == "stopped" and report["health"]["failed"] == []
    assert not [r for r in caplog.records if "HEALTH ALERT" in r.getMessage()]


def test_a_webhook_that_fails_is_noted_in_the_report_and_the_crawl_goes_on(tmp_path):
    with webhook_server(status=500) as (url, received):
        report, _ = close_crawl(tmp_path, stats_of(20, 4), HEALTH_WEBHOOK_URL=url)
    assert len(received) == 1
    assert report["health"]["alerts"]["webhook"].startswith("failed:")
    assert report["health"]["alerts"]["log"] == "logged"


def test_failing_check_mails_the_alert(tmp_path):
    with smtp_sink() as sink:
        report, _ = close_crawl(tmp_path, stats_of(20, 4), HEALTH_EMAIL_TO=["archive@example.org"],
                                MAIL_FROM="newscrawl@example.org", MAIL_HOST="127.0.0.1",
                                MAIL_PORT=sink.server_address[1])
    assert len(sink.messages) == 1
    mail = message_from_bytes(sink.messages[0]["message"], policy=default_policy)
    assert mail["To"] == "archive@example.org" and mail["From"] == "newscrawl@example.org"
    assert mail["Subject"] == "[newscrawl] kazinform: health check failed: field_coverage"
    assert "published 20% < 90%" in mail.get_content()
    assert report["health"]["alerts"]["email"] == "sent to archive@example.org"


# -- real replay crawls: a healthy one, and one after an imagined redesign of the article pages
def fixture_pages() -> list[tuple[dict, Path]]:
    pages = []
    for expected in sorted(ARTICLES.glob("*.expected.json")):
        data = json.loads(expected.read_text(encoding="utf-8"))
        pages.append((data, ARTICLES / expected.name.replace(".expected.json", ".html")))
    return pages


def redesigned(data: dict) -> bytes:
    """The article's texts in an imagined new page layout that has no date anywhere and none of
    the documented selectors (as a redesign would leave the extractor's selectors behind)."""
    paragraphs = "".join(f"<p>{p}</p>" for p in data["body"])
    return (f'<!-- Synthetic page of an imagined redesign, made by the test from fixture texts. -->'
            f'<!doctype html><html><head><meta charset="utf-8"><title>{data["title"]}</title></head><body>'
            f'<header><nav><a href="/">Kazinform</a></nav></header><main><section class="story-v3">'
            f'<h2 class="story-v3__heading">{data["title"]}</h2><div class="story-v3__content">{paragraphs}</div>'
            f'</section></main><footer>Kazinform</footer></body></html>').encode()


def crawl_site(tmp_path: Path, name: str, pages: list[SitePage], hook: str):
    warc = write_site_warc(tmp_path / f"{name}.warc.gz", pages)
    return run_crawl("kazinform", tmp_path / name, archive=tmp_path / f"{name}-archive", replay=warc,
                     args={"url": ",".join(p.url for p in pages)},
                     settings={"REPORTS_DIR": tmp_path / "reports", "HEALTH_WEBHOOK_URL": hook,
                               "HEALTH_MIN_ITEMS": len(pages)}, timeout=120)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory) -> Iterator[dict]:
    tmp_path = tmp_path_factory.mktemp("health-crawls")
    utf8 = [(d, p) for d, p in fixture_pages() if not d.get("encoding")]
    with webhook_server() as (url, received):
        healthy = crawl_site(tmp_path, "healthy", [SitePage(d["url"], p.read_bytes()) for d, p in utf8], url)
        posted_before = len(received)
        changed = crawl_site(tmp_path, "redesign", [SitePage(d["url"], redesigned(d)) for d, _ in utf8], url)
        yield {"healthy": healthy, "changed": changed, "posted_before": posted_before, "posted": list(received)}


def test_crawl_of_the_usual_pages_is_healthy(crawls):
    run = crawls["healthy"]
    assert run.returncode == 0, run.log[-3000:]
    assert run.report["health"]["status"] == "passed", run.report["health"]
    assert run.stat("newscrawl/archived") == len(run.items) > 0
    assert crawls["posted_before"] == 0


def test_layout_change_shows_as_failing_field_coverage_with_an_alert(crawls):
    run = crawls["changed"]
    assert run.returncode == 0, run.log[-3000:]
    health = run.report["health"]
    assert health["status"] == "failed"
    coverage = next(c for c in health["checks"] if c["name"] == "field_coverage")
    # pages in the unknown layout state no date where the spider looks: only some are dated, by the
    # page-level rules (htmldate) that come last
    assert coverage["status"] == "failed" and coverage["value"]["published"] < 0.9
    assert "HEALTH ALERT: kazinform" in run.log
    assert len(crawls["posted"]) == 1
    assert "field_coverage" in crawls["posted"][0]["json"]["failed"]
