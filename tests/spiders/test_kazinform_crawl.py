"""``scrapy crawl kazinform`` end to end: discovery, incremental crawls, backfill, explicit URLs,
editions, failures, legacy records and the archive layout, each a real crawl in a subprocess that
replays a test site from a WARC (one crawls a local HTTP server instead).

The sites are built from the hand-written templates of ``tests/fixtures/kazinform/site`` (see
``kazinform_site.py``). Crawls are few and shared by the tests that read them (module fixtures).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from outlets.kazinform_site import (
    ALMATY,
    Story,
    all_news_site,
    all_news_url,
    category_page,
    daily_archive_site,
    daily_archive_url,
    fixture_page,
    moved,
    records,
    requested_urls,
    rss_feed,
    ru_stories,
    write_site,
)
from support import CrawlRun, SitePage, run_crawl

from newscrawl.archive.index import ArchiveIndex
from newscrawl.archive.records import read_record, url_hash
from newscrawl.archiving import Archiver
from newscrawl.outlets import article_keys

FEED_RU = "https://www.inform.kz/rss/p_ru.xml"
FEED_RU_OLD = "https://www.inform.kz/rss/rus.xml"
NOT_FOUND = b"<!DOCTYPE html><html><body><h1>404</h1><p>Page not found</p></body></html>"
LISTING = re.compile(r"/lenta/|/rss\b|_rss\.xml$|/archive\b")
SITEMAP = re.compile(r"sitemap[^/]*\.xml$")
#: what a crawl that tried the network would log
NETWORK_ERRORS = re.compile(r"DNSLookupError|DNS lookup failed|ConnectionRefused|Connection was refused|"
                            r"TCPTimedOut|TimeoutError|getaddrinfo|Name or service not known", re.I)


def crawl(workdir: Path, archive: Path, pages: list[SitePage] | None = None, *, args: dict[str, str] | None = None,
          settings: dict[str, str] | None = None, env: dict[str, str] | None = None) -> CrawlRun:
    """A ``scrapy crawl kazinform`` replaying the pages (or on the network when none are given),
    logged at DEBUG so that every request shows."""
    replay = write_site(workdir / "site.warc.gz", pages) if pages is not None else None
    return run_crawl("kazinform", workdir / "run", archive=archive, replay=replay, args=args,
                     settings={"LOG_LEVEL": "DEBUG", **(settings or {})}, env=env)


def is_listing(url: str) -> bool:
    """Whether a URL is a feed or a listing page of the test sites."""
    return bool(LISTING.search(url))


def article_requests(run: CrawlRun) -> Counter[str]:
    """How often each article page was downloaded (retries of a failing one show once)."""
    return Counter(u for u in requested_urls(run) if not is_listing(u) and not SITEMAP.search(u))


def listing_requests(run: CrawlRun) -> list[str]:
    """The listing and feed pages downloaded, in order."""
    return [u for u in requested_urls(run) if is_listing(u)]


def assert_finished(run: CrawlRun) -> None:
    assert run.returncode == 0, run.log[-3000:]
    assert run.stats.get("finish_reason") == "finished"
    assert not NETWORK_ERRORS.search(run.log)


# ---------------------------------------------------------------------------------------------
# Discovery through the feed and the paged all-news listing, then an incremental second crawl

#: ten stories across the 2024-03-01 switch of Almaty from UTC+6 to UTC+5
FIRST = ru_stories(10, datetime(2024, 3, 1, 3, 0, tzinfo=ALMATY), step=timedelta(hours=1))
NEW = ru_stories(1, datetime(2024, 3, 1, 5, 30, tzinfo=ALMATY), seed=3)[0]


def discovery_site() -> list[SitePage]:
    """Feed (one link with ``utm_*`` parameters), listing pages 1-3 of 4, 4 and 2 cards whose
    pagination also shows a page 4, and page 4 answered as the site does beyond the end."""
    feed = rss_feed(FEED_RU, FIRST[:3], links={FIRST[0].url: f"{FIRST[0].url}?utm_source=rss&utm_medium=feed"})
    return [feed, SitePage(FEED_RU_OLD, NOT_FOUND, status=404), *all_news_site(FIRST, per_page=4, shown_pages=4),
            *(s.page() for s in FIRST)]


@pytest.fixture(scope="module")
def discovery(tmp_path_factory) -> tuple[CrawlRun, Path]:
    work = tmp_path_factory.mktemp("discovery")
    run = crawl(work, work / "archive", discovery_site(), args={"edition": "ru"})
    assert_finished(run)
    return run, work / "archive"


@pytest.fixture(scope="module")
def incremental(discovery, tmp_path_factory) -> tuple[CrawlRun, Path]:
    """A second crawl into a copy of the first one's archive, over the site with one new story."""
    work = tmp_path_factory.mktemp("incremental")
    shutil.copytree(discovery[1], work / "archive")
    stories = [NEW, *FIRST]
    pages = [rss_feed(FEED_RU, stories[:3]), SitePage(FEED_RU_OLD, NOT_FOUND, status=404),
             *all_news_site(stories, per_page=4), *(s.page() for s in stories)]
    run = crawl(work, work / "archive", pages, args={"edition": "ru"})
    assert_finished(run)
    return run, work / "archive"


