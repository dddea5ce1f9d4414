"""The archive: a folder of records in the user's format plus newscrawl's index beside them."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archive.records import Record, read_record, render_article, url_hash
from newscrawl.archive.store import STATE_DIR, ArchiveFolder
from newscrawl.fingerprints import body_fingerprints
from newscrawl.language import detect_language
from newscrawl.outlets import get_outlet, outlet_for_url
from newscrawl.signatures import article_fingerprints

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from newscrawl.items import Article
    from newscrawl.signatures import TextKeys

logger = logging.getLogger(__name__)

WRITABLE_LAYOUTS = ("markdown", "dated")


@dataclass
class ReconcileReport:
    """What bringing the index in line with the folder did."""

    records: int = 0
    imported: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    temp_files_removed: int = 0


def article_keys(url: str | None, canonical_url: str | None = None, aliases: Iterable[str] = ()) -> set[str]:
    """Every URL key of an article: generic canonical forms plus the outlet's own id forms, of its
    URL, its canonical URL and the URLs that redirected to it."""
    keys: set[str] = set()
    for u in (url, canonical_url, *aliases):
        if u:
            keys |= url_keys(u)
    return keys


@lru_cache(maxsize=4096)
def url_keys(url: str) -> frozenset[str]:
    """The keys of one URL: the outlet's own id forms, or the generic canonical form. Cached: a crawl
    asks for an article's keys when it requests the page, when it dedupes and when it archives it."""
    outlet = outlet_for_url(url)
    if outlet is not None:
        return frozenset(outlet.article_keys(url))
    from newscrawl.urls import canonical_key

    return frozenset((canonical_key(url),))


