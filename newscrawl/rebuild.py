"""``newscrawl archive rebuild``: records re-extracted from the raw archive (WARC files).

What rebuild does, for every article response the raw archive holds (status 200, written for an
article request of a crawl; the newest fetch of a URL wins):

1. the page is read again with the current code, by the one reader a crawl uses
   (``newscrawl.reading``: the same gates, fields, outlet rules and dates); pages that are binary,
   empty, cut short or no article are skipped and counted;
2. an article the archive lacks (by URL keys, then by body fingerprint) is added as a new record,
   exactly as a crawl would add it;
3. with ``rewrite``, an article the archive already holds as a record newscrawl wrote is rendered
   again and replaces that record atomically (``Archiver.rewrite``: number, hash, name and layout
   kept, index entry and signature made afresh); legacy records (the user's own) are never
   rewritten. Without ``rewrite`` existing records are left alone;
4. with a ``topic`` (``--topic``, or the project's ``ARCHIVE_TOPIC``), an article off it that the
   archive lacks is not added, and is counted (``off_topic``): a crawl kept to a narrow topic left
   the others in the raw archive, and a rebuild with a wider topic brings them in.

What only a crawl knows of a page (the time a listing gave it, the dates an API gave) is not in
the raw archive: to re-run whole spiders over it, crawl with ``-s REPLAY=DIR``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from newscrawl.archive import DuplicateRecord
from newscrawl.archive.topics import TopicMatcher
from newscrawl.archiving import Archiver
from newscrawl.dedupe.fingerprints import body_fingerprints
from newscrawl.extract.fields import PageFields
from newscrawl.items import Article
from newscrawl.outlets import article_keys
from newscrawl.reading import FetchedPage, PageReader, Skip, outlet_of
from newscrawl.spiders.workers import extract_in_worker, resolve_processes
from newscrawl.warc import StoredResponse, WarcLookup

logger = logging.getLogger(__name__)


@dataclass
class RebuildReport:
    """What a rebuild did."""

    responses: int = 0
    articles: int = 0
    added: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    unchanged: int = 0
    present: int = 0
    duplicates: int = 0
    off_topic: int = 0
    topic: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def stored_articles(raw: str | os.PathLike[str]) -> Iterator[StoredResponse]:
    """The article responses of a raw archive (status 200, fetched for an article request)."""
    for stored in WarcLookup(raw).iter_responses():
        if stored.article and stored.status == 200:
            yield stored


def content_type(stored: StoredResponse) -> str | None:
    """The Content-Type header of a stored response."""
    return next((v for k, v in stored.headers if k.lower() == "content-type"), None)


def fetched_page(stored: StoredResponse) -> FetchedPage:
    """What the reader is told of a stored response."""
    return FetchedPage(url=stored.url, body=stored.body, content_type=content_type(stored))


def _extract(stored: StoredResponse, timezone_name: str, timeout: float) -> PageFields | Skip:
    """The fields of a stored page (in a worker process), or why it has none."""
    outlet = outlet_of(stored.url, timezone_name)
    page = fetched_page(stored)
    html = PageReader(outlet).html(page)
    if isinstance(html, Skip):
        return html
    # a site without a module gets the generic extraction
    return extract_in_worker(html, stored.url, None if outlet.generic else outlet.name, timeout,
                             outlet.language_of(outlet.edition_of(stored.url)))


def rebuild(archiver: Archiver, raw: str | os.PathLike[str], *, rewrite: bool = False, timezone_name: str = "UTC",
            processes: int = -1, timeout: float = 60.0, progress: Callable[[int], Any] | None = None,
            topic: TopicMatcher | None = None) -> RebuildReport:
    """Re-extract the raw archive's articles into the archive (see the module's description);
    ``progress`` is told of each page done; with ``topic``, only articles on it are added."""
    report = RebuildReport(topic=topic.topic.label if topic else None)
    pages = list(stored_articles(raw))
    report.responses = len(pages)
    workers = resolve_processes(processes)
    pool = ProcessPoolExecutor(workers) if workers > 1 and len(pages) > 1 else None
    try:
        zones, limits = [timezone_name] * len(pages), [timeout] * len(pages)
        results = (pool.map(_extract, pages, zones, limits, chunksize=8) if pool
                   else (_extract(p, timezone_name, timeout) for p in pages))
        for stored, fields in zip(pages, results, strict=True):
            if progress is not None:
                progress(1)
            article = PageReader(outlet_of(stored.url, timezone_name)).article(fetched_page(stored), fields)
            if isinstance(article, Skip):
                report.skip(article.reason)
                continue
            report.articles += 1
            apply_article(archiver, article, report, rewrite=rewrite, topic=topic)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return report


def apply_article(archiver: Archiver, article: Article, report: RebuildReport, *, rewrite: bool,
                  topic: TopicMatcher | None = None) -> None:
    """Add a re-extracted article (when on the topic), or rewrite (or leave) the record that holds it."""
    number = archiver.index.find_url(article_keys(article.url, article.canonical_url))
    if number is None and topic is not None and not topic.matches(article.title, article.body):
        report.off_topic += 1
        return
    if number is None:
        if archiver.index.find_fingerprint(body_fingerprints(article.title, article.body)) is not None:
            report.duplicates += 1
            return
        try:
            report.added.append(archiver.add(article).name)
        except DuplicateRecord as found:  # a reprint, or archived by a crawl since the check above
            logger.info("%s: duplicate (%s) of record %d, not added", article.url, found.kind, found.number)
            report.duplicates += 1
    elif rewrite:
        name = archiver.rewrite(number, article)
        if name:
            report.rewritten.append(name)
        else:
            report.unchanged += 1
    else:
        report.present += 1
