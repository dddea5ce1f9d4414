"""Topics: an archive kept to a subject. A topic is a query in the search syntax
(``newscrawl.archive.search``: words found in their forms, ``"phrases"``, ``OR``, ``prefix*`` …)
that an article's title and body must match to be archived, e.g.::

    побратим* OR "sister cities" OR бауырлас OR "города-партнеры"

A topics file names topics, so that a crawl or a schedule job says ``twin-cities`` rather than the
query itself::

    [topics]
    twin-cities = 'побратим* OR "sister cities" OR бауырлас OR "города-партнеры"'

An article is matched exactly as a search of the archive would find it: the same tokenizer and
folding, in a one-row full-text table in memory.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from newscrawl.archive.search import FTS_TABLE, TOKENIZER, SearchQueryError, fold, fts_query

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_NAME = re.compile(r"[A-Za-z][\w.-]*")
#: what a topic's name looks like, as opposed to a query: ASCII words joined by ``-``, ``_`` or ``.``
#: (``twin-cities``); such a value must be a topic of the topics file
_TOPIC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+")


class TopicError(ValueError):
    """A topic that cannot be used: a query FTS5 cannot run, or an unreadable topics file."""


@dataclass(frozen=True)
class Topic:
    """A subject an archive is kept to: its query, and its name when it comes from a topics file."""

    query: str
    name: str | None = None

    @property
    def label(self) -> str:
        """How reports name it: its name, else its query."""
        return self.name or self.query


def load_topics(path: str | os.PathLike[str]) -> dict[str, str]:
    """The topics a file names (``[topics]`` table: name = query); {} when there is no such file."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TopicError(f"cannot read the topics file {path}: {exc}") from None
    topics = data.get("topics", {})
    if not isinstance(topics, dict) or not all(isinstance(q, str) for q in topics.values()):
        raise TopicError(f"{path}: [topics] must map names to queries (strings)")
    return dict(topics)


def resolve_topic(value: str | None, topics_file: str | os.PathLike[str] | None = None) -> Topic | None:
    """The topic a setting names: None when unset, a named topic of the topics file, else the value
    as a query. :class:`TopicError` when it cannot be used: a query that cannot be searched for, a
    value shaped like a name (``twin-cities``) that the topics file does not name, or a missing file."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    named = load_topics(topics_file) if topics_file else {}
    if value not in named and _TOPIC_NAME.fullmatch(value):
        if topics_file and not Path(topics_file).is_file():
            raise TopicError(f"ARCHIVE_TOPIC {value!r}: no topics file {topics_file} to name it"
                             " (ARCHIVE_TOPICS_FILE); give a query or a topics file")
        raise TopicError(f"ARCHIVE_TOPIC {value!r}: no topic of that name in {topics_file or 'the topics file'}"
                         f" (it names {', '.join(sorted(named)) or 'none'})")
    topic = Topic(named[value], value) if value in named else Topic(value)
    try:
        fts_query(topic.query)
        TopicMatcher(topic).close()  # a query FTS5 refuses fails here, not at the first article
    except (SearchQueryError, TopicError) as exc:
        hint = ""
        if _NAME.fullmatch(value) and topics_file and value not in named:
            hint = f" (and no topic of that name in {topics_file}: {', '.join(sorted(named)) or 'none'})"
        raise TopicError(f"ARCHIVE_TOPIC {value!r}: {exc}{hint}") from None
    return topic


class TopicMatcher:
    """Whether a text is on a topic, as a search would find it (one in-memory full-text row)."""

    def __init__(self, topic: Topic):
        self.topic = topic
        self.match = fts_query(topic.query)
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, tokenize = '{TOKENIZER}')")
        try:
            self.matches("", "")
        except sqlite3.OperationalError as exc:
            self.db.close()
            raise TopicError(f"cannot search for {topic.query!r}: {exc}") from None

    def matches(self, title: str | None, body: str | None) -> bool:
        """Whether the title and body match the topic's query."""
        with self.db:
            self.db.execute(f"DELETE FROM {FTS_TABLE}")
            self.db.execute(f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (1, ?, ?)",
                            (fold(title or ""), fold(body or "")))
            found = self.db.execute(f"SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (self.match,)).fetchone()
        return found is not None

    def close(self) -> None:
        self.db.close()
