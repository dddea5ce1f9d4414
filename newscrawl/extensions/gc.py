"""Garbage-collector settings for the crawl's own process."""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class GarbageCollectorTuning:
    """Sets the collector's thresholds to ``GC_THRESHOLDS`` for the crawl and, once the engine has
    started, freezes the objects made so far (modules, settings, components) so that no collection
    looks at them again; both are undone when the crawl closes.

    Python's defaults (700, 10, 10) suit small programs: in a crawl, pages, items and requests live
    long enough to be promoted and a full collection then scans every request waiting in the
    scheduler. At 16,000 articles that was 59 full collections and about a tenth of the crawl's time
    (benchmarks/bench_throughput.py); with (50000, 20, 20) a handful of young collections remain.
    Cyclic garbage is still collected, in larger, rarer batches. ``GC_THRESHOLDS = None`` leaves the
    collector alone."""

    def __init__(self, thresholds: tuple[int, int, int]):
        self.thresholds = thresholds
        self.previous: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GarbageCollectorTuning:
        value = crawler.settings.getlist("GC_THRESHOLDS")
        if not value:
            raise NotConfigured
        if len(value) != 3:
            raise ValueError(f"GC_THRESHOLDS takes three numbers (young, middle, old), not {value!r}")
        extension = cls(tuple(int(v) for v in value))  # type: ignore[arg-type]
        extension.apply()
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def apply(self) -> None:
        """Set the crawl's thresholds, remembering the process's own."""
        self.previous = gc.get_threshold()
        gc.set_threshold(*self.thresholds)

    def engine_started(self) -> None:
        gc.freeze()

    def engine_stopped(self) -> None:
        gc.unfreeze()
        if self.previous is not None:
            gc.set_threshold(*self.previous)
