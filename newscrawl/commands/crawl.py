"""``scrapy crawl``, checked: bad spider arguments or newscrawl settings end it before it starts
(one line, exit status 2), and a crawl that fetched nothing at all ends with exit status 1."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.spiderloader import get_spider_loader

from newscrawl.commands import preflight
from newscrawl.stats import stat

#: the exit status of a crawl whose arguments or settings cannot be used (as for a usage error)
USAGE_ERROR = 2
#: the exit status of a crawl that ran but fetched no page
NOTHING_FETCHED = 1


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (f"{super().long_desc()}. newscrawl checks the spider's arguments (-a) and its own settings (-s)"
                f" first: a value it cannot use ends the command with status {USAGE_ERROR}; a crawl that fetched"
                f" no page at all ends with status {NOTHING_FETCHED}.")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Scrapy's options, then the checks: before the crawler process starts (and logs), so that a
        wrong argument or setting prints its one line and nothing else."""
        super().process_options(args, opts)
        if len(args) != 1 or self.settings is None:  # Scrapy's usage errors, said by Scrapy
            return
        problem = preflight(get_spider_loader(self.settings), args[0], opts.spargs, self.settings)
        if problem:
            sys.stderr.write(f"scrapy crawl {args[0]}: {problem}\n")
            raise SystemExit(USAGE_ERROR)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        if len(args) != 1:  # Scrapy's usage errors
            super().run(args, opts)
            return
        crawler = self._create_crawler(args[0])  # as Scrapy's crawl does, keeping the crawler for its stats
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and fetched_nothing(crawler.stats.get_stats()):
            self.exitcode = NOTHING_FETCHED


def fetched_nothing(stats: dict) -> bool:
    """Whether a crawl that ran received no response at all (not even an error page)."""
    return stats.get("finish_reason") is not None and not stat(stats, "response_received_count")
