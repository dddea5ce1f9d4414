import asyncio
import errno
import json
import multiprocessing
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support import project_crawler

from newscrawl.archive.records import RECORD_NAME, read_record
from newscrawl.archive.store import ArchiveFolder
from newscrawl.archiving import Archiver
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.pipelines import archive as archive_pipeline
from newscrawl.pipelines.archive import ArchivePipeline, ArticleNotArchived, BatchWriter
from newscrawl.pipelines.dedupe import DedupePipeline, DuplicateArticle
from newscrawl.pipelines.reprints import ReprintPipeline
from newscrawl.spiders.kazinform import KazinformSpider

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


# -- another crawl archiving the same story meanwhile
REPRINTS = {c["name"]: c for c in json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "reprints"
                                                / "cases.json").read_text(encoding="utf-8"))["cases"]}


def _archive_in_this_process(root: str, article) -> None:
    Archiver.open(root, fsync=False).add(article)


def archive_in_another_process(root: Path, article) -> None:
    """What another crawl writing into the same folder does: archive an article from its own process."""
    process = multiprocessing.get_context("fork").Process(target=_archive_in_this_process, args=(str(root), article))
    process.start()
    process.join(60)
    assert process.exitcode == 0


def checks_then_archive(crawler):
    """The crawl's duplicate checks, and then (called separately) its archive pipeline."""
    stages = [DedupePipeline.from_crawler(crawler), ReprintPipeline.from_crawler(crawler)]
    archive = ArchivePipeline.from_crawler(crawler)
    for stage in (*stages, archive):
        stage.open_spider()

    def check(item):
        for stage in stages:
            item = stage.process_item(item)
        return item

    return check, archive


def records_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if RECORD_NAME.match(p.name))


def test_story_another_crawl_archived_after_the_checks_is_dropped_as_a_counted_duplicate_of_it(
        crawler, make_article, tmp_path):
    check, archive = checks_then_archive(crawler)
    ours = check(make_article())
    theirs = make_article(url="https://www.inform.kz/ru/drugaya-novost-0c0c0c", canonical_url=None)
    archive_in_another_process(tmp_path / "archive", theirs)
    with pytest.raises(DuplicateArticle, match="body"):
        archive.process_item(ours)
    assert [name.split("_")[0] for name in records_in(tmp_path / "archive")] == ["000"]
    refused = CrawlArchive.of(crawler).archive.index.duplicates_of(0)
    assert [(d["url"], d["kind"]) for d in refused] == [(ours.url, "body")]
    assert crawler.stats.get_value("newscrawl/duplicates/body") == 1
    assert crawler.stats.get_value("newscrawl/duplicates") == 1
    assert crawler.stats.get_value("newscrawl/archived") is None


def test_reprint_another_crawl_archived_after_the_checks_is_dropped_by_the_writer_thread_as_a_reprint(
        make_article, tmp_path):
    crawler = project_crawler(ARCHIVE_DIR=str(tmp_path / "archive"), ARCHIVE_WRITER_THREAD=True, ARCHIVE_BATCH_WAIT=0)
    case = REPRINTS["shortened_reprint"]
    original = make_article(url="https://qazinform.com/news/pavlodar-trees-1a2b3c", canonical_url=None,
                            edition="en", title=case["original"]["title"], body=case["original"]["body"])
    reprint = make_article(url="https://qazaqtv.com/en/view/society/page_231455_pavlodar-trees", canonical_url=None,
                           outlet="qazaqtv", edition="en", title=case["candidate"]["title"],
                           body=case["candidate"]["body"])
    check, archive = checks_then_archive(crawler)
    ours = check(reprint)
    archive_in_another_process(tmp_path / "archive", original)
    with pytest.raises(DuplicateArticle, match="reprint"):
        asyncio.run(archive.process_item(ours))
    archive.close_spider()
    assert len(records_in(tmp_path / "archive")) == 1
    refused = CrawlArchive.of(crawler).archive.index.duplicates_of(0)
    assert [(d["url"], d["outlet"], d["kind"]) for d in refused] == [(reprint.url, "qazaqtv", "reprint")]
    assert refused[0]["similarity"] >= 0.5
    assert crawler.stats.get_value("newscrawl/duplicates/reprint") == 1


# -- a disk that is full, read-only or not ours
@pytest.mark.parametrize(("code", "why"), [(errno.ENOSPC, "no space left on device"),
                                           (errno.EROFS, "read-only file system"),
                                           (errno.EACCES, "permission denied")])
@pytest.mark.parametrize("in_thread", [False, True])
def test_a_failed_record_write_stops_the_crawl_saying_why_and_holds_the_watermark_below_the_article(
        tmp_path, make_article, monkeypatch, code, why, in_thread):
    crawler = project_crawler(KazinformSpider, ARCHIVE_DIR=str(tmp_path / "archive"), ARCHIVE_WRITER_THREAD=in_thread,
                              ARCHIVE_BATCH_WAIT=0)
    crawler.spider = spider = KazinformSpider.from_crawler(crawler)
    stops: list[str] = []
    monkeypatch.setattr(archive_pipeline, "stop_crawl", lambda _, reason: stops.append(reason))

    def refuse(self, texts, *, fsync=True):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(ArchiveFolder, "write_temps", refuse)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    listed = datetime(2025, 8, 15, 14, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    spider.walk.note_published("ru", listed.replace(hour=18))
    articles = numbered(make_article, 2)
    articles[0].listed = listed
    for article in articles:
        with pytest.raises(ArticleNotArchived, match=why):
            result = pipeline.process_item(article)
            if in_thread:
                asyncio.run(result)
    pipeline.close_spider()
    assert stops == [f"archive_write_failed: {why}"]  # the first failure stops the crawl, once
    assert crawler.stats.get_value("newscrawl/archive/write_errors") == 2
    assert crawler.stats.get_value(f"newscrawl/archive/write_errors/{why.replace(' ', '_')}") == 2
    assert spider.walk.next_watermark("ru") < listed
    assert records_in(tmp_path / "archive") == []
