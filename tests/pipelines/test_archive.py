from datetime import datetime
from zoneinfo import ZoneInfo

from newscrawl.archive.records import read_record
from newscrawl.pipelines.archive import ArchivePipeline

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
