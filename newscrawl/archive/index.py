"""newscrawl's own index beside the records (SQLite): what the record layouts cannot carry.

The records are the source of truth; everything here can be rebuilt from the folder. The index
holds per record its outlet, language, URL keys, content fingerprints and fetch time, its MinHash
signature and LSH band keys (near-duplicates, see newscrawl.dedupe.neardup), the duplicates a crawl refused,
and small per-spider state for incremental crawls.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newscrawl.archive import search as fulltext
from newscrawl.archive import stories
from newscrawl.archive.entries import IndexEntry

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    layout TEXT NOT NULL,
    outlet TEXT,
    edition TEXT,
    language TEXT,
    url TEXT,
    canonical_url TEXT,
    title TEXT,
    published TEXT,
    month TEXT,
    fetched_at TEXT,
    indexed_at TEXT NOT NULL,
    legacy INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS records_outlet ON records(outlet, month);
CREATE TABLE IF NOT EXISTS url_keys (
    key TEXT PRIMARY KEY,
    number INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS url_keys_number ON url_keys(number);
CREATE TABLE IF NOT EXISTS fingerprints (
    fp TEXT NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (fp, number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fingerprints_number ON fingerprints(number);
CREATE TABLE IF NOT EXISTS duplicates (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    outlet TEXT,
    kind TEXT NOT NULL,
    duplicate_of INTEGER,
    similarity REAL,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS duplicates_of ON duplicates(duplicate_of);
CREATE TABLE IF NOT EXISTS crawl_state (
    spider TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (spider, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS off_topic (
    key TEXT NOT NULL,
    topic TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (key, topic)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS neardup_signatures (
    number INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    signature BLOB
);
CREATE TABLE IF NOT EXISTS neardup_bands (
    key INTEGER NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (key, number)
) WITHOUT ROWID;
"""


