"""The archiver of distributed crawls (``newscrawl archive consume``): takes the articles the nodes
put in the Redis stream, drops duplicates and reprints, writes the records and publishes what the
archive holds for the nodes.

Entries are taken through a consumer group (``XREADGROUP``): an entry taken stays pending in the
group until it is acknowledged (``XACK``, then ``XDEL`` to keep the stream small), and an archiver
that restarts takes its pending entries again first. A batch is acknowledged only after the index
commits that hold its records, then its refused duplicates, its state changes and the id of its last
entry (index meta ``distributed/<stream>``); an entry taken again at or below that id was archived
before a crash and is acknowledged without a second record. An article whose record was committed
(or written to the folder and indexed by the archive's reconciliation at start) but whose offset was
not is recognised by URL and fetch time. Each article is archived exactly once.

Records are written through :class:`~newscrawl.archiving.Archiver`: its check (the same URL keys or
body fingerprints as a record, or a reprint of one) runs under the folder's lock against the committed
index and the articles of the batch before it, so that the archiver and any crawl on the archive's
machine never archive one story twice; each refusal (``DuplicateRecord``) is counted and remembered
in the index. Entries that cannot be archived (unreadable, unrenderable) go to
the stream ``newscrawl:items:failed`` with the reason. One archiver runs per stream (a lock in Redis).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from redis import Redis
from redis.exceptions import ResponseError
from scrapy.settings import Settings

from newscrawl import settings
from newscrawl.archive import DuplicateRecord
from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archiving import Archiver
from newscrawl.dedupe.neardup import index_missing_signatures
from newscrawl.distributed.connection import ARCHIVER_LOCK_KEY, FAILED_ITEMS_KEY, connect
from newscrawl.distributed.messages import MessageError, StateChange, read_message
from newscrawl.distributed.published import PublishedIndex
from newscrawl.items import Article
from newscrawl.outlets import article_keys

logger = logging.getLogger(__name__)

#: the consumer group and its one consumer: a restarted archiver is the same consumer
GROUP = "archiver"
CONSUMER = "archiver"
#: seconds a read waits for new entries (and between checks of a stop request)
READ_BLOCK = 1.0
#: seconds the archiver's lock outlives its last refresh
LOCK_TTL = 60


class ArchiverBusy(RuntimeError):
    """Another archiver consumes the stream."""


@dataclass
class ConsumeReport:
    """What an archiver did."""

    taken: int = 0
    archived: int = 0
    #: refused duplicates by kind (url, body, reprint)
    duplicates: dict[str, int] = field(default_factory=dict)
    #: entries taken again after a crash whose records were already written
    already_archived: int = 0
    states: int = 0
    failed: int = 0
    batches: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def stream_id(entry_id: str) -> tuple[int, int]:
    """A stream entry id (``ms-seq``) as a comparable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class ArchiverLock:
    """One archiver per stream: a Redis key holding ``host:pid`` of the archiver, refreshed while it
    runs. A lock left by a killed archiver of this machine is taken over at once, one of another
    machine once it expires."""

    def __init__(self, server: Redis, stream: str, ttl: int = LOCK_TTL):
        self.server = server
        self.key = f"{ARCHIVER_LOCK_KEY}:{stream}"
        self.ttl = ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    def acquire(self) -> None:
        if self.server.set(self.key, self.holder, nx=True, ex=self.ttl):
            return
        other = self.server.get(self.key)
        if other is not None and not self._dead_here(other):
            raise ArchiverBusy(f"another archiver ({other}) consumes this stream")
        self.server.set(self.key, self.holder, ex=self.ttl)

    def refresh(self) -> None:
        self.server.set(self.key, self.holder, ex=self.ttl)

    def release(self) -> None:
        if self.server.get(self.key) == self.holder:
            self.server.delete(self.key)

    @staticmethod
    def _dead_here(holder: str) -> bool:
        host, _, pid = holder.rpartition(":")
        if host != socket.gethostname() or not pid.isdigit():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


