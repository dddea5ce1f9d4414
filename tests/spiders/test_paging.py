"""Walking and searching numbered listing pages (PagedListingSpider, shown through the totalkz spider)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from outlet_pages import make_spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.extensions.archive import CrawlArchive
from newscrawl.items import Article
from newscrawl.outlets.base import Listed
from newscrawl.spiders.paging import PageSearch
from newscrawl.spiders.totalkz import TotalkzSpider

ALMATY = ZoneInfo("Asia/Almaty")
NEWEST = date(2019, 10, 20)


def oldest_on(page: int, pages: int, per_page: int = 2) -> date | None:
    """A listing of ``pages`` pages, one card a day going back from NEWEST."""
    return NEWEST - timedelta(days=page * per_page - 1) if page <= pages else None


def run_search(target: date, pages: int, limit: int = 100000) -> tuple[int, list[int]]:
    search, probed = PageSearch(target, limit), []
    while (page := search.next_probe()) is not None:
        probed.append(page)
        search.observe(page, oldest_on(page, pages))
    return search.start_page, probed


def test_search_starts_the_walk_just_before_the_first_page_reaching_the_target():
    start, probed = run_search(date(2019, 10, 5), pages=12)
    # page 8 holds Oct 6 and Oct 5: the first to reach the target; the walk starts one page earlier
    assert start == 7
    assert probed == [1, 2, 4, 8, 6, 7]


def test_search_over_a_deep_listing_takes_logarithmically_many_probes():
    start, probed = run_search(NEWEST - timedelta(days=2 * 5000), pages=30000)
    assert oldest_on(start, 30000) > NEWEST - timedelta(days=10000) >= oldest_on(start + 1, 30000)
    assert len(probed) <= 2 * 15


def test_target_on_the_first_page_walks_from_page_one():
    assert run_search(NEWEST, pages=12) == (1, [1])


def test_target_older_than_the_whole_listing_starts_near_its_end():
    start, _ = run_search(date(2000, 1, 1), pages=12)
    assert start == 12


def test_search_never_probes_past_the_limit():
    _, probed = run_search(date(2000, 1, 1), pages=10**6, limit=50)
    assert max(probed) <= 50


# -- the spider side
URL = "https://total.kz/ru/news/mir/story_{}_date_2021_08_{:02d}_10_00_00"


def card(n: int, day: int, steers: bool = True) -> Listed:
    return Listed(URL.format(n, day), datetime(2021, 8, day, 10, tzinfo=ALMATY), steers)


@pytest.fixture
def spider(tmp_path):
    return make_spider(TotalkzSpider, tmp_path)


def archive_story(spider, n: int, day: int) -> None:
    CrawlArchive.of(spider.crawler).archiver.add(Article(url=URL.format(n, day), outlet="totalkz", title=f"История {n}",
                               body=f"Текст истории {n}, достаточно длинный для записи в архив.",
                               published=datetime(2021, 8, day, 10, tzinfo=ALMATY)))


def test_incremental_walk_stops_where_every_article_is_archived(spider):
    archive_story(spider, 1, 20)
    archive_story(spider, 2, 19)
    entries = [card(9, 1, steers=False), card(1, 20), card(2, 19)]
    assert not spider.keep_paging(entries, "ru", 3)
    entries.append(card(3, 18))
    assert spider.keep_paging(entries, "ru", 3)


def test_articles_this_crawl_requested_and_archived_meanwhile_do_not_end_the_walk(spider):
    for n, day in ((1, 20), (2, 19)):  # the feed's articles: requested first, archived while the listing loads
        assert spider.article_request(URL.format(n, day), "ru") is not None
        archive_story(spider, n, day)
    entries = [card(1, 20), card(2, 19)]
    assert list(spider.follow_entries(entries, "https://total.kz/ru/news", "ru")) == []
    assert spider.keep_paging(entries, "ru", 1)


def test_incremental_walk_stops_at_articles_older_than_the_last_crawl(spider):
    spider.archive.index.set_state("totalkz", "newest/ru", "2021-08-21T10:00:00+06:00")
    entries = [card(1, 20), card(2, 19)]
    assert not spider.keep_paging(entries, "ru", 1)
    assert spider.keep_paging([card(0, 21), *entries], "ru", 1)


def test_incremental_walk_is_bounded(spider):
    assert not spider.keep_paging([card(1, 20)], "ru", spider.walk.max_incremental_pages)


def test_backfill_walks_until_the_cards_are_older_than_since(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path, since="2021-08-19")
    assert spider.keep_paging([card(1, 20), card(2, 19)], "ru", 5)
    assert not spider.keep_paging([card(2, 19), card(3, 18)], "ru", 6)


def listing_response(url: str, cards: list[tuple[int, int]], page: int) -> HtmlResponse:
    items = "".join(f'<div class="b-news-list__item"><a href="{URL.format(n, d)}">{n}</a></div>' for n, d in cards)
    return HtmlResponse(url, body=f"<html><body>{items}</body></html>".encode(), encoding="utf-8",
                        request=Request(url, cb_kwargs={"listing": "all", "edition": "ru", "page": page}))


def test_a_page_repeating_earlier_pages_stops_the_walk_and_is_counted(spider):
    first = list(spider.parse_listing(listing_response("https://total.kz/ru/news", [(1, 20), (2, 19)], 1),
                                      "all", "ru", 1))
    assert first[-1].url == "https://total.kz/ru/news/page-2"
    again = list(spider.parse_listing(listing_response("https://total.kz/ru/news/page-2", [(1, 20), (2, 19)], 2),
                                      "all", "ru", 2))
    assert again == []
    assert spider.crawler.stats.get_value("newscrawl/listings/repeated_pages") == 1


def test_a_first_page_without_entries_is_counted(spider):
    assert list(spider.parse_listing(listing_response("https://total.kz/ru/news", [], 1), "all", "ru", 1)) == []
    assert spider.crawler.stats.get_value("newscrawl/listings/no_entries") == 1


def test_a_search_on_a_listing_that_ignores_paging_falls_back_to_walking_from_page_one(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path, since="2021-07-01", until="2021-07-31")
    search = PageSearch(date(2021, 7, 31), 1000)
    first = list(spider.parse_probe(listing_response("https://total.kz/ru/news", [(1, 20)], 1), "all", "ru", 1,
                                    search))
    assert first[0].url == "https://total.kz/ru/news/page-2" and first[0].callback == spider.parse_probe
    same = list(spider.parse_probe(listing_response("https://total.kz/ru/news/page-2", [(1, 20)], 2), "all", "ru",
                                   2, search))
    assert same[0].url == "https://total.kz/ru/news" and same[0].callback == spider.parse_listing
    assert spider.crawler.stats.get_value("newscrawl/listings/paging_ignored") == 1


def test_backfill_ending_in_the_past_starts_with_a_search(tmp_path):
    searching = make_spider(TotalkzSpider, tmp_path / "a", since="2021-07-01", until="2021-07-31")
    assert searching.listing_start("all", "ru").callback == searching.parse_probe
    walking = make_spider(TotalkzSpider, tmp_path / "b", since="2021-07-01")
    assert walking.listing_start("all", "ru").callback == walking.parse_listing



def failure_for(request: Request, status: int | None) -> Failure:
    error = HttpError(HtmlResponse(request.url, status=status, request=request)) if status else IgnoreRequest()
    failure = Failure(error)
    failure.request = request
    return failure


def test_a_failed_probe_counts_as_past_the_end_and_the_search_goes_on(tmp_path):
    spider = make_spider(TotalkzSpider, tmp_path, since="2021-07-01", until="2021-07-31")
    search = PageSearch(date(2021, 7, 31), 1000, lo=4)
    request = Request("https://total.kz/ru/news/page-8",
                      cb_kwargs={"listing": "all", "edition": "ru", "page": 8, "search": search})
    [following] = spider.probe_failed(failure_for(request, 404))
    assert search.hi == 8 and following.url == "https://total.kz/ru/news/page-6"
    assert spider.crawler.stats.get_value("newscrawl/listings/probes_failed") == 1


def test_a_missing_page_after_the_first_ends_the_walk_without_a_failure(spider):
    request = Request("https://total.kz/ru/news/page-9", cb_kwargs={"listing": "all", "edition": "ru", "page": 9})
    spider.listing_page_failed(failure_for(request, 404))
    assert spider.crawler.stats.get_value("newscrawl/failed/listings") is None
    first = Request("https://total.kz/ru/news", cb_kwargs={"listing": "all", "edition": "ru", "page": 1})
    spider.listing_page_failed(failure_for(first, 404))
    assert spider.crawler.stats.get_value("newscrawl/failed/listings") == 1
