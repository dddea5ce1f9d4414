"""Spidermon monitor suite run when a crawl closes: newscrawl's health checks (``newscrawl.health``)
as monitors, and the actions taken on their results.

Enabled in the project settings (``SPIDERMON_SPIDER_CLOSE_MONITORS``). After the checks:

- always: the results go into the crawl's report as its ``health`` section (and the stats get
  ``newscrawl/health/status``, ``newscrawl/health/failed`` and ``newscrawl/health/failed/<check>``);
- when a check failed: an alert is logged (ERROR, ``HEALTH ALERT: …``); a JSON message is POSTed
  to ``HEALTH_WEBHOOK_URL`` and an e-mail goes to ``HEALTH_EMAIL_TO`` (through Scrapy's ``MAIL_*``
  settings) when those are set. What each alert did is added to the report's ``health`` section.
"""

from __future__ import annotations

import logging
import smtplib
import warnings
import weakref
from email.message import EmailMessage
from typing import Any

import requests
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action
from spidermon.exceptions import SkipAction

from newscrawl.extensions.report import CrawlReport, job_id
from newscrawl.ops.health import SKIPPED, HealthCheck, evaluate, overall, policy_from_settings, summary
from newscrawl.ops.reports import baseline_key, crawl_kind

logger = logging.getLogger(__name__)
# Spidermon's log lines go through Spider.log(), which Scrapy deprecates: one warning per crawl, not ours to fix
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning)

#: each crawl's health checks, computed once and shared by the monitors and actions of its suite
_HEALTH: weakref.WeakKeyDictionary[Crawler, dict[str, Any]] = weakref.WeakKeyDictionary()


def crawl_arguments(spider: Spider) -> dict[str, Any]:
    """The arguments that tell the kind of crawl (``urls``, ``since``, a ``check``) and its ``editions``."""
    arguments = {name: getattr(spider, name, None) for name in ("urls", "since", "editions")}
    crawler = getattr(spider, "crawler", None)
    arguments["check"] = bool(crawler and crawler.settings.getbool("CHECK"))
    return arguments


def crawl_health(crawler: Crawler, spider: Spider, stats: dict[str, Any] | None = None) -> dict[str, Any]:
    """The crawl's health checks, computed once per crawl: ``{"status", "checks": [HealthCheck], …}``."""
    health = _HEALTH.get(crawler)
    if health is None:
        arguments = crawl_arguments(spider)
        kind = crawl_kind(arguments)
        policy = policy_from_settings(crawler.settings, spider.name, baseline_key(arguments))
        stats = stats if stats is not None else crawler.stats.get_stats()
        checks = evaluate(stats, policy)
        health = {"status": overall(checks, stats.get("finish_reason")), "kind": kind, "checks": checks,
                  "alerts": {}}
        _HEALTH[crawler] = health
    return health


def health_section(health: dict[str, Any]) -> dict[str, Any]:
    """The health results as they go into the crawl report."""
    return {"status": health["status"], "kind": health["kind"],
            "failed": [c.name for c in health["checks"] if c.failed],
            "checks": [c.to_json() for c in health["checks"]], "alerts": health["alerts"]}


@monitors.name("newscrawl health")
class CrawlHealthMonitor(Monitor):
    """The health checks of ``newscrawl.health``, one test per check."""

    def _check(self, name: str) -> None:
        health = crawl_health(self.data.crawler, self.data.spider, dict(self.data.stats))
        check: HealthCheck = next(c for c in health["checks"] if c.name == name)
        if check.status == SKIPPED:
            self.skipTest(check.message)
        self.assertFalse(check.failed, msg=check.message)

    @monitors.name("finish_reason")
    def test_finish_reason(self) -> None:
        """The crawl ended by itself."""
        self._check("finish_reason")

    @monitors.name("item_count")
    def test_item_count(self) -> None:
        """At least the outlet's usual minimum of articles."""
        self._check("item_count")

    @monitors.name("field_coverage")
    def test_field_coverage(self) -> None:
        """Title, body, date and language are found in (nearly) every article."""
        self._check("field_coverage")

    @monitors.name("extraction_rate")
    def test_extraction_rate(self) -> None:
        """Article pages give articles."""
        self._check("extraction_rate")

    @monitors.name("error_rate")
    def test_error_rate(self) -> None:
        """Few failed fetches and exceptions."""
        self._check("error_rate")

    @monitors.name("retry_rate")
    def test_retry_rate(self) -> None:
        """Few retries."""
        self._check("retry_rate")

    @monitors.name("duplicate_rate")
    def test_duplicate_rate(self) -> None:
        """Few duplicates."""
        self._check("duplicate_rate")

    @monitors.name("archive_writes")
    def test_archive_writes(self) -> None:
        """Every record and raw-archive response was written."""
        self._check("archive_writes")

    @monitors.name("outlet_check")
    def test_outlet_check(self) -> None:
        """A check crawl found the outlet working."""
        self._check("outlet_check")


class _HealthAction(Action):
    """An action on the crawl's health results."""

    def __init__(self, crawler: Crawler | None = None):
        super().__init__()
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _HealthAction:
        return cls(crawler)

    @property
    def health(self) -> dict[str, Any]:
        return crawl_health(self.data.crawler, self.data.spider, dict(self.data.stats))

    @property
    def headline(self) -> str:
        spider = self.data.spider
        return summary(spider.name, job_id(self.data.crawler, spider), self.health["checks"])

    def payload(self) -> dict[str, Any]:
        """The alert as JSON: a one-line ``text`` (what chat webhooks show) and the details."""
        spider = self.data.spider
        return {"text": f"newscrawl health alert: {self.headline}", "spider": spider.name,
                "job": job_id(self.data.crawler, spider), **health_section(self.health)}