class StreamArchiver:
    """Consumes the stream of articles into one archive, writing through
    :class:`~newscrawl.archiving.Archiver` (its duplicate and reprint check runs under the folder's
    lock, against the committed index and the records of the batch before each article)."""

    def __init__(self, server: Redis, archiver: Archiver, *, stream: str = settings.REDIS_ITEMS_KEY,
                 batch_max: int = settings.REDIS_ARCHIVER_BATCH, block: float = READ_BLOCK):
        self.server = server
        self.archiver = archiver
        self.stream = stream
        self.batch_max = max(1, batch_max)
        self.block = block
        self.published = PublishedIndex(server, stream)
        self.lock = ArchiverLock(server, stream)
        self.report = ConsumeReport()
        self.offset_key = f"distributed/{stream}"
        self._pending = True  # entries taken before a restart come first

    @property
    def index(self) -> ArchiveIndex:
        return self.archiver.index

    # -- running
    def prepare(self) -> None:
        """Take the lock, create the consumer group, sign unsigned records and publish the index."""
        self.lock.acquire()
        try:
            self.server.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._check_offset()
        signed = index_missing_signatures(self.archiver.archive)
        if signed:
            logger.info("signed %d archived records for the reprint check", signed)
        keys = self.published.publish_index(self.index)
        logger.info("published %d URL keys of %d records", keys, self.index.count())

    def run(self, *, stop: Callable[[], bool] = lambda: False, idle_exit: float | None = None,
            max_items: int | None = None) -> ConsumeReport:
        """Archive batches until ``stop()`` is true, or the stream has been empty for ``idle_exit``
        seconds, or ``max_items`` entries were taken."""
        idle_since = time.monotonic()
        try:
            while not stop():
                room = self.batch_max if max_items is None else min(self.batch_max, max_items - self.report.taken)
                if room <= 0:
                    break
                entries = self.take(room)
                if entries:
                    self.archive_batch(entries)
                    idle_since = time.monotonic()
                elif idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                    break
                self.lock.refresh()
        finally:
            self.lock.release()
        return self.report

    def take(self, count: int) -> list[tuple[str, dict[str, str] | None]]:
        """The next entries: first those taken before and never acknowledged, then new ones."""
        if self._pending:
            reply = self.server.xreadgroup(GROUP, CONSUMER, {self.stream: "0"}, count=count)
            entries = reply[0][1] if reply else []
            if entries:
                return entries
            self._pending = False
        reply = self.server.xreadgroup(GROUP, CONSUMER, {self.stream: ">"}, count=count,
                                       block=max(1, int(self.block * 1000)))
        return reply[0][1] if reply else []

    # -- one batch
    def archive_batch(self, entries: list[tuple[str, dict[str, str] | None]]) -> None:
        """Read, write (checked under the folder's lock), commit, publish, then acknowledge a batch."""
        self.report.batches += 1
        self.report.taken += len(entries)
        committed = self._committed()
        articles: list[tuple[str, dict[str, str], Article]] = []
        states: list[StateChange] = []
        failed: list[tuple[str, dict[str, str], str]] = []
        for entry_id, fields in entries:
            if not fields:  # deleted from the stream: nothing left but to acknowledge it
                continue
            if committed is not None and stream_id(entry_id) <= committed:
                self.report.already_archived += 1
                continue
            try:
                message = read_message(fields)
            except MessageError as exc:
                failed.append((entry_id, fields, str(exc)))
                continue
            if isinstance(message, StateChange):
                states.append(message)
            elif self._written_before(message):
                self.report.already_archived += 1
            else:
                articles.append((entry_id, fields, message))
        results = self.archiver.add_many([article for _, _, article in articles]) if articles else []
        written: list[IndexEntry] = []
        refused: list[tuple[Article, DuplicateRecord]] = []
        for (entry_id, fields, article), result in zip(articles, results, strict=True):
            if isinstance(result, DuplicateRecord):
                refused.append((article, result))
            elif isinstance(result, Exception):
                failed.append((entry_id, fields, f"cannot be archived: {result}"))
            else:
                written.append(result)
        self._set_aside(failed)  # before the commit: never lost, at worst set aside twice
        with self.index.transaction():  # what was refused, the spiders' state and the offset in one commit
            for article, duplicate in refused:
                self.index.add_duplicate(article.url, article.outlet, duplicate.kind, duplicate.number,
                                         duplicate.similarity)
            for state in states:
                self.index.set_state(state.spider, state.key, state.value)
            self.index.set_meta(self.offset_key, entries[-1][0])
        self.published.publish_keys(self.index.url_keys(entry.number for entry in written))
        for state in states:
            self.published.publish_state(state.spider, state.key, state.value)
        self._acknowledge([entry_id for entry_id, _ in entries])
        for _, duplicate in refused:
            self.report.duplicates[duplicate.kind] = self.report.duplicates.get(duplicate.kind, 0) + 1
        self.report.archived += len(written)
        self.report.states += len(states)
        self.report.failed += len(failed)
        logger.info("batch %d: %d entries, archived %d, refused %d, set aside %d", self.report.batches, len(entries),
                    len(written), len(refused), len(failed))

    def _written_before(self, article: Article) -> bool:
        """Whether the archive holds this very article, written before a crash (its records committed,
        the stream's offset not): a record under its URL with its fetch time (or none, when the index
        learnt the record from its file at start)."""
        number = self.index.find_url(article_keys(article.url, article.canonical_url, article.aliases))
        entry = self.index.entry(number) if number is not None else None
        if entry is None or entry.legacy or entry.url != (article.canonical_url or article.url):
            return False
        fetched = article.fetched_at.isoformat() if article.fetched_at else None
        return entry.fetched_at is None or entry.fetched_at == fetched

    def _set_aside(self, failed: list[tuple[str, dict[str, str], str]]) -> None:
        for entry_id, fields, reason in failed:
            logger.error("not archived (%s): entry %s", reason, entry_id)
            self.server.xadd(FAILED_ITEMS_KEY, {**fields, "entry": entry_id, "error": reason})

    def _acknowledge(self, ids: list[str]) -> None:
        with self.server.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            pipe.execute()

    def _committed(self) -> tuple[int, int] | None:
        value = self.index.get_meta(self.offset_key)
        return stream_id(value) if value else None

    def _check_offset(self) -> None:
        """Forget the committed offset when the stream was created anew (Redis emptied): its ids
        start again from low values and would be taken for archived entries."""
        committed = self._committed()
        if committed is None:
            return
        last = self.server.xinfo_stream(self.stream).get("last-generated-id") or "0-0"
        if stream_id(last) < committed:
            logger.warning("the stream %s is newer than the archive's last entry %s: starting its count anew",
                           self.stream, committed)
            with self.index.transaction():
                self.index.set_meta(self.offset_key, "")