def test_discovery_archives_every_listed_article_exactly_once(discovery):
    run, archive = discovery
    assert article_requests(run) == Counter({s.url: 1 for s in FIRST})  # feed + listing + utm variant: once
    assert run.stat("newscrawl/article_requests") == 10 and run.stat("newscrawl/archived") == 10
    assert [name[:4] for name in records(archive)] == [f"{n:03d}_" for n in range(10)]
    assert {r.url for r in records(archive).values()} == {s.url for s in FIRST}
    # the saved site lacks only the sitemap and the politics feed (routes the spider learnt later)
    assert run.stat("newscrawl/replay/missing") == 2 and run.stat("newscrawl/duplicates") == 0


def test_discovery_walks_the_listing_pages_and_stops_beyond_the_end(discovery):
    run, _ = discovery
    walked = listing_requests(run)
    assert [u for u in walked if "/lenta/" in u] == [all_news_url(n) for n in (1, 2, 3, 4)]
    assert sorted(u for u in walked if "/lenta/" not in u) == [FEED_RU, FEED_RU_OLD,
                                                               "https://www.inform.kz/ru/politics_rss.xml"]
    assert "listing ru ends at page 3" in run.log
    assert run.stat("newscrawl/listings/feeds") == 1 and run.stat("newscrawl/listings/pages") == 4
    # the old feed address answers 404, and so do the sitemap and the politics feed, which the saved site lacks
    assert run.stat("newscrawl/failed/listings") == 3


def test_discovery_records_are_markdown_with_title_date_and_original_link(discovery):
    run, archive = discovery
    by_url = {s.url: s for s in FIRST}
    offsets = set()
    for name, record in records(archive).items():
        story = by_url[record.url]
        text = (archive / name).read_text(encoding="utf-8")
        assert record.layout == "markdown" and text.startswith(f"\n# {story.title}\n\n")
        assert f"Published at: **{story.published.isoformat()}**" in text
        assert f"Original: [Kazinform]({story.url})" in text and record.author == story.author
        assert record.paragraphs() == story.body
        assert name.endswith(f"_{record.hash}.txt")
        offsets.add(story.published.isoformat()[-6:])
    assert offsets == {"+05:00", "+06:00"}
    item = next(i for i in run.items if i["url"] == FIRST[0].url)
    assert (item["outlet"], item["edition"], item["language"]) == ("kazinform", "ru", "ru")
    assert item["canonical_url"] == FIRST[0].url and item["published"] == "2024-03-01T03:00:00+05:00"


def test_incremental_crawl_fetches_only_the_new_article_and_stops_paging_early(incremental):
    run, archive = incremental
    assert article_requests(run) == Counter({NEW.url: 1})
    assert run.stat("newscrawl/article_requests") == 1
    # listed and already archived: 2 in the feed, 1 more on page 1, all 4 of page 2
    assert run.stat("newscrawl/skipped/already_archived") == 7
    assert [u for u in listing_requests(run) if "/lenta/" in u] == [all_news_url(1), all_news_url(2)]
    (new,) = [name for name, r in records(archive).items() if r.url == NEW.url]
    assert new.startswith("010_") and len(records(archive)) == 11


def test_each_crawl_leaves_the_newest_listed_time_as_the_next_watermark(discovery, incremental):
    for (_, archive), newest in ((discovery, FIRST[0]), (incremental, NEW)):
        index = ArchiveIndex(archive / ".newscrawl" / "index.sqlite")
        assert index.get_state("kazinform", "newest/ru") == newest.published.isoformat()
        index.close()


# ---------------------------------------------------------------------------------------------
# Backfill: the date-ranged all-news listing (2023+) and the daily archive (2019-2022)

