"""Running extraction off the reactor thread: inline, or in a pool of worker processes."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.extraction import parse_page

logger = logging.getLogger(__name__)


class Extractor:
    """Parses article pages, in ``EXTRACTION_PROCESSES`` worker processes (0: in the crawl's own
    thread). One per crawl, shared by its spider; shut down when the spider closes."""

    def __init__(self, processes: int = 0, timeout: float = 60.0):
        self.processes = processes
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Extractor:
        existing = getattr(crawler, "_newscrawl_extractor", None)
        if existing is not None:
            return existing
        processes = crawler.settings.getint("EXTRACTION_PROCESSES", 0)
        if processes < 0:
            processes = os.cpu_count() or 1
        extractor = cls(processes, crawler.settings.getfloat("EXTRACTION_TIMEOUT", 60.0))
        crawler.signals.connect(extractor.close, signal=signals.spider_closed)
        crawler._newscrawl_extractor = extractor  # type: ignore[attr-defined]
        return extractor

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    async def parse(self, html: str, url: str, outlet: str | None) -> dict[str, Any] | None:
        """The fields of a page (see ``parse_page``); None when extraction failed or timed out."""
        try:
            if not self.processes:
                return parse_page(html, url, outlet)
            future = self._get_pool().submit(parse_page, html, url, outlet)
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.TimeoutError:
            logger.warning("extraction timed out after %.0f s: %s", self.timeout, url)
        except Exception:  # a bad page must never stop the crawl
            logger.exception("extraction failed: %s", url)
        return None

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
