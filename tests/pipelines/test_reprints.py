import json
import shutil
from pathlib import Path

import pytest
from support import project_crawler

from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.dedupe.signatures import text_keys
from newscrawl.extensions.archive import CrawlArchive
from newscrawl.pipelines.archive import ArchivePipeline
from newscrawl.pipelines.dedupe import DedupePipeline, DuplicateArticle
from newscrawl.pipelines.reprints import ReprintPipeline

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "reprints" / "cases.json"
CASES = {c["name"]: c for c in json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]}


@pytest.fixture
def pipelines(crawler):
    """dedupe -> reprints -> archive, opened on the crawler's archive."""
    stages = [DedupePipeline.from_crawler(crawler), ReprintPipeline.from_crawler(crawler),
              ArchivePipeline.from_crawler(crawler)]
    for stage in stages:
        stage.open_spider()

    def run(item):
        for stage in stages:
            item = stage.process_item(item)
        return item

    return run


def texts(make_article, name):
    case = CASES[name]
    original = make_article(url="https://qazinform.com/news/pavlodar-trees-1a2b3c", canonical_url=None,
                            outlet="kazinform", edition="en", **{k: case["original"][k] for k in ("title", "body")})
    candidate = make_article(url="https://qazaqtv.com/en/view/society/page_231455_pavlodar-trees", canonical_url=None,
                             outlet="qazaqtv", edition="en", **{k: case["candidate"][k] for k in ("title", "body")})
    return original, candidate


@pytest.mark.parametrize("name", ["kazinform_en_to_qazaqtv_other_boilerplate", "five_percent_edit",
                                  "kazinform_ru_to_qazaqtv_ru", "shortened_reprint"])
def test_reprint_of_an_archived_record_is_refused_counted_and_recorded(pipelines, make_article, crawler, name):
    original, candidate = texts(make_article, name)
    first = pipelines(original)
    with pytest.raises(DuplicateArticle, match="reprint"):
        pipelines(candidate)
    number = int(first.record.split("_")[0])
    refused = CrawlArchive.of(crawler).archive.index.duplicates_of(number)
    assert [(d["url"], d["outlet"], d["kind"]) for d in refused] == [(candidate.url, "qazaqtv", "reprint")]
    assert refused[0]["similarity"] >= 0.5
    assert crawler.stats.get_value("newscrawl/duplicates/reprint") == 1
    assert crawler.stats.get_value("newscrawl/archived") == 1


@pytest.mark.parametrize("name", ["same_topic_different_story", "template_next_day"])
def test_different_story_on_the_same_topic_is_archived(pipelines, make_article, crawler, name):
    for article in texts(make_article, name):
        pipelines(article)
    assert crawler.stats.get_value("newscrawl/archived") == 2
    assert crawler.stats.get_value("newscrawl/duplicates/reprint") is None


def test_reprint_within_one_crawl_is_refused_before_the_first_is_archived(crawler, make_article):
    reprints = ReprintPipeline.from_crawler(crawler)
    reprints.open_spider()
    original, candidate = texts(make_article, "kazinform_en_to_qazaqtv_other_boilerplate")
    reprints.process_item(original)
    with pytest.raises(DuplicateArticle, match="in this crawl"):
        reprints.process_item(candidate)


def test_text_too_short_to_judge_passes_and_is_counted(crawler, make_article):
    reprints = ReprintPipeline.from_crawler(crawler)
    reprints.open_spider()
    article = make_article(body="АСТАНА. KAZINFORM – Коротко.")
    assert reprints.process_item(article) is article
    assert crawler.stats.get_value("newscrawl/reprints/too_short") == 1


def test_records_indexed_before_signatures_existed_are_signed_when_a_crawl_opens(crawler, make_article, tmp_path):
    original, candidate = texts(make_article, "kazinform_en_to_qazaqtv_other_boilerplate")
    archive = Archiver.open(tmp_path / "archive")
    archive.add(original)
    archive.index.clear_signatures()
    archive.close()
    reprints = ReprintPipeline.from_crawler(crawler)
    reprints.open_spider()
    assert crawler.stats.get_value("newscrawl/reprints/signed_at_start") == 1
    with pytest.raises(DuplicateArticle, match="record 0"):
        reprints.process_item(candidate)


def test_the_threshold_setting_is_used(tmp_path, make_article):
    crawler = project_crawler(ARCHIVE_DIR=str(tmp_path / "archive"), REPRINT_THRESHOLD=0.99)
    reprints = ReprintPipeline.from_crawler(crawler)
    reprints.open_spider()
    original, candidate = texts(make_article, "five_percent_edit")
    reprints.process_item(original)
    assert reprints.process_item(candidate) is candidate


def test_reprint_of_a_legacy_record_is_refused(crawler, make_article, shared, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for seed in (shared / "seeds").iterdir():
        shutil.copy(seed, folder / seed.name)
    seed = read_record(next((shared / "seeds").glob("002_*.txt")))
    body = "\n".join([seed.title.replace("ASTANA. KAZINFORM -", "ASTANA. QAZAQ TV –"), *seed.paragraphs()])
    stages = [DedupePipeline.from_crawler(crawler), ReprintPipeline.from_crawler(crawler)]
    for stage in stages:
        stage.open_spider()
    reprint = make_article(url="https://qazaqtv.com/en/view/news/page_100200_mayor-of-astana", canonical_url=None,
                           outlet="qazaqtv", title="Mayor of Astana meets St. Petersburg delegation", body=body)
    with pytest.raises(DuplicateArticle, match="record 2"):
        for stage in stages:
            reprint = stage.process_item(reprint)
    assert crawler.stats.get_value("newscrawl/duplicates/reprint") == 1


def test_the_signature_made_by_the_extraction_worker_is_the_one_checked_and_indexed(pipelines, make_article, crawler):
    original, candidate = texts(make_article, "same_topic_different_story")
    pipelines(original)
    # keys as a worker would have made them, but of the original's text: the check must use them
    worker_keys = text_keys(original.title, original.body)
    candidate.text_keys = type(worker_keys)(candidate.title, candidate.body, frozenset(), worker_keys.signature)
    with pytest.raises(DuplicateArticle, match="reprint"):
        pipelines(candidate)


def test_keys_of_a_text_amended_after_extraction_are_not_used(pipelines, make_article, crawler):
    original, candidate = texts(make_article, "same_topic_different_story")
    pipelines(original)
    stale = text_keys(original.title, original.body)  # made before the spider changed title and body
    candidate.text_keys = stale
    assert pipelines(candidate).record is not None  # judged by its own text: a different story