class Archive:
    """One archive folder and its index."""

    def __init__(self, root: str | os.PathLike[str], layout: str = "markdown",
                 index_path: str | os.PathLike[str] | None = None, fsync: bool = True):
        if layout not in WRITABLE_LAYOUTS:
            raise ValueError(f"ARCHIVE_LAYOUT must be one of {', '.join(WRITABLE_LAYOUTS)}, not {layout!r}")
        self.folder = ArchiveFolder(root)
        self.layout = layout
        self.fsync = fsync
        # records_dir: full-text search reads the records' text wherever the index lives
        self.index = ArchiveIndex(index_path or self.folder.state_dir / "index.sqlite", records_dir=self.folder.root)
        #: what reconciling the index with the folder did when a crawl opened the archive
        self.opening_report: ReconcileReport | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Archive:
        """The archive the settings name (``ARCHIVE_DIR``, ``ARCHIVE_LAYOUT``, ``ARCHIVE_INDEX``)."""
        return cls(settings.get("ARCHIVE_DIR", "archive"), settings.get("ARCHIVE_LAYOUT", "markdown"),
                   settings.get("ARCHIVE_INDEX") or None, settings.getbool("ARCHIVE_FSYNC", True))

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> Archive:
        """The crawl's archive, opened and reconciled once and shared by its components."""
        archive = getattr(crawler, "_newscrawl_archive", None)
        if archive is None:
            archive = cls.from_settings(crawler.settings)
            report = archive.reconcile()
            if report.imported or report.removed or report.temp_files_removed:
                logger.info("archive %s: %d records; indexed %d new or legacy, forgot %d, removed %d temp files",
                            archive.folder.root, report.records, len(report.imported), len(report.removed),
                            report.temp_files_removed)
            archive.opening_report = report
            crawler._newscrawl_archive = archive  # type: ignore[attr-defined]
        return archive

    def close(self) -> None:
        """Close the index."""
        self.index.close()

    @property
    def root(self) -> Path:
        """The folder."""
        return self.folder.root

    # -- keeping the index in line with the folder
    def reconcile(self) -> ReconcileReport:
        """Index records the index lacks (legacy ones, or written by a crawl killed before indexing),
        forget the ones whose file is gone, drop temporary files of killed crawls, and raise the
        number counter past the highest record."""
        report = ReconcileReport(temp_files_removed=self.folder.remove_stale_temp_files())
        on_disk = self.folder.scan()
        indexed = self.index.names()
        report.records = len(on_disk)
        gone = [n for n, name in indexed.items() if on_disk.get(n) != name]
        if gone:
            self.index.remove(gone)
            report.removed = gone
        for number in sorted(n for n, name in on_disk.items() if indexed.get(n) != name):
            try:
                self.import_record(on_disk[number])
                report.imported.append(number)
            except (OSError, ValueError) as exc:
                logger.warning("cannot index record %s: %s", on_disk[number], exc)
                report.unreadable.append(on_disk[number])
        self.folder.sync_counter(max(on_disk, default=-1))
        return report

    def import_record(self, name: str) -> IndexEntry:
        """Read a record file and index it (legacy or not)."""
        record = read_record(self.folder.path(name))
        outlet = outlet_for_url(record.url) if record.url else None
        language = detect_language(f"{record.title or ''}\n{record.body}")
        published = record.published.isoformat() if record.published else None
        entry = IndexEntry(number=record.number, name=name, hash=record.hash, layout=record.layout,
                           outlet=outlet.name if outlet else None,
                           edition=outlet.edition_of(record.url) if outlet and record.url else None,
                           language=language, url=record.url, canonical_url=record.url, title=record.title,
                           published=published, legacy=not self._written_by_newscrawl(record))
        self.index.add(entry, article_keys(record.url), record_fingerprints(record))
        _sign(self.index, record.number, record.title, record.body)
        return entry

    @staticmethod
    def _written_by_newscrawl(record: Record) -> bool:
        return bool(record.url and record.hash == url_hash(record.url))

    # -- writing
    def add(self, article: Article) -> IndexEntry:
        """Write an article as a new record and index it; returns its index entry."""
        result = self.add_many([article])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def add_many(self, articles: Sequence[Article]) -> list[IndexEntry | Exception]:
        """Write articles as new records, numbered in their order, and index them in one commit
        (entries and signatures together); returns the index entry of each, or in its place the
        error that kept it from being written (an article that cannot be rendered)."""
        results: dict[int, IndexEntry | Exception] = {}  # by position
        rendered: list[tuple[int, Article, str, str, str]] = []  # position, article, layout, url, text
        for position, article in enumerate(articles):
            try:
                layout, url, text = self._render(article)
            except Exception as exc:  # one bad article never keeps the others out
                results[position] = exc
                continue
            rendered.append((position, article, layout, url, text))
        if not rendered:
            return [results[i] for i in range(len(articles))]
        created = self.folder.create_many([(url_hash(url), text) for _, _, _, url, text in rendered],
                                          fsync=self.fsync)
        with self.index.transaction():  # the entries and their signatures in one commit
            for (position, article, layout, url, _), (number, name) in zip(rendered, created, strict=True):
                entry = IndexEntry(
                    number=number, name=name, hash=url_hash(url), layout=layout, outlet=article.outlet,
                    edition=article.edition, language=article.language, url=url,
                    canonical_url=article.canonical_url, title=article.title,
                    published=article.published.isoformat() if article.published else None,
                    fetched_at=(article.fetched_at or datetime.now(timezone.utc)).isoformat())
                self.index.add(entry, article_keys(article.url, article.canonical_url, article.aliases),
                               article_fingerprints(article.title, article.body, article.text_keys))
                _sign(self.index, number, article.title, article.body, article.text_keys)
                results[position] = entry
        return [results[i] for i in range(len(articles))]

    def _render(self, article: Article) -> tuple[str, str, str]:
        """The layout, URL and text of an article's record."""
        outlet = get_outlet(article.outlet)
        url = article.canonical_url or article.url
        layout = self.layout if (self.layout != "dated" or article.published) else "markdown"
        text = render_article(layout, title=article.title, published=article.published, author=article.author,
                              url=url, outlet_name=outlet.short_name if outlet else article.outlet,
                              paragraphs=article.paragraphs)
        return layout, url, text

    def read(self, name: str) -> Record:
        """Read one record of the folder."""
        return read_record(self.folder.path(name))

    def stats(self) -> dict[str, Any]:
        """Records per outlet, language and month (from the index)."""
        return self.index.stats()


def _sign(index: ArchiveIndex, number: int, title: str | None, body: str | None, keys: TextKeys | None = None) -> None:
    """Put a record's near-duplicate signature in the index (``keys``: what the extraction worker made
    of the text, if anything). Imported here: extraction workers import this package through the
    outlet modules, and need no datasketch."""
    from newscrawl.neardup import index_text

    index_text(index, number, title, body, keys)


def record_fingerprints(record: Record) -> frozenset[str]:
    """The content fingerprints of a record of any layout."""
    return body_fingerprints(record.title, record.body)


__all__ = ["STATE_DIR", "Archive", "ArchiveFolder", "ArchiveIndex", "IndexEntry", "ReconcileReport",
           "article_keys", "record_fingerprints"]
