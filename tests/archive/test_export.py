"""Exports: the reader's fields and the index's tags per record, as JSON lines, CSV and Parquet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from newscrawl.archive.export import FIELDS, export
from newscrawl.archive.search import SearchFilters
from newscrawl.archiving import Archiver
from newscrawl.items import Article

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def archive(tmp_path):
    archiver = Archiver.open(tmp_path / "archive", fsync=False)
    for n, (language, title, body) in enumerate([
            ("ru", "Мэр Москвы", "В Москве открыли парк.\nВторой абзац, с «кавычками», и \"двойными\"."),
            ("kk", "Алматыда концерт", "Алматыда концерт өтті."),
            ("ru", "Казаки", "Казаки провели смотр.")], start=1):
        url = f"https://www.inform.kz/ru/novost-{n}-{0xb00000 + n:06x}"
        archiver.add(Article(url=url, canonical_url=url, outlet="kazinform",
                             edition="ru", title=title, body=body, language=language, author="Автор",
                             published=datetime(2024, n, 10, 9, 30, tzinfo=ALMATY),
                             fetched_at=datetime(2024, 6, 1, 12, 0, tzinfo=ALMATY)))
    yield archiver.archive
    archiver.close()


def test_jsonl_rows_hold_the_reader_fields_and_the_index_tags(archive, tmp_path):
    out = tmp_path / "all.jsonl"
    report = export(archive, "jsonl", out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert report.rows == 3 and list(rows[0]) == list(FIELDS)
    first = rows[0]
    assert (first["number"], first["layout"], first["title"], first["author"]) == (0, "markdown", "Мэр Москвы",
                                                                                   "Автор")
    assert first["published"] == "2024-01-10T09:30:00+06:00"  # Almaty: UTC+6 until 2024-03-01, UTC+5 since
    assert first["body"].split("\n")[0] == "В Москве открыли парк."
    assert (first["outlet"], first["edition"], first["language"], first["month"]) == ("kazinform", "ru", "ru",
                                                                                      "2024-01")
    assert first["canonical_url"] == first["url"] and first["fetched_at"] == "2024-06-01T12:00:00+05:00"
    assert first["legacy"] is False


def test_csv_keeps_multiline_bodies_and_quotes(archive, tmp_path):
    out = tmp_path / "all.csv"
    export(archive, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert [r["title"] for r in rows] == ["Мэр Москвы", "Алматыда концерт", "Казаки"]
    assert rows[0]["body"] == "В Москве открыли парк.\nВторой абзац, с «кавычками», и \"двойными\"."


def test_parquet_has_typed_columns(archive, tmp_path):
    out = tmp_path / "all.parquet"
    export(archive, "parquet", out, SearchFilters(language="ru"))
    table = pq.read_table(out)
    assert table.column_names == list(FIELDS)
    assert str(table.schema.field("number").type) == "int64" and str(table.schema.field("legacy").type) == "bool"
    assert table.column("title").to_pylist() == ["Мэр Москвы", "Казаки"]


def test_filters_and_a_query_choose_the_rows(archive, tmp_path):
    out = tmp_path / "some.jsonl"
    assert export(archive, "jsonl", out, SearchFilters(since=date(2024, 2, 1)), query="Алматы OR казак").rows == 2
    assert [json.loads(line)["number"] for line in out.read_text(encoding="utf-8").splitlines()] == [1, 2]


def test_an_indexed_record_whose_file_is_gone_is_counted_not_written(archive, tmp_path):
    archive.folder.path(archive.index.entry(1).name).unlink()
    report = export(archive, "jsonl", tmp_path / "out.jsonl")
    assert (report.rows, report.unreadable) == (2, 1)


def test_a_failed_export_leaves_no_file(archive, tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(ValueError):
        export(archive, "jsonl", out, query='"unclosed')
    assert list(tmp_path.iterdir()) == [tmp_path / "archive"]
