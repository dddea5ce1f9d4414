"""``newscrawl archive export``: one row per record, with the reader's fields and the index's tags,
as JSON lines, CSV or Parquet, streamed (memory stays flat however many records there are)."""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from newscrawl.archive import Archive
from newscrawl.archive.records import read_record
from newscrawl.archive.search import FTS_TABLE, NUMBER_MASK, SearchFilters, execute_match, fts_query

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
#: what the record reader gives, then the tags only the index holds
READER_FIELDS = ("number", "name", "hash", "layout", "title", "published", "author", "url", "body")
INDEX_FIELDS = ("outlet", "edition", "language", "canonical_url", "fetched_at", "month", "legacy")
FIELDS = READER_FIELDS + INDEX_FIELDS
#: Parquet rows written at once (one row group): a few megabytes of text
PARQUET_BATCH = 4096


@dataclass
class ExportReport:
    """What an export wrote, and the indexed records whose file could not be read."""

    rows: int = 0
    unreadable: int = 0


def export_rows(archive: Archive, filters: SearchFilters | None = None, query: str | None = None
                ) -> Iterator[dict[str, Any]]:
    """The rows of the records matching ``filters`` (and ``query``, a search as for ``archive search``),
    in record order, each read from its file; a record whose file is gone is logged and left out."""
    clauses, params = (filters or SearchFilters()).where("r")
    columns = "r.number, r.name, r.outlet, r.edition, r.language, r.canonical_url, r.fetched_at, r.month, r.legacy"
    if query is not None:
        sql = (f"SELECT {columns} FROM records r WHERE r.number IN"
               f" (SELECT rowid & {NUMBER_MASK} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)"
               f"{''.join(' AND ' + c for c in clauses)} ORDER BY r.number")
        params = [fts_query(query), *params]
        rows = execute_match(archive.index.db, query, sql, params)
    else:
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = archive.index.db.execute(f"SELECT {columns} FROM records r{where} ORDER BY r.number", params)
    for number, name, outlet, edition, language, canonical_url, fetched_at, month, legacy in rows:
        try:
            record = read_record(archive.folder.path(name))
        except OSError as exc:
            logger.warning("record %s is indexed but cannot be read, left out: %s", name, exc)
            yield {"number": number, "name": name, "unreadable": True}
            continue
        yield {
            "number": number, "name": name, "hash": record.hash, "layout": record.layout, "title": record.title,
            "published": record.published.isoformat() if record.published is not None else None,
            "author": record.author, "url": record.url, "body": record.body,
            "outlet": outlet, "edition": edition, "language": language, "canonical_url": canonical_url,
            "fetched_at": fetched_at, "month": month, "legacy": bool(legacy),
        }


def export(archive: Archive, fmt: str, output: str | os.PathLike[str] | None, filters: SearchFilters | None = None,
           query: str | None = None) -> ExportReport:
    """Write the rows to ``output`` (None: standard output; Parquet needs a file). A file appears whole:
    it is written beside its name and renamed when complete."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "parquet" and output is None:
        raise ValueError("Parquet goes to a file: give -o FILE")
    writer_class = {"jsonl": JsonLinesWriter, "csv": CsvWriter, "parquet": ParquetWriter}[fmt]
    writer_class.check_available()
    report = ExportReport()
    rows = export_rows(archive, filters, query)
    if output is None:
        _write_all(writer_class(sys.stdout), rows, report)
        return report
    target = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb" if fmt == "parquet" else "w", **({} if fmt == "parquet" else
                                                                   {"encoding": "utf-8", "newline": ""})) as fh:
            _write_all(writer_class(fh), rows, report)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return report


def _write_all(writer: _Writer, rows: Iterator[dict[str, Any]], report: ExportReport) -> None:
    for row in rows:
        if row.get("unreadable"):
            report.unreadable += 1
            continue
        writer.write(row)
        report.rows += 1
    writer.close()


class _Writer:
    """Writes rows of :data:`FIELDS` to an open file."""

    def __init__(self, fh: IO[Any]):
        self.fh = fh

    @classmethod
    def check_available(cls) -> None:
        """Raise ``RuntimeError`` when a library the format needs is not installed."""

    def write(self, row: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Write what is left (the file itself is closed by the caller)."""
        self.fh.flush()


class JsonLinesWriter(_Writer):
    """One JSON object per line."""

    def write(self, row: dict[str, Any]) -> None:
        self.fh.write(json.dumps(row, ensure_ascii=False) + "\n")


class CsvWriter(_Writer):
    """CSV with a header row (RFC 4180 quoting: bodies keep their line breaks inside quotes)."""

    def __init__(self, fh: IO[str]):
        super().__init__(fh)
        self.writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\r\n")
        self.writer.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        self.writer.writerow(row)


class ParquetWriter(_Writer):
    """Parquet (zstd), one row group per :data:`PARQUET_BATCH` rows, through pyarrow."""

    @classmethod
    def check_available(cls) -> None:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise RuntimeError("Parquet needs pyarrow: pip install 'newscrawl[parquet]'") from None

    def __init__(self, fh: IO[bytes]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(fh)
        types = {"number": pa.int64(), "legacy": pa.bool_()}
        self.schema = pa.schema([(name, types.get(name, pa.string())) for name in FIELDS])
        self.writer = pq.ParquetWriter(fh, self.schema, compression="zstd")
        self.batch: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self.batch.append(row)
        if len(self.batch) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.batch:
            self.writer.write_batch(pa.RecordBatch.from_pylist(self.batch, schema=self.schema))
            self.batch = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
