"""The raw archive: every response a crawl fetches, kept in WARC files beside the records.

With ``RAW_ARCHIVE_DIR`` set (a server installation sets it through ``NEWSCRAWL_RAW_ARCHIVE_DIR``),
each response is appended to a gzipped WARC file there (warcio; see ``newscrawl.warc``), and a file
that reaches ``RAW_ARCHIVE_MAX_BYTES`` is closed and the next one begun. Responses answered from
``REPLAY`` are not written again unless ``RAW_ARCHIVE_REPLAYED`` is set (``newscrawl check --save``
keeps what a replayed check read); the 404s replay makes up for requests it has no answer for never are.
The files can answer a later crawl (``-s REPLAY=DIR``) through
fixed parsers, and ``newscrawl archive rebuild`` re-extracts records from them.

Two downloader middlewares share one writer: ``RawArchiveMiddleware`` sits just below
``HttpCompressionMiddleware`` and so sees bodies decoded (a WARC record here holds the body as the
crawler read it); ``RawArchiveRedirectMiddleware`` sits above ``RedirectMiddleware``, which would
otherwise turn a redirect into a new request before it is written, so that replay follows the
same redirect chains.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.warcwriter import WARCWriter

from newscrawl import settings
from newscrawl.stats import RAW_WRITE_ERRORS, count_write_failure
from newscrawl.warc import ARTICLE_HEADER, write_exchange

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as ``(name, value)`` text pairs, one per value."""
    return [(key.decode("latin-1"), value.decode("latin-1"))
            for key, values in headers.items() for value in values]


class RawArchiveWriter:
    """Appends exchanges to WARC files ``<name>-<UTC time>-<pid>-<NNNNN>.warc.gz`` in a folder,
    starting a new file when the current one reaches ``max_bytes``. Each exchange is flushed, so a
    crawl killed at any moment leaves every earlier exchange readable (at most the last one cut)."""

    def __init__(self, folder: str | os.PathLike[str], name: str = "crawl",
                 max_bytes: int = settings.RAW_ARCHIVE_MAX_BYTES):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = _UNSAFE.sub("_", name) or "crawl"
        self.max_bytes = max_bytes
        self.started = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.sequence = 0
        self.files: list[Path] = []
        self.exchanges = 0
        self._fh: IO[bytes] | None = None
        self._writer: WARCWriter | None = None

    def _open_next(self) -> None:
        self.close()
        self.sequence += 1
        path = self.folder / f"{self.name}-{self.started}-{os.getpid()}-{self.sequence:05d}.warc.gz"
        self._fh = open(path, "ab")  # noqa: SIM115 - held open across many writes, closed in close()
        self._writer = WARCWriter(self._fh, gzip=True)
        self.files.append(path)

    def write(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes, *, method: str = "GET",
              request_headers: list[tuple[str, str]] = (), request_body: bytes = b"", article: bool = False,
              warc_headers: dict[str, str] | None = None) -> None:
        """Append one exchange (``warc_headers`` added to its response record's); rotate first when the
        current file is full."""
        if self._fh is None or self._fh.tell() >= self.max_bytes:
            self._open_next()
        assert self._writer is not None and self._fh is not None
        write_exchange(self._writer, url, status, headers, body, method=method, request_headers=request_headers,
                       request_body=request_body,
                       warc_headers={**({ARTICLE_HEADER: "yes"} if article else {}), **(warc_headers or {})})
        self._fh.flush()
        self.exchanges += 1

    def close(self) -> None:
        """Close the current file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = self._writer = None


class RawArchive:
    """The crawl's raw archive (``RAW_ARCHIVE_DIR``, ``RAW_ARCHIVE_MAX_BYTES``): one writer, shared by
    the two middlewares below, closed with the crawl. An extension, off when ``RAW_ARCHIVE_DIR`` is unset."""

    def __init__(self, writer: RawArchiveWriter):
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawArchive:
        folder = crawler.settings.get("RAW_ARCHIVE_DIR")
        if not folder:
            raise NotConfigured  # RAW_ARCHIVE_DIR is not set: no raw archive
        name = crawler.spidercls.name if crawler.spidercls is not None else "crawl"
        writer = RawArchiveWriter(folder, name, crawler.settings.getint("RAW_ARCHIVE_MAX_BYTES"))
        crawler.signals.connect(writer.close, signal=signals.spider_closed)
        logger.info("raw archive: writing fetched responses to %s", writer.folder)
        return cls(writer)


class RawArchiveMiddleware:
    """Writes every fetched response (not 3xx: see ``RawArchiveRedirectMiddleware``) to the raw archive."""

    def __init__(self, crawler: Crawler, writer: RawArchiveWriter):
        self.stats = crawler.stats
        self.writer = writer
        self.keep_replayed = crawler.settings.getbool("RAW_ARCHIVE_REPLAYED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawArchiveMiddleware:
        raw = crawler.get_extension(RawArchive)
        if raw is None:
            raise NotConfigured  # RAW_ARCHIVE_DIR is not set: no raw archive
        return cls(crawler, raw.writer)

    def wanted(self, response: Response) -> bool:
        """Whether this middleware writes the response."""
        return not (300 <= response.status < 400 and "Location" in response.headers)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        replayed = "replay" in response.flags and not self.keep_replayed
        if replayed or "replay-missing" in response.flags or not self.wanted(response):
            return response
        try:
            self.writer.write(response.url, response.status, header_pairs(response.headers), response.body,
                              method=request.method, request_headers=header_pairs(request.headers),
                              request_body=request.body,
                              article=bool(request.meta.get("newscrawl_article")) and response.status == 200)
        except OSError as exc:  # the crawl goes on (the records matter more); the health check alerts
            why = count_write_failure(self.stats, RAW_WRITE_ERRORS, exc)
            logger.error("raw archive: cannot write %s: %s", response.url, why)
            return response
        self.stats.inc_value("newscrawl/raw_archive/responses")
        return response


class RawArchiveRedirectMiddleware(RawArchiveMiddleware):
    """Writes redirects (3xx with a Location) to the raw archive before they are followed."""

    def wanted(self, response: Response) -> bool:
        return not super().wanted(response)