class RecordHealth(_HealthAction):
    """Put the results into the crawl report and the stats."""

    def run_action(self) -> None:
        crawler, health = self.data.crawler, self.health
        stats = crawler.stats
        stats.set_value("newscrawl/health/status", health["status"])
        failed = [c.name for c in health["checks"] if c.failed]
        stats.set_value("newscrawl/health/failed", len(failed))
        for name in failed:
            stats.set_value(f"newscrawl/health/failed/{name}", 1)
        report = crawler.get_extension(CrawlReport)
        if report is not None:
            report.add_section("health", health_section(health))
        if not failed:
            logger.info("health: %s", self.headline)


class LogHealthAlert(_HealthAction):
    """Log the failed checks as an alert."""

    def run_action(self) -> None:
        logger.error("HEALTH ALERT: %s", self.headline)
        self._note("log", "logged")

    def _note(self, channel: str, outcome: str) -> None:
        self.health["alerts"][channel] = outcome
        report = self.data.crawler.get_extension(CrawlReport)
        if report is not None:
            report.add_section("health", health_section(self.health))


class WebhookHealthAlert(LogHealthAlert):
    """POST the alert as JSON to ``HEALTH_WEBHOOK_URL``."""

    def run_action(self) -> None:
        url = self.data.crawler.settings.get("HEALTH_WEBHOOK_URL")
        if not url:
            raise SkipAction("HEALTH_WEBHOOK_URL is not set")
        timeout = self.data.crawler.settings.getfloat("HEALTH_ALERT_TIMEOUT")
        try:
            response = requests.post(url, json=self.payload(), timeout=timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            logger.error("health alert webhook %s failed: %s", url, exc)
            self._note("webhook", f"failed: {exc}")
            raise
        logger.info("health alert sent to webhook %s", url)
        self._note("webhook", f"sent (HTTP {response.status_code})")


class EmailHealthAlert(LogHealthAlert):
    """Mail the alert to ``HEALTH_EMAIL_TO`` through Scrapy's ``MAIL_HOST``, ``MAIL_PORT``,
    ``MAIL_FROM``, ``MAIL_USER``, ``MAIL_PASS``, ``MAIL_TLS`` and ``MAIL_SSL`` settings."""

    def message(self) -> EmailMessage:
        settings = self.data.crawler.settings
        failed = [c for c in self.health["checks"] if c.failed]
        message = EmailMessage()
        message["Subject"] = (f"[newscrawl] {self.data.spider.name}: health check failed: "
                              + ", ".join(c.name for c in failed))
        message["From"] = settings.get("MAIL_FROM")
        message["To"] = ", ".join(settings.getlist("HEALTH_EMAIL_TO"))
        lines = [self.headline, ""] + [f"{c.status.upper():8} {c.name}: {c.message}" for c in self.health["checks"]]
        message.set_content("\n".join(lines) + "\n")
        return message

    def run_action(self) -> None:
        settings = self.data.crawler.settings
        recipients = settings.getlist("HEALTH_EMAIL_TO")
        if not recipients:
            raise SkipAction("HEALTH_EMAIL_TO is not set")
        host, port = settings.get("MAIL_HOST"), settings.getint("MAIL_PORT")
        timeout = settings.getfloat("HEALTH_ALERT_TIMEOUT")
        smtp_class = smtplib.SMTP_SSL if settings.getbool("MAIL_SSL") else smtplib.SMTP
        try:
            with smtp_class(host, port, timeout=timeout) as smtp:
                if settings.getbool("MAIL_TLS") and not settings.getbool("MAIL_SSL"):
                    smtp.starttls()
                if settings.get("MAIL_USER"):
                    smtp.login(settings.get("MAIL_USER"), settings.get("MAIL_PASS") or "")
                smtp.send_message(self.message())
        except (OSError, smtplib.SMTPException) as exc:
            logger.error("health alert e-mail to %s failed: %s", ", ".join(recipients), exc)
            self._note("email", f"failed: {exc}")
            raise
        logger.info("health alert mailed to %s", ", ".join(recipients))
        self._note("email", f"sent to {', '.join(recipients)}")


class SpidermonReportAtDebug(logging.Filter):
    """Spidermon's own report of its monitors and actions (some 30 lines, and a traceback per failed
    check) at DEBUG: the one health line (``health: …`` or ``HEALTH ALERT: …``) and the crawl report
    say the same. A monitor that raised (a bug, not a failed check) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("[Spidermon]") and "\nERROR: " not in message:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_spidermon_report(spider: Spider) -> None:
    """Put ``SpidermonReportAtDebug`` on the spider's logger, where Spidermon writes (once per logger)."""
    spider_logger = logging.getLogger(spider.name)
    if not any(isinstance(f, SpidermonReportAtDebug) for f in spider_logger.filters):
        spider_logger.addFilter(SpidermonReportAtDebug())


class HealthMonitorSuite(MonitorSuite):
    """newscrawl's checks of a closing crawl, and what happens with their results."""

    monitors = [CrawlHealthMonitor]  # noqa: RUF012 (Spidermon's declarative API)
    monitors_finished_actions = [RecordHealth]  # noqa: RUF012
    monitors_failed_actions = [LogHealthAlert, WebhookHealthAlert, EmailHealthAlert]  # noqa: RUF012

    def init_data(self, data: dict[str, Any]) -> None:
        if data.get("spider") is not None:
            quiet_spidermon_report(data["spider"])
        super().init_data(data)
