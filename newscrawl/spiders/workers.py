"""Running extraction off the reactor thread: in a pool of worker processes, or inline.

Extraction (lxml, trafilatura, JSON-LD) is CPU-bound and holds the GIL, so a crawl extracts in
worker processes (``EXTRACTION_PROCESSES``; ``-1``: one per core) while the reactor keeps
fetching. The pool is spawn-based (no fork of a running reactor) and bounds every page in time
twice: inside the worker an interval timer stops a page after ``EXTRACTION_TIMEOUT`` seconds
(trafilatura and lxml return to Python often, so this is the usual way a runaway page ends), and
a page whose worker has not answered ``EXTRACTION_KILL_GRACE`` seconds later (stuck in C code) has
its worker processes killed and replaced; the other pages they held are extracted again.
Either way the page counts as ``newscrawl/extraction/timeouts`` and the crawl goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from newscrawl.dedupe.signatures import text_keys
from newscrawl.extract.fields import PageFields, parse_page
from newscrawl.extract.language import detect_language
from newscrawl.outlets import get_outlet
from newscrawl.reading import Skip

logger = logging.getLogger(__name__)

#: seconds a worker gets beyond the page's time limit to give up by itself before it is killed
DEFAULT_KILL_GRACE = 5.0
#: pages submitted per worker at once: one running and a few waiting, so that no worker idles while the
#: crawl's busy thread gets round to handing it the next page (2 left the workers idle a fifth of the time)
QUEUED_PER_WORKER = 4
#: pages a worker extracts before it is replaced (bounds the memory a long crawl's workers hold)
DEFAULT_TASKS_PER_WORKER = 5000


#: seconds between further alarms once a page's time is up: the first one may be raised where it is
#: lost (inside a finalizer or a callback that C code calls and whose errors it ignores)
ALARM_REPEAT = 0.25


class ExtractionTimeout(BaseException):
    """A page took longer to extract than its time limit (a BaseException, so that no library's
    ``except Exception`` swallows it)."""


_time_is_up = False


def _on_alarm(signum: int, frame: Any) -> None:
    global _time_is_up
    _time_is_up = True
    raise ExtractionTimeout


def extract_in_worker(html: str, url: str, outlet: str | None, timeout: float,
                      language_hint: str | None = None) -> PageFields | Skip:
    """``parse_page`` in a worker process (``outlet``: the name of the page's outlet, None for a site
    without an outlet module), stopped by an interval timer after ``timeout`` seconds
    (``Skip("extraction_failed")`` then). The fields also carry what the reader would otherwise work
    out in the crawl's own process, so that it costs the crawl nothing: ``language``, detected from
    title and body (``language_hint``: the edition's language), and ``text_keys``, the fingerprints
    and signature of title and body for the duplicate and reprint checks."""
    global _time_is_up
    _time_is_up = False
    try:
        fields = _fields_before_the_alarm(html, url, outlet, timeout, language_hint)
    except ExtractionTimeout:  # in the page's code, or an alarm that struck on the way out: the timer is off
        return TIMED_OUT
    if _time_is_up:  # out of time, even if some code swallowed the alarm
        return TIMED_OUT
    return fields if fields is not None else Skip("unparsable_page")


def _fields_before_the_alarm(html: str, url: str, outlet: str | None, timeout: float,
                             language_hint: str | None) -> PageFields | None:
    """The page's fields, with the timer armed only while they are worked out (disarmed however this ends)."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout, ALARM_REPEAT)
    try:
        fields = parse_page(html, url, get_outlet(outlet))
        if fields is not None:
            fields.language = detect_language(f"{fields.title or ''}\n{fields.body or ''}", prior=language_hint)
            fields.text_keys = text_keys(fields.title, fields.body)
        return fields
    finally:
        _disarm(previous)


#: what a page that ran out of time (or whose extraction failed) gives
TIMED_OUT = Skip("extraction_failed")


def _disarm(previous: Any) -> None:
    """Stop the timer and put the previous handler back; an alarm that strikes meanwhile is dropped."""
    while True:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            break
        except ExtractionTimeout:
            continue
    signal.signal(signal.SIGALRM, previous)


def default_processes() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # platforms without affinity
        return os.cpu_count() or 1


def resolve_processes(setting: int) -> int:
    """The number of workers an ``EXTRACTION_PROCESSES`` value means (``-1``: one per core)."""
    return default_processes() if setting < 0 else setting


class Extractor:
    """Parses article pages in ``processes`` worker processes (0: in the calling thread, without a
    time limit: for debugging and small tests). One per crawl, shared by its spider; shut down when
    the spider closes. ``counts`` holds what went wrong (also counted in the crawl's stats)."""

    def __init__(self, processes: int = 0, timeout: float = 60.0, *, kill_grace: float = DEFAULT_KILL_GRACE,
                 tasks_per_worker: int | None = DEFAULT_TASKS_PER_WORKER, crawler: Any = None,
                 task: Callable[..., PageFields | Skip] = extract_in_worker):
        self.processes = processes
        self.timeout = timeout
        self.kill_grace = kill_grace
        self.tasks_per_worker = tasks_per_worker
        self.crawler = crawler
        #: what a worker runs for a page (a module-level function, for spawned workers to import)
        self.task = task
        self.counts: dict[str, int] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> Extractor:
        """The crawl's extractor, an extension (``EXTRACTION_PROCESSES``, ``EXTRACTION_TIMEOUT``,
        ``EXTRACTION_KILL_GRACE``, ``EXTRACTION_TASKS_PER_WORKER``); its workers stop with the crawl."""
        from scrapy import signals

        settings = crawler.settings
        extractor = cls(resolve_processes(settings.getint("EXTRACTION_PROCESSES")),
                        settings.getfloat("EXTRACTION_TIMEOUT"),
                        kill_grace=settings.getfloat("EXTRACTION_KILL_GRACE"),
                        tasks_per_worker=settings.getint("EXTRACTION_TASKS_PER_WORKER") or None,
                        crawler=crawler)
        crawler.signals.connect(extractor.close, signal=signals.spider_closed)
        return extractor

    @classmethod
    def of(cls, crawler: Any) -> Extractor:
        """The crawl's instance of this extension."""
        extractor = crawler.get_extension(cls)
        if extractor is None:
            raise RuntimeError("the Extractor extension is not enabled (EXTENSIONS)")
        return extractor

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
        if self.crawler is not None:  # the crawl's stats exist once it runs
            self.crawler.stats.inc_value(f"newscrawl/extraction/{what}")

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                             max_tasks_per_child=self.tasks_per_worker)
        return self._pool

    async def parse(self, html: str, url: str, outlet: str | None,
                    language_hint: str | None = None) -> PageFields | Skip:
        """The fields of a page (see ``parse_page``; in a pool, with ``language`` and ``text_keys``
        too), or why there are none (``extraction_failed``: it failed or ran out of time)."""
        if not self.processes:
            try:
                fields = parse_page(html, url, get_outlet(outlet))
            except Exception:  # a bad page must never stop the crawl
                self._count("errors")
                logger.exception("extraction failed: %s", url)
                return TIMED_OUT
            return fields if fields is not None else Skip("unparsable_page")
        if self._slots is None:
            self._slots = asyncio.Semaphore(QUEUED_PER_WORKER * self.processes)
        async with self._slots:  # at most one page waits per busy worker: the clock is (nearly) its own
            for _attempt in range(2):
                pool = self._get_pool()
                started = time.monotonic()
                try:
                    future = pool.submit(self.task, html, url, outlet, self.timeout, language_hint)
                    fields = await asyncio.wait_for(asyncio.wrap_future(future), self.timeout + self.kill_grace)
                except asyncio.TimeoutError:
                    self._count("timeouts")
                    self._count("workers_killed")
                    logger.warning("extraction of %s did not stop after %.0f s: its worker is killed", url,
                                   time.monotonic() - started)
                    self._discard(pool)
                    return TIMED_OUT
                except BrokenProcessPool:
                    # a worker died (killed for another page, or crashed on this one): once more on a new pool
                    self._discard(pool)
                    continue
                except Exception:
                    self._count("errors")
                    logger.exception("extraction failed: %s", url)
                    return TIMED_OUT
                if fields == TIMED_OUT:
                    self._count("timeouts")
                    logger.warning("extraction of %s stopped after its time limit of %.0f s", url, self.timeout)
                return fields
            self._count("errors")
            logger.error("extraction failed twice with its worker dying: %s", url)
            return TIMED_OUT

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Kill the workers of a pool (a runaway page holds one) and start afresh on next use."""
        if self._pool is pool:
            self._pool = None
        # the executor has no public way to stop a busy worker before Python 3.14
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes (those still busy after a few seconds are killed)."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + DEFAULT_KILL_GRACE
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
