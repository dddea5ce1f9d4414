"""The archive: a folder of records in the user's format plus newscrawl's index beside them.

The archive stores what its callers hand it: a record's text and what the index holds of it (its
URL keys, content fingerprints, reprint signature, outlet, language …) are worked out above it
(``newscrawl.archiving``), which also tells it how to describe a record it finds in the folder
that the index lacks (a legacy record, or one written by a crawl killed before indexing). Every write
into the folder (new records, rewrites, imports) takes the folder's lock and its number counter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newscrawl.archive.entries import RecordFields
from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archive.records import Record, parse_record_name, read_record
from newscrawl.archive.search import ensure_complete
from newscrawl.archive.store import STATE_DIR, ArchiveFolder
from newscrawl.urls import bare_host, host_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredSignature:
    """A record's near-duplicate signature as the index keeps it: feature count, MinHash bytes, LSH band keys."""

    size: int
    blob: bytes | None
    band_keys: tuple[int, ...] = ()


@dataclass
class RecordFacts(RecordFields):
    """What the index holds of a record besides its number and name (worked out by the caller): its
    entry's fields, its keys, fingerprints, signature and text."""

    keys: frozenset[str] = frozenset()
    fingerprints: frozenset[str] = frozenset()
    #: None: the record is not signed (the reprint check signs it later)
    signature: StoredSignature | None = None
    #: the record's body as its file has it, for full-text search (the title is ``title``)
    body: str = ""

    def entry(self, number: int, name: str) -> IndexEntry:
        """The index entry of the record with this number and name."""
        return IndexEntry(number=number, name=name, **{f.name: getattr(self, f.name) for f in fields(RecordFields)})


#: how the archive learns what to index of a record it finds in the folder: ``(record, file name) -> facts``
Describe = Callable[[Record, str], RecordFacts]


class DuplicateRecord(Exception):
    """A record not written: the archive holds its article already (``kind``: ``url``, ``body`` or
    ``reprint``; ``number``: the record it duplicates)."""

    def __init__(self, kind: str, number: int, similarity: float | None = None):
        super().__init__(f"duplicate ({kind}) of record {number}")
        self.kind, self.number, self.similarity = kind, number, similarity


#: the check a record must pass to be written, against the committed index: None, or why not
Admit = Callable[[RecordFacts], DuplicateRecord | None]


