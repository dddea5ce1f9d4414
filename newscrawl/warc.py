"""WARC files of fetched responses (warcio): writing them, and finding a response in them again.

Each exchange is stored as a ``response`` record followed by its ``request`` record
(``WARC-Concurrent-To`` links them), so POST requests with different bodies (JSON APIs) are told
apart on replay. Bodies are stored as the crawler saw them: decoded, without transfer or content
encoding.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

#: headers that describe the transfer, not the (decoded) body a WARC record holds
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
WARC_SUFFIXES = (".warc", ".warc.gz")
#: WARC header of a response record that answered a spider's article request
ARTICLE_HEADER = "Newscrawl-Article"
#: WARC header of a page kept because no layout of its outlet matched it: the reason
DRIFT_HEADER = "Newscrawl-Drift-Reason"


def exchange_key(method: str, url: str, body: bytes | None = None) -> str:
    """The key under which a request's response is found: method, canonical URL, body digest."""
    method = (method or "GET").upper()
    digest = hashlib.sha1(body).hexdigest() if body and method != "GET" else ""
    return f"{method} {canonicalize_url(url, keep_fragments=False)} {digest}"


@dataclass
class StoredResponse:
    """A response read back from a WARC file."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: whether the response answered an article request of a crawl (raw archive)
    article: bool = False


def _http_date(when: datetime | None) -> str:
    when = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_exchange(writer: WARCWriter, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes,
                   *, method: str = "GET", request_headers: Iterable[tuple[str, str]] = (),
                   request_body: bytes = b"", reason: str = "", fetched: datetime | None = None,
                   warc_headers: dict[str, str] | None = None) -> None:
    """Append one exchange (response, then its request) to a WARC; ``warc_headers`` are added to the
    response record's WARC headers."""
    kept = [(k, v) for k, v in headers if k.lower() not in TRANSFER_HEADERS]
    kept.append(("Content-Length", str(len(body))))
    http = StatusAndHeaders(f"{status} {reason or 'OK'}", kept, protocol="HTTP/1.1")
    warc_date = _http_date(fetched)
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                         warc_headers_dict={"WARC-Date": warc_date, **(warc_headers or {})})
    writer.write_record(response)
    path = url.split("//", 1)[-1].split("/", 1)
    target = "/" + (path[1] if len(path) > 1 else "")
    req_http = StatusAndHeaders(f"{method.upper()} {target} HTTP/1.1", list(request_headers),
                                is_http_request=True)
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(request_body), http_headers=req_http,
        warc_headers_dict={"WARC-Date": warc_date,
                           "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")})
    writer.write_record(request)


def _complete(record: ArcWarcRecord) -> bool:
    """Whether a record's block is all there (reads it): a crawl killed while writing leaves the
    last record of a file shorter than its declared length."""
    record.content_stream().read()
    return not getattr(record.raw_stream, "limit", 0)


def warc_files(path: str | os.PathLike[str]) -> list[Path]:
    """The WARC files at a path: the file itself, or every WARC under a folder (sorted)."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"no WARC file or folder at {root}")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))


class WarcLookup:
    """Finds stored responses by request; reads the WARC files' records lazily by offset.

    When one URL was stored several times, the last exchange wins (the newest fetch).
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.files = warc_files(path)
        self._where: dict[str, tuple[Path, int]] = {}
        self._lock = threading.Lock()
        for file in self.files:
            self._index(file)

    def __len__(self) -> int:
        return len(self._where)

    def _index(self, file: Path) -> None:
        responses: dict[str, tuple[str, int]] = {}
        requests: dict[str, tuple[str, bytes]] = {}
        with open(file, "rb") as fh:
            records = ArchiveIterator(fh)
            rid = None
            try:
                for record in records:
                    rid = record.rec_headers.get_header("WARC-Record-ID")
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    if record.rec_type == "response" and url:
                        responses[rid] = (url, records.get_record_offset())
                        if not _complete(record):
                            raise EOFError("record cut short")
                    elif record.rec_type == "request":
                        method = record.http_headers.protocol if record.http_headers else "GET"
                        body = record.content_stream().read()
                        to = record.rec_headers.get_header("WARC-Concurrent-To")
                        if to:
                            requests[to] = (method, body)
            except Exception as exc:  # a file cut short by a killed crawl: what precedes the cut is kept
                logger.warning("WARC %s is cut short (%s): read %d responses before it", file,
                               type(exc).__name__, len(responses))
                responses.pop(rid, None)  # the record the cut fell into
        for rid, (url, offset) in responses.items():
            method, body = requests.get(rid, ("GET", b""))
            self._where[exchange_key(method, url, body)] = (file, offset)

    def keys(self) -> Iterator[str]:
        """Every stored exchange's key."""
        return iter(self._where)

    def find(self, method: str, url: str, body: bytes | None = None) -> StoredResponse | None:
        """The stored response to a request, or None."""
        where = self._where.get(exchange_key(method, url, body))
        return self._read(*where) if where else None

    def iter_responses(self) -> Iterator[StoredResponse]:
        """Every stored response (for re-extraction)."""
        for file, offset in list(self._where.values()):
            yield self._read(file, offset)

    def _read(self, file: Path, offset: int) -> StoredResponse:
        with self._lock, open(file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            return StoredResponse(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(record.http_headers.get_statuscode() or 200),
                headers=[(k, v) for k, v in record.http_headers.headers if k.lower() not in TRANSFER_HEADERS],
                body=record.content_stream().read(),
                article=record.rec_headers.get_header(ARTICLE_HEADER) == "yes")


def response_count(path: str | os.PathLike[str]) -> int:
    """How many response records the WARC files at a path hold (0 when there are none)."""
    try:
        files = warc_files(path)
    except FileNotFoundError:
        return 0
    count = 0
    for file in files:
        with open(file, "rb") as fh:
            try:
                count += sum(record.rec_type == "response" for record in ArchiveIterator(fh))
            except Exception:  # a file cut short: what precedes the cut counts
                logger.warning("WARC %s is cut short", file)
    return count
