import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from support import project_crawler

from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.pipelines.archive import ArchivePipeline, BatchWriter

WHEN = datetime(2025, 8, 15, 14, 2, tzinfo=ZoneInfo("Asia/Almaty"))


def test_each_article_becomes_one_record_named_by_number_and_url_hash(crawler, make_article, tmp_path):
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    item = pipeline.process_item(make_article(published=WHEN))
    record = read_record(tmp_path / "archive" / item.record)
    assert item.record.startswith("000_") and record.hash in item.record
    assert record.title == "Заголовок новости" and record.author == "Динара Жумабаева"
    assert crawler.stats.get_value("newscrawl/archived/kazinform") == 1
    pipeline.close_spider()
    assert crawler.stats.get_value("newscrawl/archive/records_at_end") == 1


def writer_on(tmp_path, **kw):
    return BatchWriter(lambda: Archiver.open(tmp_path / "archive", fsync=False), **kw)


def numbered(make_article, count):
    return [make_article(url=f"https://www.inform.kz/ru/novost-{i}", canonical_url=None,
                         body=f"Текст новости {i}.\nЕщё абзац новости {i}.") for i in range(count)]


def test_articles_arriving_together_are_written_in_one_batch_in_their_order(tmp_path, make_article):
    writer = writer_on(tmp_path, batch_max=64, wait=0.5)
    futures = [writer.submit(article) for article in numbered(make_article, 5)]
    entries = [future.result(10) for future in futures]
    writer.close()
    assert [e.number for e in entries] == [0, 1, 2, 3, 4]
    assert writer.batches == 1


def test_a_batch_holds_at_most_batch_max_articles(tmp_path, make_article):
    writer = writer_on(tmp_path, batch_max=2, wait=0.5)
    futures = [writer.submit(article) for article in numbered(make_article, 5)]
    assert [f.result(10).number for f in futures] == [0, 1, 2, 3, 4]
    writer.close()
    assert writer.batches == 3


def test_closing_the_writer_writes_what_is_queued_first(tmp_path, make_article):
    writer = writer_on(tmp_path, batch_max=64, wait=30)  # it would wait long for more, but close comes first
    futures = [writer.submit(article) for article in numbered(make_article, 3)]
    writer.close()
    assert [f.result(0).number for f in futures] == [0, 1, 2]


def test_an_article_that_cannot_be_written_fails_alone_in_its_batch(tmp_path, make_article):
    bad, good = numbered(make_article, 2)
    bad.published = "not a datetime"
    writer = writer_on(tmp_path, wait=0.5)
    bad_future, good_future = writer.submit(bad), writer.submit(good)
    assert good_future.result(10).number == 0
    assert isinstance(bad_future.exception(10), Exception)
    writer.close()


def test_an_archive_that_cannot_be_opened_fails_the_writers_start(tmp_path):
    def unopenable():
        raise ValueError("ARCHIVE_LAYOUT must be one of markdown, dated")

    with pytest.raises(ValueError, match="ARCHIVE_LAYOUT"):
        BatchWriter(unopenable)


def test_pipeline_with_writer_thread_archives_in_batches_and_counts_them(tmp_path, make_article):
    crawler = project_crawler(ARCHIVE_DIR=str(tmp_path / "archive"), ARCHIVE_WRITER_THREAD=True, ARCHIVE_BATCH_WAIT=0.2)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()

    async def archive_all():
        return await asyncio.gather(*(pipeline.process_item(a) for a in numbered(make_article, 4)))

    items = asyncio.run(archive_all())
    pipeline.close_spider()
    assert [item.record.split("_")[0] for item in items] == ["000", "001", "002", "003"]
    assert crawler.stats.get_value("newscrawl/archived") == 4
    assert crawler.stats.get_value("newscrawl/archive/batches") == 1
    assert crawler.stats.get_value("newscrawl/archive/records_at_end") == 4
