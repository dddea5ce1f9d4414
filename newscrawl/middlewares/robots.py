"""Scrapy's robots.txt middleware, with a robots.txt that cannot be fetched said in one line: Scrapy
logs each such failure as an error with its traceback (58 lines per host when nothing is reachable),
though the crawl just goes on without the rules; here the first is one warning, the others INFO."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.robotstxt import logger as robots_logger

from newscrawl.middlewares.outcomes import why
from newscrawl.urls import host_of


class OneLineRobotsErrors(logging.Filter):
    """Rewrites the robots.txt middleware's "Error downloading" records as one line without traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.told = False

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, dict) else None
        if record.levelno < logging.ERROR or not args or "f_exception" not in args:
            return True
        request, exc = args.get("request"), args["f_exception"]
        host = host_of(getattr(request, "url", "")) or "?"
        record.msg = "robots.txt of %s not fetched (%s): crawling there without its rules"
        record.args = (host, why(exc))
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = (logging.INFO, "INFO") if self.told else (logging.WARNING, "WARNING")
        self.told = True
        return True


class RobotsTxt(RobotsTxtMiddleware):
    """``ROBOTSTXT_OBEY`` as Scrapy's middleware does it; failures to fetch robots.txt in one line each."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.log_filter = OneLineRobotsErrors()
        robots_logger.addFilter(self.log_filter)
        crawler.signals.connect(self.remove_filter, signal=signals.spider_closed)

    def remove_filter(self) -> None:
        robots_logger.removeFilter(self.log_filter)
