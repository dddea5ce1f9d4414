"""The item every spider yields: one news article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from newscrawl.dedupe.signatures import TextKeys


@dataclass
class Article:
    """An article as it travels through the pipelines.

    The reader (``newscrawl.reading``) fills it from a page, publication time and language included;
    the pipelines check for duplicates, count what they see and archive it. ``date_candidates`` and
    ``visible_dates`` remain for articles made elsewhere, which the date pipeline dates itself.
    """

    url: str
    outlet: str
    canonical_url: str | None = None
    edition: str | None = None
    title: str | None = None
    author: str | None = None
    #: an aware time, or a day when the page gives only that
    published: datetime | date | None = None
    language: str | None = None
    body: str = ""
    lead: str | None = None
    tags: list[str] = field(default_factory=list)
    fetched_at: datetime | None = None
    #: machine-readable date candidates ``(source, raw value)``, best first
    date_candidates: list[tuple[str, str]] = field(default_factory=list)
    #: visible date strings as printed on the page, best first
    visible_dates: list[str] = field(default_factory=list)
    #: the outlet's time zone (IANA name) for dates without an offset
    timezone: str | None = None
    #: the edition's language, a prior for language detection
    language_hint: str | None = None
    #: where each field came from (``"selector"``, ``"jsonld"``, ``"meta"``, ``"trafilatura"`` …)
    sources: dict[str, str] = field(default_factory=dict)
    #: other URLs that led to this article (redirect sources): indexed with it, so they are not fetched again
    aliases: list[str] = field(default_factory=list)
    #: set by the pipelines: published date source, archive record name, duplicate of
    published_source: str | None = None
    record: str | None = None
    #: the outlet page layout the page matched (None: none did, or the article was not read from a page)
    layout: str | None = None
    #: the fingerprints and signature the extraction worker made of title and body, for the duplicate
    #: checks (an attribute, not a field: never exported or archived; see ``TextKeys.belongs_to``)
    text_keys: ClassVar[TextKeys | None] = None
    #: the time a listing, feed or sitemap gave the article (an attribute, not a field): what keeps the
    #: crawl's watermark below it when it cannot be archived
    listed: ClassVar[datetime | None] = None

    @property
    def paragraphs(self) -> list[str]:
        """The body as a list of non-empty paragraphs."""
        return [p.strip() for p in self.body.split("\n") if p.strip()]
