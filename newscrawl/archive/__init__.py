"""The archive: a folder of records in the user's format plus newscrawl's index beside them.

The archive stores what its callers hand it: a record's text and what the index holds of it (its
URL keys, content fingerprints, reprint signature, outlet, language …) are worked out above it
(``newscrawl.archiving``), which also tells it how to describe a record it finds in the folder
that the index lacks (a legacy record, or one written by a crawl killed before indexing). Every write
into the folder (new records, rewrites, imports) takes the folder's lock and its number counter.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archive.records import Record, parse_record_name, read_record
from newscrawl.archive.search import ensure_complete
from newscrawl.archive.store import STATE_DIR, ArchiveFolder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredSignature:
    """A record's near-duplicate signature as the index keeps it: feature count, MinHash bytes, LSH band keys."""

    size: int
    blob: bytes | None
    band_keys: tuple[int, ...] = ()


@dataclass
class RecordFacts:
    """What the index holds of a record besides its number and name (worked out by the caller)."""

    layout: str
    hash: str
    outlet: str | None = None
    edition: str | None = None
    language: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    published: str | None = None
    fetched_at: str | None = None
    legacy: bool = False
    keys: frozenset[str] = frozenset()
    fingerprints: frozenset[str] = frozenset()
    #: None: the record is not signed (the reprint check signs it later)
    signature: StoredSignature | None = None
    #: the record's body as its file has it, for full-text search (the title is ``title``)
    body: str = ""

    def entry(self, number: int, name: str) -> IndexEntry:
        """The index entry of the record with this number and name."""
        return IndexEntry(number=number, name=name, hash=self.hash, layout=self.layout, outlet=self.outlet,
                          edition=self.edition, language=self.language, url=self.url,
                          canonical_url=self.canonical_url, title=self.title, published=self.published,
                          fetched_at=self.fetched_at, legacy=self.legacy)


#: how the archive learns what to index of a record it finds in the folder: ``(record, file name) -> facts``
Describe = Callable[[Record, str], RecordFacts]


@dataclass
class ReconcileReport:
    """What bringing the index in line with the folder did."""

    records: int = 0
    imported: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    temp_files_removed: int = 0


@dataclass
class ImportReport:
    """What copying a folder of records into the archive did."""

    copied: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    #: records not copied because their number is taken by another record: ``(file, taken by)``
    clashes: list[tuple[str, str]] = field(default_factory=list)


class Archive:
    """One archive folder and its index."""

    def __init__(self, root: str | os.PathLike[str], index_path: str | os.PathLike[str] | None = None,
                 fsync: bool = True, describe: Describe | None = None):
        self.folder = ArchiveFolder(root)
        self.fsync = fsync
        self.index = ArchiveIndex(index_path or self.folder.state_dir / "index.sqlite")
        self.describe = describe

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
                self.index_record(on_disk[number])
                report.imported.append(number)
            except (OSError, ValueError) as exc:
                logger.warning("cannot index record %s: %s", on_disk[number], exc)
                report.unreadable.append(on_disk[number])
        self.folder.sync_counter(max(on_disk, default=-1))
        return report

    def index_record(self, name: str) -> IndexEntry:
        """Read a record file and index it as ``describe`` tells (legacy or not)."""
        if self.describe is None:
            raise ValueError("this archive was opened without a way to describe records")
        record = read_record(self.folder.path(name))
        entry = self._index(record.number, name, self.describe(record, name))
        return entry

    def _index(self, number: int, name: str, facts: RecordFacts) -> IndexEntry:
        entry = facts.entry(number, name)
        with self.index.transaction():  # the entry and its signature in one commit
            self.index.add(entry, facts.keys, facts.fingerprints, facts.body)
            if facts.signature is not None:
                self.index.add_signature(number, facts.signature.size, facts.signature.blob,
                                         facts.signature.band_keys)
        return entry

    # -- writing
    def add_many(self, records: Sequence[tuple[str, RecordFacts]]) -> list[IndexEntry]:
        """Write ``(text, facts)`` records with the next numbers, in order, and index them in one commit;
        returns the index entry of each."""
        if not records:
            return []
        created = self.folder.create_many([(facts.hash, text) for text, facts in records], fsync=self.fsync)
        with self.index.transaction():
            return [self._index(number, name, facts)
                    for (_, facts), (number, name) in zip(records, created, strict=True)]

    def rewrite(self, number: int, text: str, facts: RecordFacts) -> IndexEntry:
        """Replace record ``number``'s text atomically (same number and name) and its index entry."""
        entry = self.index.entry(number)
        if entry is None:
            raise ValueError(f"no record {number} in the index")
        self.folder.replace(entry.name, text, fsync=self.fsync)
        self.index.remove([number])  # its old keys, fingerprints and signature go with it
        return self._index(number, entry.name, facts)

    def import_records(self, files: Iterable[Path]) -> ImportReport:
        """Copy record files into the folder under their own names, through the folder's lock (so that
        no crawl takes their numbers meanwhile); a record whose number is already taken by another
        record is refused, never copied beside it. The copies are indexed as ``describe`` tells."""
        report = ImportReport()
        sources = [f for f in files if parse_record_name(f.name)]
        copied = self.folder.import_files(sources, fsync=self.fsync)
        for source, outcome in zip(sources, copied, strict=True):
            if outcome == "copied":
                report.copied.append(source.name)
            elif outcome == "same":
                report.already_present.append(source.name)
            else:
                report.clashes.append((source.name, outcome))
        return report

    def complete_fulltext(self) -> int:
        """Index for search the text of records an index older than full-text search holds (once);
        returns how many."""
        return ensure_complete(self.index, self.folder.root)

    def read(self, name: str) -> Record:
        """Read one record of the folder."""
        return read_record(self.folder.path(name))

    def stats(self) -> dict[str, Any]:
        """Records per outlet, language and month (from the index)."""
        return self.index.stats()


__all__ = ["STATE_DIR", "Archive", "ArchiveFolder", "ArchiveIndex", "Describe", "ImportReport", "IndexEntry",
           "ReconcileReport", "RecordFacts", "StoredSignature"]
