"""Replay crawls of Qazaq TV (``scrapy crawl qazaqtv`` on a WARC of the hand-written site in
tests/fixtures/qazaqtv/site): discovery through guessed feeds, sitemap and listings with their misses
counted, backfill, incremental crawls, single URLs, and a reprint of an archived Kazinform story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import FIXTURES, load_site, run_crawl, write_site_warc

from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.reading import read_saved_page

SITE = FIXTURES / "qazaqtv" / "site"
REPRINT = "https://qazaqtv.com/en/view/society/page_231455_karaganda-region-to-build-three-new-schools"
TRAIN = "https://qazaqtv.com/en/view/diplomacy/page_201456_almaty-and-tashkent-to-launch-direct-passenger-train"
STADIUM = "https://qazaqtv.com/ru/novosti/sport/214777-v-aktobe-postroyat-krytyy-ledovyy-stadion"
PARK = "https://old.qazaqtv.com/kz/view/society/page_214501_shymkentte-zhana-sayabak-ashyldy"


@pytest.fixture(scope="module")
def site_warc(tmp_path_factory) -> Path:
    return write_site_warc(tmp_path_factory.mktemp("qazaqtv") / "site.warc.gz", load_site(SITE))


def archived_urls(folder: Path) -> set[str]:
    return {read_record(p).url for p in folder.glob("*.txt")}


def test_incremental_crawl_finds_articles_through_feed_listings_and_link_fallback_and_counts_misses(
        tmp_path, site_warc):
    archive = tmp_path / "archive"
    run = run_crawl("qazaqtv", tmp_path / "run1", archive=archive, replay=site_warc)
    assert run.returncode == 0, run.log
    assert archived_urls(archive) == {REPRINT, TRAIN, STADIUM}
    assert run.stat("newscrawl/archived/qazaqtv") == 3
    assert run.stat("newscrawl/failed/listings") >= 4  # /rss, /kz/rss, /ru/rss and /kz/news are missing
    assert run.stat("newscrawl/listings/layout_fallback") == 1  # article-like links of an unknown URL form
    assert run.stat("newscrawl/listings/feeds") == 1 and run.stat("newscrawl/listings/sitemaps") == 1
    stadium = next(item for item in run.items if item["url"] == STADIUM)
    assert (stadium["edition"], stadium["language"], stadium["author"]) == ("ru", "ru", "Ерлан Сапаров")

    again = run_crawl("qazaqtv", tmp_path / "run2", archive=archive, replay=site_warc)
    assert again.returncode == 0, again.log
    assert again.stat("newscrawl/archived") == 0 and again.stat("newscrawl/article_requests") == 0
    assert again.stat("newscrawl/skipped/already_archived") >= 2  # the rest predate the last crawl


def test_backfill_takes_the_range_from_sitemap_and_listings_and_stops_paging_past_since(tmp_path, site_warc):
    archive = tmp_path / "archive"
    run = run_crawl("qazaqtv", tmp_path / "run", archive=archive, replay=site_warc,
                    args={"since": "2021-06-01", "until": "2021-06-30"})
    assert run.returncode == 0, run.log
    assert archived_urls(archive) == {PARK}
    assert run.stat("newscrawl/listings/feeds") == 0  # feeds only serve incremental crawls
    assert run.stat("newscrawl/listings/sitemaps") == 3  # the index and the two months not before since
    # en pages 1 and 2 (page 2 is older than since: no page 3), ru page 1 (older than since)
    assert run.stat("newscrawl/listings/pages") == 3


def test_url_argument_archives_that_page_with_its_fields(tmp_path, site_warc):
    archive = tmp_path / "archive"
    run = run_crawl("qazaqtv", tmp_path / "run", archive=archive, replay=site_warc, args={"url": TRAIN})
    assert run.returncode == 0, run.log
    record = read_record(next(archive.glob("*.txt")))
    assert record.title == "Almaty and Tashkent to launch direct passenger train"
    assert record.published.isoformat() == "2019-11-05T11:49:00+06:00"
    assert record.author == "Dana Omarova" and record.url == TRAIN
    assert record.paragraphs()[0].startswith("ALMATY. KAZINFORM The railway companies")
    assert "Original: [Qazaq TV](" in next(archive.glob("*.txt")).read_text(encoding="utf-8")


def test_reprint_of_an_archived_kazinform_story_is_not_archived_again(tmp_path, site_warc):
    archive = tmp_path / "archive"
    kazinform = FIXTURES / "kazinform" / "articles"
    expected = json.loads((kazinform / "en_2023.expected.json").read_text(encoding="utf-8"))
    original, _ = read_saved_page((kazinform / "en_2023.html").read_bytes(), expected["url"])
    entry = Archiver.open(archive).add(original)

    run = run_crawl("qazaqtv", tmp_path / "run", archive=archive, replay=site_warc, args={"url": REPRINT})
    assert run.returncode == 0, run.log
    assert run.stat("newscrawl/duplicates/reprint") == 1 and run.stat("newscrawl/archived") == 0
    assert [p.name for p in archive.glob("*.txt")] == [entry.name]
    refused = Archiver.open(archive).index.duplicates_of(entry.number)
    assert [(d["url"], d["outlet"], d["kind"]) for d in refused] == [(REPRINT, "qazaqtv", "reprint")]
    assert refused[0]["similarity"] > 0.8
