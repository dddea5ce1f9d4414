"""Write each article as a record into the archive folder and index it.

The duplicate checks before this pipeline read the index as it was; the archive repeats them under
its lock when it writes (another crawl may have archived the same story meanwhile), and an article
it refuses then is dropped and counted like any duplicate. A write the disk, the file system or the
permissions refuse stops the crawl (close reason ``archive_write_failed: <why>``): the article
counts like one that could not be fetched, so the next crawl fetches it again.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Awaitable
from concurrent.futures import Future
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from newscrawl import settings
from newscrawl.archive import DuplicateRecord
from newscrawl.archive.index import IndexEntry
from newscrawl.archiving import Archiver
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.items import Article
from newscrawl.pipelines.dedupe import DuplicateArticle, count_duplicate
from newscrawl.stats import RECORD_WRITE_ERRORS, count_write_failure

logger = logging.getLogger(__name__)

#: errors of a write the disk, the file system or the permissions refused (the index's included)
WRITE_ERRORS = (OSError, sqlite3.OperationalError)
#: the close reason of a crawl stopped by a failed write, followed by why
WRITE_FAILED = "archive_write_failed"


class ArticleNotArchived(DropItem):
    """An article whose record could not be written."""

    def __init__(self, message: str):
        super().__init__(message, log_level="ERROR")



class BatchWriter:
    """A thread that writes articles into an archive in batches (group commit): it takes the first
    article that arrives, waits up to ``wait`` seconds for more (at most ``batch_max``), and writes
    them with :meth:`Archiver.add_many`. Each article's future gets its index entry or its error.

    One thread keeps the numbering in arrival order; the archive is opened in it (its own
    connection to the index) and closed when the writer is closed, after the last batch."""

    _STOP = object()

    def __init__(self, open_archive, *, batch_max: int = settings.ARCHIVE_BATCH_MAX,
                 wait: float = settings.ARCHIVE_BATCH_WAIT):
        self.batch_max = max(1, batch_max)
        self.wait = max(0.0, wait)
        self.batches = 0
        self._open_archive = open_archive
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="newscrawl-archive", daemon=True)
        self._thread.start()
        self._opened.result()  # an archive that cannot be opened fails the crawl's start, not its items

    def submit(self, article: Article) -> Future[IndexEntry]:
        """Queue an article; the future resolves once it is written and indexed."""
        future: Future[IndexEntry] = Future()
        self._queue.put((article, future))
        return future

    def close(self) -> None:
        """Write what is queued, then stop the thread and close its archive."""
        self._queue.put(self._STOP)
        self._thread.join()

    def _run(self) -> None:
        try:
            archive = self._open_archive()
        except BaseException as exc:
            self._opened.set_exception(exc)
            return
        self._opened.set_result(None)
        try:
            stopping = False
            while not stopping:
                batch, stopping = self._next_batch()
                if batch:
                    self._write(archive, batch)
        finally:
            archive.close()

    def _next_batch(self) -> tuple[list[tuple[Article, Future[IndexEntry]]], bool]:
        """The articles to write together, and whether the writer was told to stop."""
        first = self._queue.get()
        if first is self._STOP:
            return [], True
        batch = [first]
        deadline = time.monotonic() + self.wait
        while len(batch) < self.batch_max:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is self._STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, archive: Archiver, batch: list[tuple[Article, Future[IndexEntry]]]) -> None:
        self.batches += 1
        try:
            results = archive.add_many([article for article, _ in batch])
        except BaseException as exc:  # the folder or the index failed: every article of the batch fails
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)


class ArchivePipeline:
    """Archives every article that reaches it, in the layout ``ARCHIVE_LAYOUT`` selects.

    With ``ARCHIVE_WRITER_THREAD`` (the project's setting) records are written and indexed by a
    :class:`BatchWriter`, a thread of their own with a connection to the index of its own, so that
    file writes, fsyncs and index commits never hold the reactor; articles that arrive within
    ``ARCHIVE_BATCH_WAIT`` seconds of each other (at most ``ARCHIVE_BATCH_MAX``) share one lock, one
    folder flush and one index commit. Without it they are written one by one in the calling thread
    and ``process_item`` returns the item.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archiver: Archiver | None = None
        self.in_thread = crawler.settings.getbool("ARCHIVE_WRITER_THREAD")
        self.batch_max = crawler.settings.getint("ARCHIVE_BATCH_MAX")
        self.batch_wait = crawler.settings.getfloat("ARCHIVE_BATCH_WAIT")
        self._writer: BatchWriter | None = None
        #: whether a failed write has stopped the crawl already
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        crawl_archive = CrawlArchive.of(self.crawler)
        self.archiver = crawl_archive.archiver
        if self.in_thread:
            self._writer = BatchWriter(crawl_archive.open_archiver, batch_max=self.batch_max, wait=self.batch_wait)

    def close_spider(self, spider=None) -> None:
        if self._writer is not None:
            self._writer.close()
            self.stats.set_value("newscrawl/archive/batches", self._writer.batches)
        if self.archiver is not None:
            self.stats.set_value("newscrawl/archive/records_at_end", self.archiver.index.count())

    def process_item(self, item, spider=None) -> Any | Awaitable[Any]:
        assert self.archiver is not None
        if self._writer is not None:
            return self._add_in_thread(item)
        try:
            entry = self.archiver.add(item)
        except DuplicateRecord as found:
            raise self._duplicate(item, found) from None
        except WRITE_ERRORS as error:
            raise self._not_written(item, error) from error
        return self._archived(item, entry)

    async def _add_in_thread(self, item):
        assert self._writer is not None
        try:
            entry = await asyncio.wrap_future(self._writer.submit(item))
        except DuplicateRecord as found:
            raise self._duplicate(item, found) from None
        except WRITE_ERRORS as error:
            raise self._not_written(item, error) from error
        return self._archived(item, entry)

    def _duplicate(self, item, found: DuplicateRecord) -> DuplicateArticle:
        """An article another writer archived after the checks before this pipeline: a duplicate of
        that record, counted and remembered like the ones those checks find."""
        assert self.archiver is not None
        count_duplicate(self.stats, self.archiver.index, item.url, item.outlet, found.kind, found.number,
                        found.similarity)
        return DuplicateArticle(f"duplicate ({found.kind}) of record {found.number}, archived meanwhile: {item.url}")

    def _not_written(self, item, error: BaseException) -> ArticleNotArchived:
        """A record the archive could not write: counted, the article held like one that could not be
        fetched, and the crawl stopped with the reason (the first failure closes it)."""
        why = count_write_failure(self.stats, RECORD_WRITE_ERRORS, error)
        spider = self.crawler.spider
        if hasattr(spider, "article_not_archived"):
            spider.article_not_archived(item)
        if not self._stopping:
            self._stopping = True
            logger.error("cannot write to the archive (%s): stopping the crawl; the articles not written are "
                         "fetched again by the next crawl", why)
            stop_crawl(self.crawler, f"{WRITE_FAILED}: {why}")
        return ArticleNotArchived(f"not archived ({why}): {item.url}")

    def _archived(self, item, entry: IndexEntry):
        item.record = entry.name
        self.stats.inc_value("newscrawl/archived")
        self.stats.inc_value(f"newscrawl/archived/{entry.outlet}")
        assert self.archiver is not None
        if entry.layout != self.archiver.layout:
            self.stats.inc_value("newscrawl/archived/layout_fallback")
        logger.debug("archived %s as %s", item.url, entry.name)
        return item


def stop_crawl(crawler: Crawler, reason: str) -> None:
    """Close the crawl with ``reason`` (once the items on their way are through)."""
    engine = crawler.engine
    assert engine is not None
    close = getattr(engine, "close_spider_async", None)
    if close is not None:  # Scrapy 2.14 and later
        closing = deferred_from_coro(close(reason=reason))
        closing.addErrback(lambda failure: logger.error("cannot stop the crawl: %s", failure.getErrorMessage()))
    else:
        engine.close_spider(crawler.spider, reason)
