"""Full-text search of the archive: an FTS5 table in the index, kept current by every write, and queries.

The table ``records_fts`` holds each record's title and body, handed to
:meth:`ArchiveIndex.add <newscrawl.archive.index.ArchiveIndex.add>` with the rest of what the index
holds of it, so a crawl, an import, a rebuild, a rewrite and ``archive reindex`` all keep it current.
It stores its own copy of the text: SQLite 3.40 (Debian 12) cannot delete from an FTS5 table without
content (``contentless_delete`` needs 3.43), and with the text at hand ``snippet()`` works in any
SQLite client, the web view included. The cost is the text a second time (see ``docs/search.md``).

Its rowid is the record's :func:`search_key`: publication minute and record number in one integer,
so that FTS5 hands out matches newest first and a search for a word in half the archive stops at
the first page instead of sorting every match.

Folding, the way users type:

- FTS5's ``unicode61`` tokenizer folds case and removes diacritics: ``á ǵ ń ó ú ý é`` match
  ``a g n o u y e``, so Latin-script Kazakh is found when typed on any keyboard; newscrawl also
  folds ``ё`` to ``е`` and the dotless ``ı`` to ``i`` (:func:`fold`, applied to text and queries).
- The Kazakh letters ``ә ғ қ ң ө ұ ү һ і`` stay letters of their own: ``қазақ`` (Kazakh) is not
  ``казак`` (Cossack), nor ``қол`` ``кол``. Kazakh keyboards have them; ``қазақ OR казак`` asks
  for both.

Word forms: English words are stemmed in the index by FTS5's Porter stemmer (``elections`` is found
by ``election``). A Cyrillic query word is cut to its Russian Snowball stem and searched as a
prefix (:func:`fts_query`): ``Москва`` becomes ``москв*`` and finds Москвы, Москве, Москвой;
``Бабакумаров`` becomes ``бабакумар*`` and finds Бабакумарова; a Kazakh word keeps its letters and
finds its suffixed forms (``қазақ*``: қазақтың, Қазақстан). Words in quotes are searched as
written: ``"Москва"`` finds Москва only.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newscrawl.archive.records import RECORD_NAME, read_record

if TYPE_CHECKING:
    from newscrawl.archive.entries import IndexEntry, IndexTables

logger = logging.getLogger(__name__)

FTS_TABLE = "records_fts"
TOKENIZER = "porter unicode61 remove_diacritics 2"
#: the tokenizer and the folding: a change means the table is built again from the records
SCHEME = "1:" + TOKENIZER + ":fold-yo-dotless-i"
SCHEMA = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body, tokenize = '{TOKENIZER}');
CREATE INDEX IF NOT EXISTS records_published ON records(published);
"""
#: meta keys: the scheme the table was built with, and whether every record is in it
META_SCHEME, META_STATE = "fulltext_scheme", "fulltext"

#: a Cyrillic word shorter than this after stemming is searched as written, not as a prefix
MIN_STEM = 3

_FOLD = str.maketrans({"ё": "е", "Ё": "Е", "ı": "i"})

#: a search key holds the record number in its low bits, the publication minute (since 1900, UTC) above
NUMBER_BITS = 36
NUMBER_MASK = (1 << NUMBER_BITS) - 1
_EPOCH = datetime(1900, 1, 1, tzinfo=timezone.utc)
_LAST_MINUTE = (1 << (63 - NUMBER_BITS)) - 1


def search_key(published: str | None, number: int) -> int:
    """The full-text rowid of a record: its publication minute (UTC; a day counts from midnight UTC;
    0 without a date, so undated records come last) above its number."""
    if not 0 <= number <= NUMBER_MASK:
        raise ValueError(f"record number out of range for the full-text index: {number}")
    return (_minute(published) << NUMBER_BITS) | number