def open_archiver(archive_dir: str | None) -> Archiver:
    """The archiver of the archive the project's settings name (``ARCHIVE_DIR`` unless ``archive_dir``
    is given), reconciled with its folder (records a killed archiver wrote without indexing them are
    indexed)."""
    crawl_settings = Settings()
    crawl_settings.setmodule("newscrawl.settings", priority="project")
    if archive_dir:
        crawl_settings.set("ARCHIVE_DIR", archive_dir, priority="cmdline")
    archiver = Archiver.from_settings(crawl_settings)
    report = archiver.reconcile()
    if report.imported or report.removed or report.temp_files_removed:
        logger.info("archive %s: %d records; indexed %d, forgot %d, removed %d temp files", archiver.root,
                    report.records, len(report.imported), len(report.removed), report.temp_files_removed)
    return archiver


def consume(url: str, archive_dir: str | None = None, *, batch: int = settings.REDIS_ARCHIVER_BATCH,
            idle_exit: float | None = None, max_items: int | None = None,
            stream: str = settings.REDIS_ITEMS_KEY) -> ConsumeReport:
    """Run an archiver until SIGTERM or SIGINT (or ``idle_exit``/``max_items``), the current batch
    finished first. Raises RedisUnavailable and ArchiverBusy."""
    server = connect(url)
    archiver = open_archiver(archive_dir)
    stopping: list[int] = []

    def stop_after_batch(signum: int, frame: Any) -> None:
        logger.info("stopping after the current batch (signal %d)", signum)
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop_after_batch) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        consumer = StreamArchiver(server, archiver, stream=stream, batch_max=batch)
        consumer.prepare()
        logger.info("archiving the stream %s into %s", consumer.stream, archiver.root)
        return consumer.run(stop=lambda: bool(stopping), idle_exit=idle_exit, max_items=max_items)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        archiver.close()