SINCE, UNTIL = date(2025, 8, 14), date(2025, 8, 15)
AFTER_UNTIL = ru_stories(1, datetime(2025, 8, 16, 0, 30, tzinfo=ALMATY), seed=4)[0]
RANGED = ru_stories(13, datetime(2025, 8, 15, 22, 0, tzinfo=ALMATY), step=timedelta(hours=5), seed=5)


def in_backfill_range(story: Story) -> bool:
    return SINCE <= story.published.date() <= UNTIL


@pytest.fixture(scope="module")
def backfill(tmp_path_factory) -> tuple[CrawlRun, Path]:
    """``-a since=2025-08-14 -a until=2025-08-15`` over a date-ranged listing of 4 pages whose first
    card is a minute past ``until`` and whose page 3 reaches back before ``since``; dated records."""
    work = tmp_path_factory.mktemp("backfill")
    stories = [AFTER_UNTIL, *RANGED]
    pages = [*all_news_site(stories, per_page=4, start=SINCE, end=UNTIL, beyond_end=False),
             *(s.page() for s in stories)]
    run = crawl(work, work / "archive", pages, args={"edition": "ru", "since": str(SINCE), "until": str(UNTIL)},
                settings={"ARCHIVE_LAYOUT": "dated"})
    assert_finished(run)
    return run, work / "archive"


def test_backfill_walks_the_date_ranged_listing_and_stops_at_since(backfill):
    run, _ = backfill
    assert listing_requests(run) == [all_news_url(n, SINCE, UNTIL) for n in (1, 2, 3)]  # no feeds, no page 4
    assert article_requests(run) == Counter({s.url: 1 for s in RANGED if in_backfill_range(s)})
    assert sum(in_backfill_range(s) for s in RANGED) == 10 and not in_backfill_range(RANGED[-1])


def test_backfill_with_the_dated_layout_writes_dated_records(backfill):
    _, archive = backfill
    written = records(archive)
    assert len(written) == 10
    for name, record in written.items():
        story = next(s for s in RANGED if s.title == record.title)
        text = (archive / name).read_text(encoding="utf-8")
        assert record.layout == "dated" and text.startswith(f" date {story.published:%Y-%m-%d} {story.title}\n\n")
        assert record.paragraphs() == story.body and not text.endswith("\n")


OLD_DAY, OLDER_DAY = date(2020, 12, 1), date(2020, 11, 30)
#: "_a" pages: one on 2 December, five on 1 December, two on 30 November, one on 29 November 2020
OLD = [*ru_stories(1, datetime(2020, 12, 2, 10, 0, tzinfo=ALMATY), seed=6, layout="a2019"),
       *ru_stories(5, datetime(2020, 12, 1, 20, 0, tzinfo=ALMATY), step=timedelta(hours=3), seed=7, layout="a2019"),
       *ru_stories(2, datetime(2020, 11, 30, 15, 0, tzinfo=ALMATY), step=timedelta(hours=4), seed=8, layout="a2019"),
       *ru_stories(1, datetime(2020, 11, 29, 12, 0, tzinfo=ALMATY), seed=9, layout="a2019")]


@pytest.fixture(scope="module")
def daily_backfill(tmp_path_factory) -> tuple[CrawlRun, Path]:
    """``-a since=2020-11-30 -a until=2020-12-01``: the daily archive pages of 2 December (after
    ``until``), 1 December (two pages), 30 November and 29 November (before ``since``)."""
    work = tmp_path_factory.mktemp("daily")
    days: dict[date, list[Story]] = {}
    for story in OLD:
        days.setdefault(story.published.date(), []).append(story)
    pages = [*all_news_site([], per_page=20, start=OLDER_DAY, end=OLD_DAY, beyond_end=False),
             *(s.page() for s in OLD)]
    for day, stories in days.items():
        pages += daily_archive_site(day, stories, per_page=3)
    run = crawl(work, work / "archive", pages, args={"edition": "ru", "since": str(OLDER_DAY), "until": str(OLD_DAY)})
    assert_finished(run)
    assert sorted(days) == [date(2020, 11, 29), OLDER_DAY, OLD_DAY, date(2020, 12, 2)]
    return run, work / "archive"