def _minute(published: str | None) -> int:
    if not published:
        return 0
    try:
        when = datetime.fromisoformat(published)
    except ValueError:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return min(_LAST_MINUTE, max(1, int((when - _EPOCH).total_seconds() // 60) + 1))


def fold(text: str) -> str:
    """What the tokenizer does not fold itself: ``ё`` → ``е``, dotless ``ı`` → ``i``."""
    return text.translate(_FOLD)


class SearchQueryError(ValueError):
    """A query FTS5 cannot run (its syntax, or a column it does not have)."""


# ---------------------------------------------------------------------------------------------
# Upkeep (called by ArchiveIndex)


def create_schema(index: IndexTables) -> None:
    """Create the full-text table (again, if it was built with another scheme). On an index that
    already holds records it starts incomplete: :func:`ensure_complete` fills it from the records."""
    db = index.db
    if _table_exists(db) and index.get_meta(META_SCHEME) == SCHEME:
        return
    with index.transaction():
        if _table_exists(db) and index.get_meta(META_SCHEME) == SCHEME:
            return  # another process made it meanwhile
        db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        _execute_script(db, SCHEMA)
        has_records = db.execute("SELECT EXISTS (SELECT 1 FROM records)").fetchone()[0]
        index.set_meta(META_SCHEME, SCHEME)
        index.set_meta(META_STATE, "incomplete" if has_records else "complete")


def _execute_script(db: sqlite3.Connection, script: str) -> None:
    """Statements one by one (``executescript`` would commit the open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _table_exists(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone() is not None


def index_record(db: sqlite3.Connection, entry: IndexEntry, body: str) -> None:
    """Put a record's title and body into the full-text table (its earlier row is already gone:
    ``ArchiveIndex.add`` deletes a record before adding it again)."""
    _insert(db, entry.number, entry.published, entry.title or "", body)


def _insert(db: sqlite3.Connection, number: int, published: str | None, title: str, body: str) -> None:
    db.execute(f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (?, ?, ?)",
               (search_key(published, number), fold(title), fold(body)))


def forget(db: sqlite3.Connection, number: int) -> None:
    """Drop a record from the full-text table; called while its ``records`` row, which gives its
    search key, is still there."""
    row = db.execute("SELECT published FROM records WHERE number = ?", (number,)).fetchone()
    if row is not None:
        db.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (search_key(row[0], number),))


def record_text(records_dir: Path, name: str, title: str | None) -> tuple[str, str]:
    """``(title, body)`` of a record as its file has them (every layout: a ``raw`` record has only a
    body); the index's title and no body when the file cannot be read."""
    if RECORD_NAME.match(name):
        try:
            record = read_record(records_dir / name)
        except OSError as exc:
            logger.debug("full-text index: cannot read %s: %s", name, exc)
        else:
            return record.title or "", record.body
    return title or "", ""


def ensure_complete(index: IndexTables, records_dir: Path, batch: int = 1000) -> int:
    """Index the text of the records (files in ``records_dir``) the full-text table lacks, when it was
    made on an index that already held records (an index older than full-text search); returns how
    many were added."""
    if index.get_meta(META_STATE) == "complete":
        return 0
    missing = index.db.execute(f"SELECT number, name, title, published FROM records WHERE number NOT IN"
                               f" (SELECT rowid & {NUMBER_MASK} FROM {FTS_TABLE}) ORDER BY number").fetchall()
    for start in range(0, len(missing), batch):
        with index.transaction():
            for number, name, title, published in missing[start:start + batch]:
                text_title, body = record_text(records_dir, name, title)
                _insert(index.db, number, published, text_title, body)
    index.set_meta(META_STATE, "complete")
    return len(missing)


def optimize(db: sqlite3.Connection) -> None:
    """Merge the full-text index into one segment (after a reindex: fewer segments, faster queries)."""
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


# ---------------------------------------------------------------------------------------------
# Queries

_QUERY_TOKENS = re.compile(r'\s+|"(?:[^"]|"")*"?|[(){}:*+^,]|[^\s"(){}:*+^,]+')
_WORD_PARTS = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_OPERATORS = {"AND", "OR", "NOT"}


@lru_cache(maxsize=1)
def _russian_stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("russian")


def stem_prefix(word: str) -> str | None:
    """The prefix a Cyrillic word is searched by (its Russian Snowball stem), or None: searched as written."""
    lowered = word.lower()
    if not _CYRILLIC.search(lowered):
        return None
    stem = _russian_stemmer().stemWord(lowered)
    return stem if len(stem) >= MIN_STEM else None


def fts_query(query: str) -> str:
    """The FTS5 query for what a user typed.

    The FTS5 syntax is kept (``"phrases"``, ``AND``/``OR``/``NOT``, ``( )``, ``NEAR(…)``, ``title:``
    and ``{title body}:`` column filters, ``^`` and ``prefix*``); each bare word becomes a quoted
    phrase of its parts (``Санкт-Петербург`` is the phrase ``"санкт петербург"``, where FTS5 would
    stop at the ``-``), and a bare Cyrillic word is searched by its stem as a prefix
    (:func:`stem_prefix`). Raises :class:`SearchQueryError` for an empty query or an unclosed quote.
    """
    tokens = _QUERY_TOKENS.findall(fold(query))
    if not any(t.strip() for t in tokens):
        raise SearchQueryError("empty query")
    out: list[str] = []
    in_braces = False
    for i, token in enumerate(tokens):
        following = next((t for t in tokens[i + 1:] if not t.isspace()), "")
        if token.startswith('"'):
            if len(token) < 2 or _unclosed(token):
                raise SearchQueryError(f"unclosed quote in {query!r}")
            out.append(token)
        elif token.isspace() or token in "(){}:*+^,":
            in_braces = token == "{" or (in_braces and token != "}")
            out.append(token)
        elif (in_braces or following == ":" or token in _OPERATORS or (token == "NEAR" and following == "(")
              or (token.isascii() and token.isdigit())):
            out.append(token)  # syntax, a column name, a number (NEAR's distance, or a year as written)
        else:
            out.append(_word_phrase(token, prefixed=following == "*"))
    rewritten = "".join(out)
    if not rewritten.strip():
        raise SearchQueryError(f"nothing to search for in {query!r}: no words")
    return rewritten


def _unclosed(token: str) -> bool:
    """Whether a token starting with ``"`` lacks its closing quote (``""`` inside is an escaped quote)."""
    trailing = len(token[1:]) - len(token[1:].rstrip('"'))
    return trailing % 2 == 0


def _word_phrase(word: str, *, prefixed: bool) -> str:
    """A bare word as a quoted FTS5 phrase; a Cyrillic last part as its stem's prefix."""
    parts = _WORD_PARTS.findall(word)
    if not parts:
        return ""  # punctuation alone: nothing to search
    if not prefixed:
        stem = stem_prefix(parts[-1])
        if stem is not None:
            return '"' + " ".join([*parts[:-1], stem]) + '"*'
    return '"' + " ".join(parts) + '"'


@dataclass(frozen=True)
class SearchFilters:
    """What a search is narrowed to: an outlet, a language, publication days (both ends included)."""

    outlet: str | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None

    def where(self, alias: str = "r") -> tuple[list[str], list[Any]]:
        """SQL conditions on the ``records`` table (as ``alias``) and their parameters. Dates compare
        as text: ``published`` is ISO 8601, a day in the record's own offset."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.outlet:
            clauses.append(f"{alias}.outlet = ?")
            params.append(self.outlet)
        if self.language:
            clauses.append(f"{alias}.language = ?")
            params.append(self.language)
        if self.since:
            clauses.append(f"{alias}.published >= ?")
            params.append(self.since.isoformat())
        if self.until:
            clauses.append(f"{alias}.published < ?")
            params.append((self.until + timedelta(days=1)).isoformat())
        return clauses, params

    def key_range(self, fts_table: str) -> tuple[list[str], list[Any]]:
        """Conditions on the full-text rowid (:func:`search_key`) that hold for every record in the
        date range, whatever its UTC offset (a day's margin each side): FTS5 skips the rest unread."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.since:
            clauses.append(f"{fts_table}.rowid >= ?")
            params.append(search_key((self.since - timedelta(days=1)).isoformat(), 0))
        if self.until:
            clauses.append(f"{fts_table}.rowid < ?")
            params.append(search_key((self.until + timedelta(days=2)).isoformat(), 0))
        return clauses, params


@dataclass
class SearchHit:
    """One record a search found."""

    number: int
    name: str
    outlet: str | None
    edition: str | None
    language: str | None
    published: str | None
    title: str | None
    canonical_url: str | None
    snippet: str

    def to_json(self) -> dict[str, Any]:
        """The hit as a JSON-ready dict."""
        return asdict(self)


#: how the snippet marks the matches, by default
MARKS = ("[", "]")


def search(db: sqlite3.Connection, query: str, filters: SearchFilters = SearchFilters(), *, limit: int = 20,
           offset: int = 0, marks: tuple[str, str] = MARKS, tokens: int = 24) -> list[SearchHit]:
    """Records matching ``query`` (as a user types it, see :func:`fts_query`), newest first (records
    without a date last), each with a snippet of about ``tokens`` words, its matches between ``marks``.

    FTS5 gives the matches in search-key order, newest first, and the join stops after ``offset +
    limit`` records that pass the filters: a common word costs little more than a rare one. The
    snippets come after, for the records shown alone (asking FTS5 for them in the same statement
    would make it gather every match's word positions)."""
    match = fts_query(query)
    clauses, params = filters.where()
    key_clauses, key_params = filters.key_range(FTS_TABLE)
    where = " AND ".join([f"{FTS_TABLE} MATCH ?", *key_clauses, *clauses])
    keys = [key for (key,) in _run(db, query,
                                   f"SELECT {FTS_TABLE}.rowid FROM {FTS_TABLE}"
                                   f" JOIN records r ON r.number = ({FTS_TABLE}.rowid & {NUMBER_MASK})"
                                   f" WHERE {where} ORDER BY {FTS_TABLE}.rowid DESC LIMIT ? OFFSET ?",
                                   [match, *key_params, *params, limit, offset])]
    if not keys:
        return []
    numbers = [key & NUMBER_MASK for key in keys]
    snippets = _snippets_by_key(db, match, keys, marks, tokens)
    rows = db.execute("SELECT number, name, outlet, edition, language, published, title, canonical_url FROM records"
                      f" WHERE number IN ({','.join('?' * len(numbers))})", numbers).fetchall()
    by_number = {row[0]: row for row in rows}
    return [SearchHit(*by_number[number], snippet=snippets.get(key, "")) for key, number in zip(keys, numbers,
                                                                                                strict=True)]


def snippets_of(db: sqlite3.Connection, match: str, numbers: Sequence[int], *, marks: tuple[str, str] = MARKS,
                tokens: int = 24) -> dict[int, str]:
    """Snippets of the given records (by number) for an FTS5 query (already made by :func:`fts_query`)."""
    if not numbers:
        return {}
    rows = db.execute(f"SELECT number, published FROM records WHERE number IN ({','.join('?' * len(numbers))})",
                      list(numbers)).fetchall()
    found = _snippets_by_key(db, match, [search_key(published, number) for number, published in rows], marks, tokens)
    return {key & NUMBER_MASK: text for key, text in found.items()}


def _snippets_by_key(db: sqlite3.Connection, match: str, keys: Sequence[int], marks: tuple[str, str], tokens: int
                     ) -> dict[int, str]:
    """Snippets by search key: one pass over the matches between the lowest and the highest key, a
    snippet made only for the keys wanted (``rowid = ?`` per record would make FTS5 gather a prefix's
    matches once per record)."""
    if not keys:
        return {}
    wanted = ",".join(str(int(key)) for key in keys)
    found = _run(db, match, f"SELECT rowid, CASE WHEN rowid IN ({wanted}) THEN snippet({FTS_TABLE}, -1, ?, ?, '…', ?)"
                            f" END FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid BETWEEN ? AND ?",
                 [marks[0], marks[1], tokens, match, min(keys), max(keys)])
    return {key: text for key, text in found if text is not None}


def _run(db: sqlite3.Connection, query: str, sql: str, params: Sequence[Any]) -> list[tuple]:
    """All rows of a statement with a MATCH (see :func:`execute_match`)."""
    return execute_match(db, query, sql, params).fetchall()


def execute_match(db: sqlite3.Connection, query: str, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
    """Run a statement with a MATCH; FTS5's complaints about the query become :class:`SearchQueryError`
    (FTS5 reads the query when the statement starts, so they come here, not while rows are read)."""
    try:
        return db.execute(sql, params)
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if message.startswith(("fts5:", "no such column", "unknown special query", "unterminated string")):
            raise SearchQueryError(f"cannot search for {query!r}: {message}") from None
        raise