def utcnow_iso() -> str:
    """The current time, UTC, ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


#: the ``records`` columns an :class:`IndexEntry` is read from (each its field of the same name)
_ENTRY_COLUMNS = ("number, name, hash, layout, outlet, edition, language, url, canonical_url, title, published,"
                  " fetched_at, legacy")


_ENTRY_NAMES = tuple(name.strip() for name in _ENTRY_COLUMNS.split(","))


def _entry_of(row: tuple[Any, ...]) -> IndexEntry:
    entry = dict(zip(_ENTRY_NAMES, row, strict=True))
    return IndexEntry(**{**entry, "legacy": bool(entry["legacy"])})


#: index ids of record files whose number another file already carries (far above any record number)
CLASH_IDS = 1 << 34


class ArchiveIndex:
    """The SQLite index of one archive folder (with ``read_only``: opened for reading only, as it is)."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            self.db = _connect_read_only(self.path)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=60000")
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        fulltext.create_schema(self)  # full-text search: its table, kept by add and _delete
        stories.create_schema(self)  # stories: their tables, kept by add and _delete
        self.probe()

    def probe(self) -> None:
        """Read through the tables the duplicate checks depend on; ``sqlite3.DatabaseError`` when the file
        is damaged (truncated or overwritten), rather than later, in the middle of a crawl."""
        for table in ("records", "url_keys", "fingerprints", "crawl_state"):
            self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def transaction(self) -> sqlite3.Connection:
        """A write transaction (``with index.transaction(): ...``); nested ones join the outermost."""
        return _Transaction(self.db)  # type: ignore[return-value]

    # -- records
    def add(self, entry: IndexEntry, keys: Iterable[str], fingerprints: Iterable[str], body: str = "") -> None:
        """Add or replace a record with its URL keys and fingerprints; its title and ``body`` go into the
        full-text table (newscrawl.archive.search)."""
        with self.transaction():
            self._delete(entry.number)
            self.db.execute(
                "INSERT INTO records(number, name, hash, layout, outlet, edition, language, url, canonical_url,"
                " title, published, month, fetched_at, indexed_at, legacy)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (entry.number, entry.name, entry.hash, entry.layout, entry.outlet, entry.edition,
                 entry.language, entry.url, entry.canonical_url, entry.title, entry.published, entry.month,
                 entry.fetched_at, utcnow_iso(), int(entry.legacy)),
            )
            self.db.executemany("INSERT OR IGNORE INTO url_keys(key, number) VALUES (?, ?)",
                                [(k, entry.number) for k in set(keys)])
            self.db.executemany("INSERT OR IGNORE INTO fingerprints(fp, number) VALUES (?, ?)",
                                [(fp, entry.number) for fp in set(fingerprints)])
            fulltext.index_record(self.db, entry, body)
            stories.assign(self.db, entry, body)

    def _delete(self, number: int) -> None:
        fulltext.forget(self.db, number)  # full-text search (first: it finds its row by the records row)
        stories.forget(self.db, number)
        for table in ("records", "url_keys", "fingerprints", "neardup_signatures"):
            self.db.execute(f"DELETE FROM {table} WHERE number = ?", (number,))

    def remove(self, numbers: Iterable[int]) -> None:
        """Forget records (their files are gone)."""
        with self.transaction():
            for number in numbers:
                self._delete(number)

    def entries(self, names: Iterable[str] | None = None) -> dict[str, IndexEntry]:
        """The entries of the records with these file names (every indexed record's without), by name."""
        if names is None:
            rows = self.db.execute(f"SELECT {_ENTRY_COLUMNS} FROM records").fetchall()
        else:
            rows = [row for name in names
                    for row in self.db.execute(f"SELECT {_ENTRY_COLUMNS} FROM records WHERE name = ?", (name,))]
        return {row[1]: _entry_of(row) for row in rows}

    def replace_all(self, source: Path, keep: Iterable[str] = ()) -> None:
        """Make this index a copy of the index at ``source``, in one transaction: a reader sees the old
        content or the new, never a half-filled index. The tables named in ``keep`` stay as they are."""
        tables = [name for (name,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            if name not in set(keep)]
        self.db.execute("ATTACH DATABASE ? AS fresh", (str(source),))
        try:
            with self.transaction():
                for table in tables:
                    if table.startswith(f"{fulltext.FTS_TABLE}_"):
                        continue  # the full-text table's own storage: kept by the table itself
                    columns = "(rowid, title, body)" if table == fulltext.FTS_TABLE else ""
                    selected = "rowid, title, body" if table == fulltext.FTS_TABLE else "*"
                    self.db.execute(f"DELETE FROM main.{table}")
                    self.db.execute(f"INSERT INTO main.{table}{columns} SELECT {selected} FROM fresh.{table}")
        finally:
            self.db.execute("DETACH DATABASE fresh")

    #: what crawls write into the index that no record holds: kept in place when the index is rebuilt
    STATE_TABLES = ("crawl_state", "duplicates", "off_topic")

    def copy_state_from(self, other: ArchiveIndex) -> None:
        """Take over another index's crawl state, refused duplicates and metadata (what no record holds)."""
        self.db.execute("ATTACH DATABASE ? AS other", (str(other.path),))
        try:
            with self.transaction():
                for table in (*self.STATE_TABLES, "meta"):
                    self.db.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM other.{table}")
        finally:
            self.db.execute("DETACH DATABASE other")

    def names(self) -> dict[str, int]:
        """Every indexed record: file name -> its id in the index."""
        return dict(self.db.execute("SELECT name, number FROM records"))

    def free_id(self, number: int) -> int:
        """The id a record numbered ``number`` gets: its number, unless another file carrying the same
        number holds it (then an id from ``CLASH_IDS`` up, which no record number reaches)."""
        if self.db.execute("SELECT 1 FROM records WHERE number = ?", (number,)).fetchone() is None:
            return number
        highest = self.db.execute("SELECT MAX(number) FROM records WHERE number >= ?", (CLASH_IDS,)).fetchone()[0]
        return CLASH_IDS if highest is None else highest + 1

    def clashes(self) -> dict[int, list[str]]:
        """Record numbers that several indexed files carry (their names' numbers)."""
        by_number: dict[int, list[str]] = {}
        for (name,) in self.db.execute("SELECT name FROM records WHERE number >= ?", (CLASH_IDS,)):
            number = int(name.split("_", 1)[0])
            by_number.setdefault(number, [])
        for number in list(by_number):
            by_number[number] = sorted(n for (n,) in self.db.execute(
                "SELECT name FROM records WHERE name GLOB ?", (f"{number:03d}_*",)) if int(n.split("_")[0]) == number)
        return by_number

    def entry(self, number: int) -> IndexEntry | None:
        """The index entry of a record."""
        row = self.db.execute(f"SELECT {_ENTRY_COLUMNS} FROM records WHERE number = ?", (number,)).fetchone()
        return _entry_of(row) if row else None

    def count(self) -> int:
        """How many records the index holds."""
        return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def highest_number(self) -> int:
        """The highest record number indexed, -1 when empty."""
        value = self.db.execute("SELECT MAX(number) FROM records WHERE number < ?", (CLASH_IDS,)).fetchone()[0]
        return -1 if value is None else value

    # -- lookups
    def find_url(self, keys: Iterable[str]) -> int | None:
        """The record known under any of these URL keys (the lowest number, should they name several)."""
        return self._find("url_keys", "key", keys)

    def find_fingerprint(self, fingerprints: Iterable[str]) -> int | None:
        """The record with any of these content fingerprints (the lowest number, should there be several)."""
        return self._find("fingerprints", "fp", fingerprints)

    def _find(self, table: str, column: str, values: Iterable[str]) -> int | None:
        """One statement for all values: each is an indexed read of the table's primary key."""
        values = list(values)
        if not values:
            return None
        marks = ",".join("?" * len(values))
        row = self.db.execute(f"SELECT MIN(number) FROM {table} WHERE {column} IN ({marks})", values).fetchone()
        return row[0]

    # -- duplicates refused by crawls
    def add_duplicate(self, url: str, outlet: str | None, kind: str, duplicate_of: int | None,
                      similarity: float | None = None) -> None:
        """Remember that a crawled article duplicated a record."""
        self.db.execute("INSERT INTO duplicates(url, outlet, kind, duplicate_of, similarity, seen_at)"
                        " VALUES (?,?,?,?,?,?)", (url, outlet, kind, duplicate_of, similarity, utcnow_iso()))

    def duplicates_of(self, number: int) -> list[dict[str, Any]]:
        """The crawled articles found to duplicate a record."""
        rows = self.db.execute("SELECT url, outlet, kind, similarity, seen_at FROM duplicates"
                               " WHERE duplicate_of = ? ORDER BY id", (number,))
        return [dict(zip(("url", "outlet", "kind", "similarity", "seen_at"), r, strict=True)) for r in rows]

    # -- near-duplicate signatures (newscrawl.dedupe.neardup): one row per record, one per LSH band
    def add_signature(self, number: int, size: int, signature: bytes | None, band_keys: Iterable[int]) -> None:
        """Store a record's MinHash signature (None: its text is too short to sign) and its band keys.

        Band rows of a record's earlier signature are not looked for: a stale band only makes a
        candidate that is then checked against the record's current signature."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO neardup_signatures(number, size, signature) VALUES (?,?,?)",
                            (number, size, signature))
            self.db.executemany("INSERT OR IGNORE INTO neardup_bands(key, number) VALUES (?, ?)",
                                [(key, number) for key in set(band_keys)])

    def signature_candidates(self, band_keys: Iterable[int], limit: int) -> list[tuple[int, int, bytes]]:
        """``(number, size, signature)`` of indexed records sharing any band key, those sharing the most
        bands first, at most ``limit``: one indexed read per band, never a scan."""
        keys = list(set(band_keys))
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            "SELECT s.number, s.size, s.signature FROM"
            f" (SELECT number, COUNT(*) AS shared FROM neardup_bands WHERE key IN ({marks})"
            "   GROUP BY number ORDER BY shared DESC LIMIT ?) c"
            " JOIN neardup_signatures s ON s.number = c.number JOIN records r ON r.number = c.number"
            " WHERE s.signature IS NOT NULL ORDER BY c.shared DESC", (*keys, limit))
        return list(rows)

    def numbers_without_signature(self) -> list[tuple[int, str]]:
        """``(number, name)`` of records not signed yet."""
        return list(self.db.execute(
            "SELECT r.number, r.name FROM records r LEFT JOIN neardup_signatures s ON s.number = r.number"
            " WHERE s.number IS NULL ORDER BY r.number"))

    def clear_signatures(self) -> None:
        """Forget every signature (they are rebuilt from the records)."""
        with self.transaction():
            self.db.execute("DELETE FROM neardup_signatures")
            self.db.execute("DELETE FROM neardup_bands")

    def get_meta(self, key: str) -> str | None:
        """A value of the index's own metadata."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the index's own metadata."""
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- per-spider state
    def get_state(self, spider: str, key: str) -> str | None:
        """A value a spider stored for its next crawl."""
        row = self.db.execute("SELECT value FROM crawl_state WHERE spider = ? AND key = ?", (spider, key)).fetchone()
        return row[0] if row else None

    def set_state(self, spider: str, key: str, value: str) -> None:
        """Store a value for a spider's next crawl."""
        self.db.execute("INSERT OR REPLACE INTO crawl_state(spider, key, value) VALUES (?,?,?)", (spider, key, value))

    def states(self) -> list[tuple[str, str, str]]:
        """Every ``(spider, key, value)`` the spiders stored."""
        return self.db.execute("SELECT spider, key, value FROM crawl_state").fetchall()

    def url_keys(self, numbers: Iterable[int] | None = None) -> Iterator[tuple[str, int]]:
        """``(URL key, record number)`` of every record, or of the records ``numbers``."""
        if numbers is None:
            yield from self.db.execute("SELECT key, number FROM url_keys")
            return
        numbers = list(numbers)
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(f"SELECT key, number FROM url_keys WHERE number IN ({marks})", chunk)

    # -- articles a crawl kept to a topic fetched and did not archive
    def add_off_topic(self, keys: Iterable[str], topic: str) -> None:
        """Remember that the article with these URL keys is off ``topic`` (a topic's query)."""
        seen = utcnow_iso()
        self.db.executemany("INSERT OR IGNORE INTO off_topic(key, topic, seen_at) VALUES (?,?,?)",
                            [(key, topic, seen) for key in set(keys)])

    def is_off_topic(self, keys: Iterable[str], topic: str) -> bool:
        """Whether an earlier crawl found the article with these URL keys off ``topic``."""
        return any(self.db.execute("SELECT 1 FROM off_topic WHERE key = ? AND topic = ?", (key, topic)).fetchone()
                   for key in set(keys))

    # -- statistics
    def growth(self, since_day: str, since_week: str) -> dict[str, dict[str, int]]:
        """Per outlet ("-" for none): records, and those fetched since each of two times (ISO 8601)."""
        rows = self.db.execute(
            "SELECT COALESCE(outlet, '-'), COUNT(*),"
            " COALESCE(SUM(fetched_at IS NOT NULL AND julianday(fetched_at) >= julianday(?)), 0),"
            " COALESCE(SUM(fetched_at IS NOT NULL AND julianday(fetched_at) >= julianday(?)), 0)"
            " FROM records GROUP BY 1 ORDER BY 1", (since_day, since_week)).fetchall()
        return {outlet: {"records": n, "last_day": d, "last_week": w} for outlet, n, d, w in rows}

    def stats(self) -> dict[str, Any]:
        """Records per outlet, per language and per month."""
        def grouped(column: str) -> dict[str, int]:
            rows = self.db.execute(f"SELECT COALESCE({column}, '-'), COUNT(*) FROM records GROUP BY 1 ORDER BY 1")
            return dict(rows)

        per_outlet_month: dict[str, dict[str, int]] = {}
        for outlet, month, n in self.db.execute(
                "SELECT COALESCE(outlet, '-'), COALESCE(month, '-'), COUNT(*) FROM records"
                " GROUP BY 1, 2 ORDER BY 1, 2"):
            per_outlet_month.setdefault(outlet, {})[month] = n
        return {
            "records": self.count(),
            "outlets": grouped("outlet"),
            "languages": grouped("language"),
            "months": grouped("month"),
            "outlet_months": per_outlet_month,
            "duplicates_refused": self.db.execute("SELECT COUNT(*) FROM duplicates").fetchone()[0],
        }



def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection: never creates the file or writes to it; where the folder is not writable
    (a user who may only read the archive) and SQLite cannot create the WAL's side files, the file is
    read as it is (immutable)."""
    if not path.is_file():
        raise FileNotFoundError(f"no index at {path}")
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    try:
        db.execute("SELECT COUNT(*) FROM records").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True, check_same_thread=False)
    return db


class _Transaction:
    """A write transaction; inside another one it joins it (the outer one commits or rolls back)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.outer:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