def test_backfill_before_2023_walks_the_daily_archive_with_its_pagination(daily_backfill):
    run, archive = daily_backfill
    assert sorted(listing_requests(run)) == sorted([
        all_news_url(1, OLDER_DAY, OLD_DAY),
        daily_archive_url(OLD_DAY), daily_archive_url(OLD_DAY, 2), daily_archive_url(OLDER_DAY)])
    wanted = [s for s in OLD if OLDER_DAY <= s.published.date() <= OLD_DAY]
    assert article_requests(run) == Counter({s.url: 1 for s in wanted})
    assert sorted(r.url for r in records(archive).values()) == sorted(s.url for s in wanted)
    for record in records(archive).values():
        story = next(s for s in wanted if s.url == record.url)
        assert record.published.isoformat() == story.published.isoformat() and record.published.utcoffset() == \
            timedelta(hours=6)


# ---------------------------------------------------------------------------------------------
# Explicit URLs and editions


def test_explicit_urls_are_the_only_pages_crawled(tmp_path):
    one, two, listed = ru_stories(3, datetime(2025, 8, 15, 12, 0, tzinfo=ALMATY), seed=8)
    pages = [rss_feed(FEED_RU, [one, two, listed]), *all_news_site([one, two, listed], per_page=20),
             one.page(), two.page(), listed.page()]
    run = crawl(tmp_path, tmp_path / "archive", pages, args={"url": f"{one.url},{two.url}"})
    assert_finished(run)
    assert sorted(requested_urls(run)) == sorted([one.url, two.url])
    assert sorted(r.url for r in records(tmp_path / "archive").values()) == sorted([one.url, two.url])


def test_editions_argument_limits_the_crawl_to_those_editions(tmp_path):
    qz, qz_page = fixture_page("qz_2023")
    en, en_page = fixture_page("en_2023")
    ru = ru_stories(1, datetime(2025, 8, 15, 12, 0, tzinfo=ALMATY), seed=9)[0]
    pages = [
        rss_feed("https://qz.inform.kz/rss/p_qz.xml", [qz]), qz_page,
        *all_news_site([qz], per_page=20, base="https://qz.inform.kz/lenta/", beyond_end=False, edition="qz"),
        rss_feed("https://qazinform.com/rss/en.xml", [en], template_name="rss_qazinform_en.xml"), en_page,
        SitePage("https://www.inform.kz/rss/eng.xml", NOT_FOUND, status=404),
        *all_news_site([en], per_page=20, base="https://qazinform.com/lenta/", beyond_end=False, edition="en"),
        rss_feed(FEED_RU, [ru]), *all_news_site([ru], per_page=20, beyond_end=False), ru.page(),
    ]
    run = crawl(tmp_path, tmp_path / "archive", pages, args={"edition": "qz,en"})
    assert_finished(run)
    assert sorted(requested_urls(run)) == sorted([
        "https://qz.inform.kz/rss/p_qz.xml", "https://qz.inform.kz/lenta/?page=1", qz.url,
        "https://qazinform.com/rss/en.xml", "https://www.inform.kz/rss/eng.xml", "https://qazinform.com/lenta/?page=1",
        en.url])
    assert sorted((i["edition"], i["language"]) for i in run.items) == [("en", "en"), ("qz", "kk")]
    assert run.report["arguments"]["editions"] == ["qz", "en"]


def test_unknown_edition_is_a_clear_error(tmp_path):
    run = crawl(tmp_path, tmp_path / "archive", [], args={"edition": "ru,cn"})
    assert run.returncode != 0
    assert "-a edition: cn unknown; kazinform has ru, kz, qz, en" in run.log
    assert not (tmp_path / "archive").exists() or not records(tmp_path / "archive")


# ---------------------------------------------------------------------------------------------
# Pages that fail: none stops the crawl, each is counted and logged

GOOD, REDIRECT_TARGET = ru_stories(2, datetime(2025, 8, 15, 12, 0, tzinfo=ALMATY), seed=10)
BROKEN, BROKEN_PAGE = fixture_page("ru_broken")
CP1251_META, CP1251_META_PAGE = fixture_page("ru_cp1251", content_type="text/html")
CP1251_HEADER_URL = "http://www.inform.kz/rus/article/2474748"
EMPTY = "https://www.inform.kz/ru/v-astane-proshel-forum-molodezhi-0e0e01"
GONE = "https://www.inform.kz/ru/v-almaty-zakryli-most-0e0e02"
ERROR = "https://www.inform.kz/ru/v-shymkente-otkryli-park-0e0e03"
CATEGORY = "https://www.inform.kz/ru/ekonomika-kazahstana-0e0e04"
REDIRECT = "https://www.inform.kz/ru/staryy-adres-novosti-0e0e05"
MISSING = "https://www.inform.kz/ru/novost-kotoroy-net-v-arhive-0e0e06"


