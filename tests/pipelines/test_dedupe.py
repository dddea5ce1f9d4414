import pytest
from scrapy import signals

from newscrawl.dedupe.signatures import TextKeys
from newscrawl.pipelines.archive import ArchivePipeline
from newscrawl.pipelines.dedupe import DedupePipeline, DuplicateArticle


@pytest.fixture
def pipelines(crawler):
    dedupe, archive = DedupePipeline.from_crawler(crawler), ArchivePipeline.from_crawler(crawler)
    dedupe.open_spider()
    archive.open_spider()

    def run(item):
        return archive.process_item(dedupe.process_item(item))

    return run, dedupe


@pytest.mark.parametrize("variant", [
    "https://www.inform.kz/ru/novost-3fa91c?utm_source=telegram&utm_medium=social",
    "http://inform.kz/ru/novost-3fa91c/",
    "https://m.inform.kz/ru/novost-3fa91c/amp",
])
def test_same_url_in_another_form_is_a_duplicate(pipelines, make_article, crawler, variant):
    run, _ = pipelines
    run(make_article())
    with pytest.raises(DuplicateArticle):
        run(make_article(url=variant, canonical_url=None, body="Другой текст, чтобы совпал только адрес."))
    assert crawler.stats.get_value("newscrawl/duplicates/url") == 1


def test_old_numeric_and_a_id_forms_of_one_kazinform_article_are_folded(pipelines, make_article):
    run, _ = pipelines
    run(make_article(url="https://www.inform.kz/ru/astana-mayor_a2812345", canonical_url=None))
    with pytest.raises(DuplicateArticle):
        run(make_article(url="http://www.inform.kz/rus/article/2812345", canonical_url=None, body="x" * 60))


def test_same_body_under_a_new_url_is_a_duplicate_and_the_index_says_of_what(pipelines, make_article, crawler):
    run, dedupe = pipelines
    first = run(make_article())
    with pytest.raises(DuplicateArticle, match="body"):
        run(make_article(url="https://qazinform.com/news/other-url-1a2b3c", canonical_url=None, title="Другой"))
    number = int(first.record.split("_")[0])
    assert dedupe.archive.index.duplicates_of(number)[0]["url"] == "https://qazinform.com/news/other-url-1a2b3c"
    assert crawler.stats.get_value("newscrawl/duplicates") == 1


def test_different_articles_pass(pipelines, make_article, crawler):
    run, _ = pipelines
    run(make_article())
    run(make_article(url="https://www.inform.kz/ru/drugaya-4b5c6d", canonical_url=None,
                     body="АСТАНА. KAZINFORM – Совсем другая новость о погоде на выходные дни."))
    assert crawler.stats.get_value("newscrawl/archived") == 2
    assert crawler.stats.get_value("newscrawl/duplicates") is None


def test_duplicates_within_one_crawl_are_caught_without_the_archive_stage(crawler, make_article):
    dedupe = DedupePipeline.from_crawler(crawler)
    dedupe.open_spider()
    dedupe.process_item(make_article())
    with pytest.raises(DuplicateArticle, match="crawl"):
        dedupe.process_item(make_article())


def test_the_same_text_under_another_url_in_one_crawl_is_a_body_duplicate_before_it_is_archived(crawler,
                                                                                                   make_article):
    dedupe = DedupePipeline.from_crawler(crawler)
    dedupe.open_spider()
    dedupe.process_item(make_article())
    with pytest.raises(DuplicateArticle, match="same text as"):
        dedupe.process_item(make_article(url="https://www.inform.kz/ru/perepechatka-9f8e7d", canonical_url=None))
    assert crawler.stats.get_value("newscrawl/duplicates/body") == 1


def test_fingerprints_made_by_the_extraction_worker_are_the_ones_checked(pipelines, make_article, crawler):
    run, _ = pipelines
    first = make_article()
    first.text_keys = TextKeys(first.title, first.body, frozenset({"f" * 40}), None)
    run(first)
    second = make_article(url="https://www.inform.kz/ru/drugaya-novost-77aa10", canonical_url=None,
                          body="Совсем другой текст о другом событии, который совпал бы только по отпечатку.")
    second.text_keys = TextKeys(second.title, second.body, frozenset({"f" * 40}), None)
    with pytest.raises(DuplicateArticle):
        run(second)
    assert crawler.stats.get_value("newscrawl/duplicates/body") == 1


def test_archived_articles_are_no_longer_held_in_memory_but_still_refused(pipelines, make_article, crawler):
    run, dedupe = pipelines
    item = run(make_article())
    assert dedupe.pending
    crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=None)
    assert not dedupe.pending and not dedupe._pending_by_url
    with pytest.raises(DuplicateArticle):  # the index knows it now
        run(make_article())
    assert crawler.stats.get_value("newscrawl/duplicates/url") == 1
