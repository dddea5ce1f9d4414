"""Stories: the records that report one event, whatever their outlet or language, kept in the index.

Each record is assigned when it is indexed (a crawl, an import, a reindex, a rewrite: the index
calls :func:`assign`), against the records already there: it joins the story of the record it
shares the most weight with, or starts a story of its own. What is compared survives translation
(``newscrawl.extract.mentions``): names folded to one spelling key and amounts with their scale,
among records published within ``WINDOW_DAYS`` days of each other. A shared term weighs its
rarity in the archive (inverse record frequency: Almaty and Kazakhstan weigh little, Kapitanov a
lot), and the sum fades with the days between the two. The decision is stored with its evidence
(the record it was matched with, the shared names as the new record spells them, the amounts, the
days between them, the score) so that a user can see why.

The cost of one assignment does not grow with the archive: the candidates are read by term and
day from ``story_terms`` (its primary key), the rarity of each term from ``story_term_counts``.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newscrawl.extract.mentions import mentions

if TYPE_CHECKING:
    from newscrawl.archive.entries import IndexEntry, IndexTables

logger = logging.getLogger(__name__)

#: records published more than this many days apart are never one story
WINDOW_DAYS = 3
#: the least score that joins a record to a story: the cosine of the two records' rarity-weighted
#: term sets, faded by the days between; chosen on the labelled pairs of tests/fixtures/stories
#: (benchmarks/bench_stories.py measures precision and recall)
JOIN_SCORE = 0.35
#: the fewest terms two records must share to be one story, and the least summed weight of them
MIN_SHARED = 2
MIN_SHARED_WEIGHT = 12.0
#: how many of the records sharing the most weight are compared in full
CANDIDATES = 20
#: a shared amount weighs this many times a name of the same rarity (4.7 bln is seldom chance)
AMOUNT_WEIGHT = 1.5
#: how many records a name's rarity assumes the archive holds at least: in a young archive every
#: name is taken as rare, until the archive knows better
PRIOR_RECORDS = 2000
#: per day between two records, their score is multiplied by this
DAILY_FADE = 0.8
#: the rarest terms of a record its candidates are looked up by (bounds the cost of common words)
LOOKUP_TERMS = 24

SCHEMA = """
CREATE TABLE IF NOT EXISTS story_records (
    number INTEGER PRIMARY KEY,
    story INTEGER NOT NULL,
    day INTEGER,
    terms TEXT NOT NULL,
    linked_to INTEGER,
    score REAL,
    evidence TEXT
);
CREATE INDEX IF NOT EXISTS story_records_story ON story_records(story);
CREATE TABLE IF NOT EXISTS story_terms (
    term TEXT NOT NULL,
    day INTEGER NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (term, day, number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_terms_number ON story_terms(number);
CREATE TABLE IF NOT EXISTS story_term_counts (
    term TEXT PRIMARY KEY,
    records INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stories (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    first_day INTEGER,
    last_day INTEGER
);
CREATE INDEX IF NOT EXISTS stories_last_day ON stories(last_day);
"""

META_STATE = "stories"
#: the ``story_term_counts`` row that counts every assigned record
_ALL = ""


@dataclass
class Link:
    """Why a record joined a story: the record it matched, what they share, the days between them."""

    linked_to: int
    score: float
    names: list[str] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)
    days_apart: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """One line for a person."""
        shared = ", ".join([*self.names, *self.amounts])
        return (f"with record {self.linked_to}: shares {shared}; {self.days_apart} day(s) apart;"
                f" score {self.score:.1f}")


def create_schema(index: IndexTables) -> None:
    """Create the story tables; on an index that already holds records they start incomplete
    (:func:`ensure_complete` assigns those records)."""
    db = index.db
    if index.get_meta(META_STATE) is not None:
        return
    with index.transaction():
        if index.get_meta(META_STATE) is not None:
            return  # another process made them meanwhile
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        has_records = db.execute("SELECT EXISTS (SELECT 1 FROM records)").fetchone()[0]
        index.set_meta(META_STATE, "incomplete" if has_records else "complete")


def publication_day(published: str | None) -> int | None:
    """The day number (proleptic ordinal) of an ISO 8601 publication date, None without one."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def assign(db: sqlite3.Connection, entry: IndexEntry, body: str) -> Link | None:
    """Put a record into a story (its earlier assignment is already forgotten: ``ArchiveIndex.add``
    deletes a record before adding it again); returns the link when it joined one."""
    found = mentions(entry.title, body)
    terms = sorted(found.terms())
    day = publication_day(entry.published)
    link = _best_link(db, terms, day, found.spellings) if day is not None else None
    story = entry.number
    if link is not None:
        story = db.execute("SELECT story FROM story_records WHERE number = ?", (link.linked_to,)).fetchone()[0]
    db.execute("INSERT INTO story_records(number, story, day, terms, linked_to, score, evidence)"
               " VALUES (?,?,?,?,?,?,?)",
               (entry.number, story, day, " ".join(terms), link.linked_to if link else None,
                link.score if link else None, json.dumps(link.to_json(), ensure_ascii=False) if link else None))
    if day is not None:
        db.executemany("INSERT OR IGNORE INTO story_terms(term, day, number) VALUES (?,?,?)",
                       [(term, day, entry.number) for term in terms])
    db.executemany("INSERT INTO story_term_counts(term, records) VALUES (?, 1)"
                   " ON CONFLICT(term) DO UPDATE SET records = records + 1", [(t,) for t in [_ALL, *terms]])
    db.execute("INSERT INTO stories(id, size, first_day, last_day) VALUES (?, 1, ?, ?) ON CONFLICT(id) DO UPDATE"
               " SET size = size + 1, first_day = MIN(COALESCE(first_day, excluded.first_day), excluded.first_day),"
               " last_day = MAX(COALESCE(last_day, excluded.last_day), excluded.last_day)", (story, day, day))
    return link


def _best_link(db: sqlite3.Connection, terms: list[str], day: int, spellings: dict[str, str]) -> Link | None:
    """The record within the window most like these terms (cosine of the rarity-weighted term sets,
    faded by the days between), if alike enough."""
    if not terms:
        return None
    weights = _weights(db, terms)
    lookup = sorted(terms, key=lambda t: -weights[t])[:LOOKUP_TERMS]
    marks = ",".join("?" * len(lookup))
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for term, other_day, number in db.execute(
            f"SELECT term, day, number FROM story_terms WHERE term IN ({marks}) AND day BETWEEN ? AND ?",
            (*lookup, day - WINDOW_DAYS, day + WINDOW_DAYS)):
        shared[(number, other_day)].append(term)
    ranked = sorted(((sum(weights[t] for t in common), key, common) for key, common in shared.items()
                     if len(common) >= MIN_SHARED), reverse=True)[:CANDIDATES]
    ranked = [(weight, key, common) for weight, key, common in ranked if weight >= MIN_SHARED_WEIGHT]
    if not ranked:
        return None
    their_terms = {number: found.split() for number, found in db.execute(
        f"SELECT number, terms FROM story_records WHERE number IN ({','.join('?' * len(ranked))})",
        [key[0] for _, key, _ in ranked])}
    weights |= _weights(db, sorted({t for found in their_terms.values() for t in found} - set(weights)))
    own = sum(weights[t] ** 2 for t in terms)
    best: Link | None = None
    for _, (number, other_day), _common in ranked:
        theirs = their_terms.get(number, [])
        common = sorted(set(theirs) & set(terms))
        apart = abs(day - other_day)
        alike = sum(weights[t] ** 2 for t in common) / math.sqrt(own * sum(weights[t] ** 2 for t in theirs) or 1.0)
        score = alike * DAILY_FADE ** apart
        if score >= JOIN_SCORE and (best is None or score > best.score):
            best = Link(number, round(score, 3),
                        names=sorted(spellings.get(t, t) for t in common if not t.startswith("#")),
                        amounts=sorted(t[1:] for t in common if t.startswith("#")), days_apart=apart)
    return best


def _weights(db: sqlite3.Connection, terms: list[str]) -> dict[str, float]:
    """Each term's weight: the log of its inverse record frequency (amounts weigh more)."""
    counts: dict[str, int] = {}
    for start in range(0, len(terms), 500):
        part = [_ALL, *terms[start:start + 500]]
        counts |= dict(db.execute(f"SELECT term, records FROM story_term_counts WHERE term IN"
                                  f" ({','.join('?' * len(part))})", part))
    total = max(counts.get(_ALL, 0), PRIOR_RECORDS)
    return {t: math.log((total + 1) / (counts.get(t, 0) + 1)) * (AMOUNT_WEIGHT if t.startswith("#") else 1.0)
            for t in terms}


def forget(db: sqlite3.Connection, number: int) -> None:
    """Take a record out of its story (the story keeps its id while it has records)."""
    row = db.execute("SELECT story, terms FROM story_records WHERE number = ?", (number,)).fetchone()
    if row is None:
        return
    story, terms = row
    db.execute("DELETE FROM story_records WHERE number = ?", (number,))
    db.execute("DELETE FROM story_terms WHERE number = ?", (number,))
    db.executemany("UPDATE story_term_counts SET records = records - 1 WHERE term = ?",
                   [(t,) for t in [_ALL, *terms.split()]])
    remaining = db.execute("SELECT COUNT(*), MIN(day), MAX(day) FROM story_records WHERE story = ?",
                           (story,)).fetchone()
    if remaining[0]:
        db.execute("UPDATE stories SET size = ?, first_day = ?, last_day = ? WHERE id = ?", (*remaining, story))
    else:
        db.execute("DELETE FROM stories WHERE id = ?", (story,))


def ensure_complete(index: IndexTables, records_dir: Path, batch: int = 500) -> int:
    """Assign the records an index made before stories holds (once, in number order); returns how many."""
    from newscrawl.archive.search import record_text

    if index.get_meta(META_STATE) != "incomplete":
        return 0
    missing = index.db.execute("SELECT number FROM records WHERE number NOT IN (SELECT number FROM story_records)"
                               " ORDER BY number").fetchall()
    for start in range(0, len(missing), batch):
        with index.transaction():
            for (number,) in missing[start:start + batch]:
                entry = index.entry(number)
                if entry is None:
                    continue
                title, body = record_text(records_dir, entry.name, entry.title)
                entry.title = title or entry.title
                assign(index.db, entry, body)
    index.set_meta(META_STATE, "complete")
    return len(missing)


# ---------------------------------------------------------------------------------------------
# Reading stories


@dataclass
class StoryRecord:
    """One record of a story, as the index has it."""

    number: int
    name: str
    outlet: str | None
    language: str | None
    published: str | None
    title: str | None
    link: Link | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["link"] = self.link.to_json() if self.link else None
        return data


@dataclass
class Story:
    """The records of one story, in publication order."""

    id: int
    first_day: str | None
    last_day: str | None
    records: list[StoryRecord]

    def to_json(self) -> dict[str, Any]:
        return {"story": self.id, "first_day": self.first_day, "last_day": self.last_day,
                "records": [r.to_json() for r in self.records]}


def _day_text(day: int | None) -> str | None:
    return date.fromordinal(day).isoformat() if day else None


def story_of(db: sqlite3.Connection, number: int) -> int | None:
    """The story of a record."""
    row = db.execute("SELECT story FROM story_records WHERE number = ?", (number,)).fetchone()
    return row[0] if row else None


def stories_of(db: sqlite3.Connection, numbers: Iterable[int]) -> dict[int, int]:
    """The story of each of these records (those assigned)."""
    numbers = list(numbers)
    if not numbers:
        return {}
    return dict(db.execute(f"SELECT number, story FROM story_records WHERE number IN ({','.join('?' * len(numbers))})",
                           numbers))


def load_story(db: sqlite3.Connection, story: int) -> Story | None:
    """A story with its records (None when there is none of this id)."""
    row = db.execute("SELECT first_day, last_day FROM stories WHERE id = ?", (story,)).fetchone()
    if row is None:
        return None
    records = []
    for number, name, outlet, language, published, title, evidence in db.execute(
            "SELECT r.number, r.name, r.outlet, r.language, r.published, r.title, s.evidence FROM story_records s"
            " JOIN records r ON r.number = s.number WHERE s.story = ? ORDER BY s.day, r.number", (story,)):
        link = Link(**json.loads(evidence)) if evidence else None
        records.append(StoryRecord(number, name, outlet, language, published, title, link))
    return Story(story, _day_text(row[0]), _day_text(row[1]), records)


def list_stories(db: sqlite3.Connection, *, since: date | None = None, outlet: str | None = None,
                 min_size: int = 1, limit: int = 50, offset: int = 0) -> list[Story]:
    """Stories newest first (by their last record's day; undated ones last): those with a record
    published on or after ``since``, with a record of ``outlet``, of at least ``min_size`` records."""
    clauses, params = ["size >= ?"], [min_size]
    if since is not None:
        clauses.append("last_day >= ?")
        params.append(since.toordinal())
    if outlet is not None:
        clauses.append("EXISTS (SELECT 1 FROM story_records s JOIN records r ON r.number = s.number"
                       " WHERE s.story = stories.id AND r.outlet = ?)")
        params.append(outlet)
    ids = [i for (i,) in db.execute(f"SELECT id FROM stories WHERE {' AND '.join(clauses)}"
                                    " ORDER BY last_day IS NULL, last_day DESC, id DESC LIMIT ? OFFSET ?",
                                    (*params, limit, offset))]
    return [story for i in ids if (story := load_story(db, i)) is not None]


def pairwise_quality(predicted: Mapping[Hashable, int], gold: Mapping[Hashable, str]) -> tuple[float, float]:
    """Precision and recall of a grouping over the pairs of items: a pair is found when both items
    share a predicted story, right when they share a gold one (items of ``gold`` only)."""
    items = [item for item in gold if item in predicted]
    found = right = both = 0
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            same_predicted, same_gold = predicted[a] == predicted[b], gold[a] == gold[b]
            found += same_predicted
            right += same_gold
            both += same_predicted and same_gold
    return (both / found if found else 1.0), (both / right if right else 1.0)