def cp1251_header_page() -> SitePage:
    """Another 2012 page in windows-1251, this one declared by the Content-Type header."""
    text = CP1251_META_PAGE.body.decode("cp1251").replace("более 150 предприятий", "более 160 предприятий")
    text = text.replace("Выставка продлится до 17 июня.", "Выставка продлится до 18 июня.")
    return SitePage(CP1251_HEADER_URL, text.encode("cp1251"), content_type="text/html; charset=windows-1251")


@pytest.fixture(scope="module")
def failures(tmp_path_factory) -> tuple[CrawlRun, Path]:
    work = tmp_path_factory.mktemp("failures")
    links = [GOOD.url, BROKEN.url, CP1251_META.url, CP1251_HEADER_URL, EMPTY, GONE, ERROR, CATEGORY, REDIRECT,
             MISSING]
    cards = [moved(GOOD, url=url, title=f"Новость {i}") for i, url in enumerate(links)]
    pages = [
        rss_feed(FEED_RU, [GOOD]), SitePage(FEED_RU_OLD, NOT_FOUND, status=404),
        *all_news_site(cards, per_page=20, beyond_end=False, hrefs={u: u for u in links}),
        GOOD.page(), REDIRECT_TARGET.page(), BROKEN_PAGE, CP1251_META_PAGE, cp1251_header_page(),
        SitePage(EMPTY, b""), SitePage(GONE, NOT_FOUND, status=404),
        SitePage(ERROR, b"<html><body><h1>500 Internal Server Error</h1></body></html>", status=500),
        category_page(CATEGORY, "Экономика", ru_stories(6, datetime(2025, 8, 15, 9, 0, tzinfo=ALMATY), seed=11)),
        SitePage(REDIRECT, b"", status=301, headers=[("Location", REDIRECT_TARGET.url)]),
    ]
    run = crawl(work, work / "archive", pages, args={"edition": "ru"})
    assert_finished(run)
    return run, work / "archive"


def test_failing_pages_do_not_stop_the_crawl_and_the_good_ones_are_archived(failures):
    _, archive = failures
    titles = {r.url: r.title for r in records(archive).values()}
    assert titles == {
        GOOD.url: GOOD.title,
        BROKEN.url: BROKEN.title,
        CP1251_META.url: "В Астане открылась выставка отечественных производителей",
        CP1251_HEADER_URL: "В Астане открылась выставка отечественных производителей",
        REDIRECT_TARGET.url: REDIRECT_TARGET.title,
    }
    bodies = {r.url: r.paragraphs() for r in records(archive).values()}
    assert bodies[BROKEN.url] == list(BROKEN.paragraphs)
    assert bodies[CP1251_META.url] == list(CP1251_META.paragraphs)
    assert "более 160 предприятий" in bodies[CP1251_HEADER_URL][0]


def test_each_failure_is_counted_and_logged(failures):
    run, _ = failures
    assert run.stat("newscrawl/skipped/empty_page") == 1
    assert f"skipped {EMPTY}: empty page" in run.log
    assert run.stat("newscrawl/skipped/not_an_article") == 1
    assert f"skipped {CATEGORY}: not an article" in run.log
    assert run.stat("newscrawl/failed/http_404") == 2  # the 404 page and the page missing from the WARC
    assert f"article not fetched: {GONE} (HTTP 404)" in run.log
    assert run.stat("retry/count") == 3 and run.stat("newscrawl/failed/http_500") == 1
    assert f"article not fetched: {ERROR} (HTTP 500)" in run.log
    assert run.stat("newscrawl/failed/articles") == 3 and run.stat("newscrawl/archived") == 5
    assert run.stat("downloader/response_status_count/500") == 4  # first try and three retries
    assert f"Redirecting (301) to <GET {REDIRECT_TARGET.url}> from <GET {REDIRECT}>" in run.log


def test_url_missing_from_the_warc_fails_like_a_missing_page_and_nothing_goes_to_the_network(failures):
    run, _ = failures
    # the missing article, and the sitemap and the politics feed, which the saved site lacks
    assert run.stat("newscrawl/replay/missing") == 3
    assert f"replay: no stored response for GET {MISSING}" in run.log
    assert f"article not fetched: {MISSING} (HTTP 404)" in run.log
    assert not NETWORK_ERRORS.search(run.log)


