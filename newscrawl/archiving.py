"""Putting articles into the archive: each record rendered in the user's format, and what the index
holds of it worked out here (URL keys by the outlets' rules, content fingerprints, the reprint
signature, outlet, edition and language, the text for full-text search), so that the archive itself only stores.

:class:`Archiver` is what crawls, ``archive rebuild`` and ``archive import`` write through; it also
tells the archive how to describe a record it finds in the folder (a legacy record of the user's
corpus, or one a killed crawl wrote before indexing it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newscrawl import settings
from newscrawl.archive import (
    Archive,
    ArchiveFolder,
    DuplicateRecord,
    ReconcileReport,
    RecordFacts,
    StoredSignature,
)
from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archive.records import Record, render_article, url_hash
from newscrawl.dedupe.fingerprints import body_fingerprints
from newscrawl.dedupe.neardup import SCHEME, article_signature, ensure_scheme, find_near_duplicate
from newscrawl.dedupe.signatures import Signature, article_fingerprints
from newscrawl.extract.language import detect_language
from newscrawl.items import Article
from newscrawl.outlets import article_keys, get_outlet, outlet_for_url

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: the layouts new records are written in
WRITABLE_LAYOUTS = ("markdown", "dated")


def stored_signature(signature: Signature | None) -> StoredSignature:
    """A signature as the index keeps it (a text too short to sign is remembered as such)."""
    if signature is None:
        return StoredSignature(0, None)
    return StoredSignature(signature.size, signature.to_bytes(), tuple(SCHEME.band_keys(signature)))


def describe_record(record: Record, name: str) -> RecordFacts:
    """What the index holds of a record found in the folder: its outlet by its URL's host, its language
    from its text, keys, fingerprints and signature; legacy unless newscrawl wrote it (its hash is that
    of its URL)."""
    outlet = outlet_for_url(record.url) if record.url else None
    written_by_us = bool(record.url and record.hash == url_hash(record.url))
    return RecordFacts(
        layout=record.layout, hash=record.hash, outlet=outlet.name if outlet else None,
        edition=outlet.edition_of(record.url) if outlet and record.url else None,
        language=detect_language(f"{record.title or ''}\n{record.body}"), url=record.url,
        canonical_url=record.url, title=record.title,
        published=record.published.isoformat() if record.published else None, legacy=not written_by_us,
        keys=frozenset(article_keys(record.url)), fingerprints=record_fingerprints(record),
        signature=stored_signature(article_signature(record.title, record.body)), body=record.body,
    )


def record_fingerprints(record: Record) -> frozenset[str]:
    """The content fingerprints of a record of any layout."""
    return body_fingerprints(record.title, record.body)


class Archiver:
    """Writes articles into an archive as records in ``layout`` (``markdown`` or ``dated``)."""

    def __init__(self, archive: Archive, layout: str = "markdown",
                 reprint_threshold: float | None = settings.REPRINT_THRESHOLD):
        if layout not in WRITABLE_LAYOUTS:
            raise ValueError(f"ARCHIVE_LAYOUT must be one of {', '.join(WRITABLE_LAYOUTS)}, not {layout!r}")
        self.archive = archive
        self.layout = layout
        #: from which similarity a text is a reprint of a record (None: only exact duplicates are refused)
        self.reprint_threshold = reprint_threshold
        ensure_scheme(archive.index)

    @classmethod
    def open(cls, root: str | os.PathLike[str], layout: str = "markdown",
             index_path: str | os.PathLike[str] | None = None, fsync: bool = True,
             reprint_threshold: float | None = settings.REPRINT_THRESHOLD) -> Archiver:
        """The archiver of the archive in ``root`` (not reconciled: see ``Archive.reconcile``)."""
        return cls(Archive(root, index_path, fsync, describe=describe_record), layout, reprint_threshold)

    @classmethod
    def from_settings(cls, crawl_settings: BaseSettings) -> Archiver:
        """The archiver of the archive the settings name (``ARCHIVE_DIR``, ``ARCHIVE_LAYOUT``,
        ``ARCHIVE_INDEX``, ``ARCHIVE_FSYNC``, ``REPRINT_THRESHOLD``)."""
        return cls.open(crawl_settings.get("ARCHIVE_DIR"), crawl_settings.get("ARCHIVE_LAYOUT"),
                        crawl_settings.get("ARCHIVE_INDEX") or None, crawl_settings.getbool("ARCHIVE_FSYNC"),
                        crawl_settings.getfloat("REPRINT_THRESHOLD"))

    # -- the archive's own, for callers that hold the archiver
    @property
    def index(self) -> ArchiveIndex:
        return self.archive.index

    @property
    def folder(self) -> ArchiveFolder:
        return self.archive.folder

    @property
    def root(self) -> Path:
        return self.archive.root

    def reconcile(self) -> ReconcileReport:
        return self.archive.reconcile()

    def read(self, name: str) -> Record:
        return self.archive.read(name)

    def stats(self) -> dict[str, Any]:
        return self.archive.stats()

    def close(self) -> None:
        self.archive.close()

    # -- writing
    def add(self, article: Article) -> IndexEntry:
        """Write an article as a new record and index it; returns its index entry."""
        result = self.add_many([article])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def add_many(self, articles: Sequence[Article]) -> list[IndexEntry | Exception]:
        """Write articles as new records, numbered in their order, and index them in one commit; returns
        the index entry of each, or in its place the error that kept it from being written (an article
        that cannot be rendered fails alone)."""
        results: dict[int, IndexEntry | Exception] = {}
        rendered: list[tuple[int, tuple[str, RecordFacts]]] = []
        for position, article in enumerate(articles):
            try:
                rendered.append((position, self.record_of(article)))
            except Exception as exc:  # one bad article never keeps the others out
                results[position] = exc
        entries = self.archive.add_many([record for _, record in rendered], admit=self.admit)
        for (position, _), entry in zip(rendered, entries, strict=True):
            results[position] = entry
        return [results[i] for i in range(len(articles))]

    def admit(self, facts: RecordFacts) -> DuplicateRecord | None:
        """Whether a record may be written, decided against the committed index under the folder's
        lock: not when a record is known under one of its URL keys, has its text, or (with a reprint
        threshold) a text it reprints."""
        index = self.archive.index
        if (number := index.find_url(facts.keys)) is not None:
            return DuplicateRecord("url", number)
        if (number := index.find_fingerprint(facts.fingerprints)) is not None:
            return DuplicateRecord("body", number)
        signature = facts.signature
        if self.reprint_threshold is not None and signature is not None and signature.blob is not None:
            match = find_near_duplicate(index, Signature.from_bytes(signature.blob, signature.size),
                                        self.reprint_threshold)
            if match is not None:
                return DuplicateRecord("reprint", match.number, round(match.similarity, 4))
        return None

    def record_of(self, article: Article, layout: str | None = None,
                  url: str | None = None) -> tuple[str, RecordFacts]:
        """An article's record text and what the index holds of it (``layout``/``url``: those of the
        record it replaces)."""
        url = url or article.canonical_url or article.url
        layout = layout or self.layout
        if layout == "dated" and not article.published:
            layout = "markdown"  # a dated record cannot be without its date
        outlet = get_outlet(article.outlet)
        text = render_article(layout, title=article.title, published=article.published, author=article.author,
                              url=url, outlet_name=outlet.short_name if outlet else article.outlet,
                              paragraphs=article.paragraphs)
        facts = RecordFacts(
            layout=layout, hash=url_hash(url), outlet=article.outlet, edition=article.edition,
            language=article.language, url=url, canonical_url=article.canonical_url, title=article.title,
            published=article.published.isoformat() if article.published else None,
            fetched_at=(article.fetched_at or datetime.now(timezone.utc)).isoformat(),
            keys=frozenset(article_keys(article.url, article.canonical_url, article.aliases) | article_keys(url)),
            fingerprints=article_fingerprints(article.title, article.body, article.text_keys),
            signature=stored_signature(article_signature(article.title, article.body, article.text_keys)),
            body="\n\n".join(article.paragraphs),
        )
        return text, facts

    def rewrite(self, number: int, article: Article) -> str | None:
        """Render an article again over record ``number`` (same number, name, hash, URL and layout) and
        index it afresh, signature included; returns the name when the text changed, None when it did
        not or the record is legacy (the user's own records are never rewritten)."""
        entry = self.index.entry(number)
        if entry is None or entry.legacy:
            return None
        if entry.layout == "dated" and not article.published:
            return None  # a dated record cannot lose its date
        text, facts = self.record_of(article, entry.layout, entry.url)
        if self.archive.folder.path(entry.name).read_text(encoding="utf-8") == text:
            return None
        facts.hash = entry.hash
        self.archive.rewrite(number, text, facts)
        return entry.name