@dataclass
class ReconcileReport:
    """What bringing the index in line with the folder did."""

    records: int = 0
    imported: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    temp_files_removed: int = 0
    #: numbers that several record files carry (all of them are indexed)
    clashes: dict[int, list[str]] = field(default_factory=dict)
    #: ``(name, what it is)`` of symlinks, FIFOs and folders named like records (skipped, never followed)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ReindexReport:
    """What rebuilding the index from the records did."""

    records: int = 0
    indexed: int = 0
    #: records whose fetch time, outlet, edition and canonical URL came from the old index
    carried: int = 0
    #: ``(record, what)`` the records could not give back and the old index did not hold: derived instead
    derived: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    clashes: dict[int, list[str]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: where an unreadable old index was moved (nothing could be carried over from it)
    damaged_index: str | None = None


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
        self.describe = describe
        self.index_path = Path(index_path or self.folder.state_dir / "index.sqlite")
        #: where a damaged index found on opening was moved (it is then rebuilt from the records)
        self.damaged_index: Path | None = None
        try:
            self.index = ArchiveIndex(self.index_path)
        except sqlite3.DatabaseError as exc:
            self.index = self._replace_damaged_index(exc)

    def _replace_damaged_index(self, error: Exception) -> ArchiveIndex:
        """Move an unreadable index aside (kept, named with the time) and start an empty one, which
        ``reconcile`` fills from the records."""
        moved = set_aside(self.index_path)
        self.damaged_index = moved
        logger.error("the archive's index %s is unreadable (%s): moved aside to %s; it is rebuilt from the records",
                     self.index_path, error, moved.name)
        return ArchiveIndex(self.index_path)

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
        scan = self.folder.scan()
        on_disk, indexed = scan.records, self.index.names()
        report.records, report.clashes, report.skipped = len(on_disk), scan.clashes(), scan.skipped
        for name, what in scan.skipped:
            logger.warning("%s in %s is a %s named like a record: skipped", name, self.root, what)
        for number, names in report.clashes.items():
            logger.warning("record number %d is carried by %d files (%s): all are indexed; new records take "
                           "numbers past them", number, len(names), ", ".join(names))
        gone = [record_id for name, record_id in indexed.items() if name not in on_disk]
        if gone:
            self.index.remove(gone)
            report.removed = gone
        for name in sorted((n for n in on_disk if n not in indexed), key=lambda n: (on_disk[n], n)):
            try:
                report.imported.append(self.index_record(name).number)
            except (OSError, ValueError) as exc:
                logger.warning("cannot index record %s: %s", name, exc)
                report.unreadable.append(name)
        self.folder.sync_counter(scan.highest)
        return report

    def rebuild_index(self, progress: Callable[[int], Any] | None = None) -> ReindexReport:
        """Rebuild the index from the records alone, into a new file swapped in at the end in one
        transaction (under the folder's lock, so no record is written meanwhile): a crawl reading the
        index meanwhile sees the old content or the new, never a half-filled one. What the records
        cannot give back (fetch times, the outlet of a site without an outlet module, crawl state,
        refused duplicates) is carried over from the old index when it is readable, else derived
        (the outlet from the URL's host, the fetch time from the file's time) and reported.
        ``progress`` is told of each batch of records indexed."""
        if self.describe is None:
            raise ValueError("this archive was opened without a way to describe records")
        report = ReindexReport(damaged_index=str(self.damaged_index) if self.damaged_index else None)
        try:
            old = self.index.entries()
        except sqlite3.DatabaseError as exc:
            self.index.close()
            self.index = self._replace_damaged_index(exc)
            report.damaged_index, old = str(self.damaged_index), {}
        fresh_path = self.index_path.with_name(self.index_path.name + ".rebuilding")
        remove_database(fresh_path)
        fresh = ArchiveIndex(fresh_path)
        try:
            scan = self.folder.scan()
            report.records, report.clashes, report.skipped = len(scan.records), scan.clashes(), scan.skipped
            self._index_into(fresh, scan.records, old, report, progress=progress)
            fresh.copy_state_from(self.index)
            with self.folder.locked():  # records written since the scan are indexed too, then the swap
                late = {name: n for name, n in self.folder.scan().records.items() if name not in scan.records}
                self._index_into(fresh, late, old | self.index.entries(late), report)
                report.records += len(late)
                fresh.close()
                # crawl state and refused duplicates written since the copy above stay: kept in place
                self.index.replace_all(fresh_path, keep=ArchiveIndex.STATE_TABLES)
                self.folder.sync_counter(max(scan.highest, max(late.values(), default=-1)))
        finally:
            fresh.close()
            remove_database(fresh_path)
        return report

    def _index_into(self, index: ArchiveIndex, records: dict[str, int], old: dict[str, IndexEntry],
                    report: ReindexReport, batch: int = 500,
                    progress: Callable[[int], Any] | None = None) -> None:
        names = sorted(records, key=lambda n: (records[n], n))
        for start in range(0, len(names), batch):
            with index.transaction():
                for name in names[start:start + batch]:
                    try:
                        record = read_record(self.folder.path(name))
                        facts = self.describe(record, name)  # type: ignore[misc]
                    except (OSError, ValueError) as exc:
                        logger.warning("cannot index record %s: %s", name, exc)
                        report.unreadable.append(name)
                        continue
                    report.derived += carry_over(facts, old.get(name), self.folder.path(name), name)
                    report.carried += name in old
                    entry = facts.entry(index.free_id(record.number), name)
                    index.add(entry, facts.keys, facts.fingerprints, facts.body)
                    if facts.signature is not None:
                        index.add_signature(entry.number, facts.signature.size, facts.signature.blob,
                                            facts.signature.band_keys)
                    report.indexed += 1
            if progress is not None:
                progress(len(names[start:start + batch]))

    def index_record(self, name: str) -> IndexEntry:
        """Read a record file and index it as ``describe`` tells (legacy or not)."""
        if self.describe is None:
            raise ValueError("this archive was opened without a way to describe records")
        record = read_record(self.folder.path(name))
        return self._index(self.index.free_id(record.number), name, self.describe(record, name))

    def _index(self, number: int, name: str, facts: RecordFacts) -> IndexEntry:
        entry = facts.entry(number, name)
        with self.index.transaction():  # the entry and its signature in one commit
            self.index.add(entry, facts.keys, facts.fingerprints, facts.body)
            if facts.signature is not None:
                self.index.add_signature(number, facts.signature.size, facts.signature.blob,
                                         facts.signature.band_keys)
        return entry

    # -- writing
    def add_many(self, records: Sequence[tuple[str, RecordFacts]],
                 admit: Admit | None = None) -> list[IndexEntry | DuplicateRecord]:
        """Write ``(text, facts)`` records with the next numbers, in order, and index them in one commit;
        returns the index entry of each, or the ``DuplicateRecord`` that ``admit`` found for it.

        The decision and the write are one step across processes: under the folder's lock (which every
        writer takes), ``admit`` looks for each record in the committed index and in the records of
        this batch before it, and the admitted ones are numbered, linked and indexed, all before the
        lock is released. Two crawls archiving one story at the same time archive it once."""
        if not records:
            return []
        temps = self.folder.write_temps([text for text, _ in records], fsync=self.fsync)
        results: list[IndexEntry | DuplicateRecord] = []
        try:
            with self.folder.locked():
                numbering = self.folder.numbering(len(records))
                with self.index.transaction():
                    for (_, facts), tmp in zip(records, temps, strict=True):
                        refused = admit(facts) if admit is not None else None
                        if refused is not None:
                            results.append(refused)
                            continue
                        number, name = numbering.link(tmp, facts.hash)
                        results.append(self._index(number, name, facts))
            if self.fsync:
                self.folder.sync()
        finally:
            self.folder.discard(temps)
        return results

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


def carry_over(facts: RecordFacts, old: IndexEntry | None, path: Path, name: str) -> list[tuple[str, str]]:
    """Complete a record's facts with what the old index held of it that the record cannot say; for a
    record newscrawl wrote that the old index did not hold, derive it; returns what was derived."""
    if old is not None:
        facts.fetched_at = old.fetched_at
        facts.outlet = old.outlet or facts.outlet
        facts.edition = old.edition or facts.edition
        facts.canonical_url = old.canonical_url or facts.canonical_url
        facts.language = old.language or facts.language
        return []
    derived = []
    if not facts.legacy:
        if facts.fetched_at is None:
            facts.fetched_at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
            derived.append((name, "fetch time from the file's time"))
        if facts.outlet is None and facts.url:
            facts.outlet = bare_host(host_of(facts.url))
            derived.append((name, "outlet from the URL's host"))
    return derived


def set_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL side files) out of the way; returns its new path."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))
    return target


def remove_database(path: Path) -> None:
    """Delete a database file and its WAL side files, if there."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


__all__ = [
    "STATE_DIR",
    "Admit",
    "Archive",
    "ArchiveFolder",
    "ArchiveIndex",
    "Describe",
    "DuplicateRecord",
    "ImportReport",
    "IndexEntry",
    "ReconcileReport",
    "RecordFacts",
    "ReindexReport",
    "StoredSignature",
]