# ---------------------------------------------------------------------------------------------
# Legacy records: the five seeds of the user's corpus in the archive folder


def test_with_the_seeds_the_first_record_is_005_and_seed_002_is_known_by_its_text(tmp_path, shared):
    archive = tmp_path / "archive"
    archive.mkdir()
    for seed in sorted((shared / "seeds").glob("*.txt")):
        shutil.copy(seed, archive / seed.name)
    seed = read_record(next((shared / "seeds").glob("002_*.txt")))
    reprint = Story(url="https://www.inform.kz/en/mayor-of-astana-meets-st-petersburg-delegation_a2817441",
                    title="Mayor of Astana meets St. Petersburg delegation",
                    published=datetime(2015, 9, 25, 10, 0, tzinfo=ALMATY),
                    paragraphs=(seed.title, *seed.paragraphs()), author="Kazinform", layout="a2019", lang="en")
    fresh = ru_stories(1, datetime(2025, 8, 15, 12, 0, tzinfo=ALMATY), seed=12)[0]
    run = crawl(tmp_path, archive, [reprint.page(), fresh.page()], args={"url": f"{reprint.url},{fresh.url}"})
    assert_finished(run)
    assert article_requests(run) == Counter({reprint.url: 1, fresh.url: 1})
    assert run.stat("newscrawl/duplicates/body") == 1 and run.stat("newscrawl/archived") == 1
    new = [name for name in records(archive) if not (shared / "seeds" / name).exists()]
    assert new == [f"005_{url_hash(fresh.url)}.txt"]
    assert run.stat("newscrawl/archive/records_at_start") == 5


# ---------------------------------------------------------------------------------------------
# A real HTTP server on 127.0.0.1


class LocalSite(ThreadingHTTPServer):
    """Serves pages by path; paths in ``flaky`` answer 500 on their first request."""

    def __init__(self, pages: dict[str, bytes], flaky: set[str]):
        self.pages, self.flaky, self.hits = pages, flaky, Counter()
        super().__init__(("127.0.0.1", 0), LocalHandler)


class LocalHandler(BaseHTTPRequestHandler):
    server: LocalSite

    def do_GET(self) -> None:
        self.path = urlsplit(self.path).path  # asked as a proxy: the absolute URL's path
        self.server.hits[self.path] += 1
        body = self.server.pages.get(self.path)
        status = 200 if body is not None else 404
        if self.path in self.server.flaky and self.server.hits[self.path] == 1:
            status, body = 500, b"<html><body>Internal Server Error</body></html>"
        body = body if body is not None else NOT_FOUND
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    _, page = fixture_page("ru_2023")
    flaky = ru_stories(1, datetime(2025, 8, 15, 12, 0, tzinfo=ALMATY), seed=13)[0]
    server = LocalSite({"/ru/v-astane-do-kontsa-goda-zapustyat-12-novyh-avtobusnyh-marshrutov-3fa91c": page.body,
                        flaky.path: flaky.html().encode()}, {flaky.path})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_crawl_of_a_local_http_server_retries_a_500_and_archives_both_pages(tmp_path, local_site):
    # the outlet's own URLs (the spider takes no others), fetched through the local server as an HTTP proxy
    steady, flaky = (f"http://www.inform.kz{path}" for path in local_site.pages)
    proxy = f"http://127.0.0.1:{local_site.server_port}"
    run = crawl(tmp_path, tmp_path / "archive", None, args={"url": f"{steady},{flaky}"},
                env={"http_proxy": proxy, "no_proxy": ""})
    assert_finished(run)
    assert local_site.hits[urlpath(flaky)] == 2 and local_site.hits[urlpath(steady)] == 1
    assert run.stat("retry/count") == 1 and run.stat("newscrawl/failed/articles") == 0
    written = {r.url.replace("https://", "http://"): r for r in records(tmp_path / "archive").values()}
    assert set(written) == {steady, flaky}  # (the pages' canonical links say https)
    assert written[steady].title == "В Астане до конца года запустят 12 новых автобусных маршрутов"
    assert written[steady].published.isoformat() == "2025-08-15T14:02:00+05:00"


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_redirecting_url_is_indexed_with_its_target_so_it_is_not_fetched_again(failures):
    _, archive = failures
    index = Archiver.open(archive).index
    target = index.find_url(article_keys(REDIRECT_TARGET.url))
    assert target is not None and index.find_url(article_keys(REDIRECT)) == target
