"""What the index holds of one record (``RecordFields``, ``IndexEntry``), and what the index's own tables of full text
and stories need of it (``IndexTables``): here, below the index, so that those modules need not import it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class RecordFields:
    """What the index holds of a record besides its number and file name."""

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


@dataclass
class IndexEntry(RecordFields):
    """What the index holds of one record: its number (its id in the index) and file name too."""

    number: int = field(kw_only=True)
    name: str = field(kw_only=True)

    @property
    def month(self) -> str | None:
        """``YYYY-MM`` of the publication date."""
        return self.published[:7] if self.published else None


class IndexTables(Protocol):
    """The index as the full-text and story tables use it (``ArchiveIndex`` is one)."""

    db: sqlite3.Connection

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def transaction(self) -> sqlite3.Connection: ...

    def entry(self, number: int) -> IndexEntry | None: ...
