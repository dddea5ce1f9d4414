"""NewsSpider's own logic, in process: arguments, claiming and requesting articles, when to walk on
through a listing (its walk), the watermark of incremental crawls, dates of pages that state none (its
reader), feeds, and telling listings from articles."""

from __future__ import annotations

import asyncio
from dataclasses import fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from support import project_crawler
from twisted.python.failure import Failure

from newscrawl.extensions.archive import CrawlArchive
from newscrawl.extract.feeds import feed_entries
from newscrawl.extract.fields import parse_page
from newscrawl.extract.html import html_tree, link_text_share
from newscrawl.items import Article
from newscrawl.outlets.base import Listed
from newscrawl.outlets.kazinform import OUTLET, Kazinform
from newscrawl.reading import FetchedPage
from newscrawl.spiders.base import NewsSpider, SpiderArgumentError
from newscrawl.spiders.kazinform import KazinformSpider
from newscrawl.spiders.mosru import MosruSpider
from newscrawl.spiders.qazaqtv import QazaqTvSpider
from newscrawl.spiders.totalkz import TotalkzSpider

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2025, 8, 15, 12, 0, tzinfo=ALMATY)


class ExampleSpider(NewsSpider):
    name = "example"
    outlet = OUTLET

    def discovery_requests(self):
        return []


def url(n: int) -> str:
    return f"https://www.inform.kz/ru/novost-nomer-{n}-{0xb00000 + n:06x}"


@pytest.fixture
def make_spider(tmp_path):
    def make(**args) -> ExampleSpider:
        crawler = project_crawler(ExampleSpider, ARCHIVE_DIR=str(tmp_path / "archive"), INCREMENTAL_MAX_PAGES=5,
                                  BACKFILL_MAX_PAGES=50)
        return ExampleSpider.from_crawler(crawler, **args)

    return make


def archive(spider: NewsSpider, *numbers: int) -> None:
    """Put articles into the spider's archive, as an earlier crawl would have."""
    for n in numbers:
        archiver = CrawlArchive.of(spider.crawler).archiver
        archiver.add(Article(url=url(n), outlet="kazinform", title=f"Новость {n}", published=NOW,
                                   body=f"АСТАНА. KAZINFORM – Текст новости номер {n}, достаточно длинный для записи."))


def stat(spider: NewsSpider, name: str) -> int:
    return spider.crawler.stats.get_value(name, 0)


# -- arguments
@pytest.mark.parametrize(("args", "message"), [
    ({"edition": "ru,cn"}, "-a edition: cn unknown; example has ru, kz, qz, en"),
    ({"since": "15.08.2025"}, "-a since='15.08.2025': expected a date as YYYY-MM-DD"),
    ({"until": "2025-08-15"}, "-a until needs -a since (the first day of the range), YYYY-MM-DD"),
    ({"since": "2025-08-15", "until": "2025-08-01"}, "-a until=2025-08-01 is before since=2025-08-15"),
])
def test_bad_arguments_are_clear_errors(make_spider, args, message):
    with pytest.raises(SpiderArgumentError) as raised:
        make_spider(**args)
    assert str(raised.value) == message


def test_arguments_are_read(make_spider):
    spider = make_spider(edition=" qz, en ", since="2025-08-01", until="2025-08-15", url=f"{url(1)}, {url(2)}")
    assert spider.editions == ["qz", "en"] and spider.backfill
    assert (spider.since, spider.until) == (date(2025, 8, 1), date(2025, 8, 15))
    assert spider.urls == [url(1), url(2)]
    assert make_spider().editions == ["ru", "kz", "qz", "en"]


# -- article requests
def test_article_request_skips_what_the_archive_holds_and_what_this_crawl_requested(make_spider):
    spider = make_spider()
    archive(spider, 1)
    assert spider.article_request(url(1), "ru") is None
    assert stat(spider, "newscrawl/skipped/already_archived") == 1
    request = spider.article_request(f"{url(2)}?utm_source=rss&utm_medium=feed", "ru")
    assert isinstance(request, Request) and request.url == url(2) and not request.dont_filter
    assert spider.article_request(url(2), "ru") is None  # its plain form: already requested
    assert spider.article_request(url(1), "ru") is None
    assert stat(spider, "newscrawl/skipped/already_archived") == 1  # counted once
    assert stat(spider, "newscrawl/article_requests") == 1


def test_explicit_article_request_is_always_made(make_spider):
    spider = make_spider()
    archive(spider, 1)
    request = spider.article_request(url(1), None, explicit=True)
    assert request.dont_filter and request.cb_kwargs == {"edition": "ru"}


def test_claim_takes_an_article_once_and_remembers_what_was_archived_before(make_spider):
    spider = make_spider()
    archive(spider, 1)
    assert not spider.claim(url(1)) and spider.archived_before(url(1))
    assert stat(spider, "newscrawl/skipped/already_archived") == 1
    assert spider.claim(f"{url(2)}?utm_source=rss") and not spider.claim(url(2))
    assert spider.claim(url(1), explicit=True) and spider.claim(url(2), explicit=True)
    assert stat(spider, "newscrawl/article_requests") == 0  # claiming requests nothing


def test_an_article_requested_in_this_crawl_is_known_but_not_archived_before(make_spider):
    spider = make_spider()
    archive(spider, 1)
    spider.article_request(url(2), "ru")
    assert spider.known(url(2)) and not spider.archived_before(url(2))
    assert spider.known(url(1)) and spider.archived_before(url(1))
    assert not spider.known(url(3)) and not spider.archived_before(url(3))


# -- walking a listing
def page(*numbers: int, newest: datetime = NOW) -> list[tuple[str, datetime]]:
    return [(url(n), newest - timedelta(minutes=10 * i)) for i, n in enumerate(numbers)]


def follow(spider: NewsSpider, entries) -> None:
    list(spider.follow_entries(entries, "https://www.inform.kz/lenta/", "ru"))


def test_incremental_walk_goes_on_past_a_page_of_articles_just_requested(make_spider):
    spider = make_spider()
    first = page(1, 2, 3)
    follow(spider, first)
    assert spider.keep_paging(first, "ru", 1)


def test_incremental_walk_stops_at_a_page_archived_before(make_spider):
    spider = make_spider()
    archive(spider, 4, 5)
    entries = page(4, 5)
    follow(spider, entries)
    assert not spider.keep_paging(entries, "ru", 2)


def test_incremental_walk_stops_at_a_page_older_than_the_watermark(make_spider):
    spider = make_spider()
    spider.archive.index.set_state("example", "newest/ru", NOW.isoformat())
    older = page(6, 7, newest=NOW - timedelta(hours=2))
    follow(spider, older)
    assert not spider.keep_paging(older, "ru", 2)
    within_the_hour = page(8, 9, newest=NOW - timedelta(minutes=30))
    follow(spider, within_the_hour)
    assert spider.keep_paging(within_the_hour, "ru", 3)


def test_listing_page_that_repeats_an_earlier_page_ends_the_walk(make_spider):
    spider = make_spider(since="2025-08-01")
    entries = page(1, 2)
    follow(spider, entries)
    assert spider.keep_paging(entries, "ru", 1)
    assert not spider.keep_paging(entries, "ru", 2)
    assert not spider.keep_paging([], "ru", 3)


def test_repeated_listing_page_is_counted_per_listing(make_spider):
    spider = make_spider()
    entries = page(1, 2)
    assert spider.keep_paging(entries, "ru", 1, listing="lenta")
    assert spider.keep_paging(entries, "ru", 1, listing="politics")  # another listing may list them too
    assert not spider.keep_paging(entries, "ru", 2, listing="lenta")
    assert stat(spider, "newscrawl/listings/repeated_pages") == 1


def test_entries_that_do_not_steer_are_followed_but_left_out_of_the_stop_rule(make_spider):
    spider = make_spider(since="2025-08-14")
    pinned = Listed(url(9), datetime(2025, 7, 1, 9, 0, tzinfo=ALMATY), steers=False)
    entries = [pinned, *(Listed(link, when) for link, when in page(1, 2))]
    assert [r.url for r in spider.follow_entries(entries, "https://www.inform.kz/lenta/", "ru")] == [url(1), url(2)]
    assert spider.keep_paging(entries, "ru", 1)  # the pinned card is older than since: it does not end the walk
    incremental = make_spider()
    archive(incremental, 3, 4)
    archived = [Listed(url(8), NOW, steers=False), *(Listed(link, when) for link, when in page(3, 4))]
    follow(incremental, archived)
    assert not incremental.keep_paging(archived, "ru", 2)  # only the steering entries were archived
    only_pinned = [Listed(url(5), NOW, steers=False)]
    follow(incremental, only_pinned)
    assert incremental.keep_paging(only_pinned, "ru", 3)  # when none steers, all do


def test_incremental_page_cap_is_counted_and_keeps_the_watermark(make_spider):
    spider = make_spider()
    mark = NOW - timedelta(days=2)
    spider.archive.index.set_state("example", "newest/ru", mark.isoformat())
    entries = page(1, 2)
    follow(spider, entries)
    assert not spider.keep_paging(entries, "ru", 5)
    assert stat(spider, "newscrawl/listings/page_cap_reached") == 1
    assert spider.walk.next_watermark("ru") is None


def test_first_crawl_stopping_at_the_page_cap_sets_the_watermark(make_spider):
    spider = make_spider()
    entries = page(1, 2)
    follow(spider, entries)
    assert not spider.keep_paging(entries, "ru", 5)
    assert stat(spider, "newscrawl/listings/page_cap_reached") == 0
    assert spider.walk.next_watermark("ru") == NOW


def test_backfill_walks_until_a_page_reaches_before_since(make_spider):
    spider = make_spider(since="2025-08-14", until="2025-08-15")
    in_range = page(1, 2, newest=datetime(2025, 8, 14, 3, 0, tzinfo=ALMATY))
    assert spider.keep_paging(in_range, "ru", 1)
    reaching_back = page(3, 4, newest=datetime(2025, 8, 14, 0, 5, tzinfo=ALMATY))
    assert not spider.keep_paging(reaching_back, "ru", 2)
    assert not spider.walk.in_range(reaching_back[1][1]) and spider.walk.before_since(reaching_back[1][1])
    after_until = page(5, newest=datetime(2025, 8, 16, 0, 30, tzinfo=ALMATY))
    assert not spider.walk.in_range(after_until[0][1]) and spider.keep_paging(after_until, "ru", 1)
    assert spider.walk.in_range(date(2025, 8, 15)) and spider.walk.before_since(date(2025, 8, 13))


def test_backfill_follows_only_entries_in_range(make_spider):
    spider = make_spider(since="2025-08-14", until="2025-08-15")
    entries = [(url(1), datetime(2025, 8, 16, 0, 30, tzinfo=ALMATY)),
               (url(2), datetime(2025, 8, 15, 23, 0, tzinfo=ALMATY)),
               (url(3), date(2025, 8, 14)),
               (url(4), datetime(2025, 8, 13, 23, 59, tzinfo=ALMATY)),
               (url(5), None)]
    requested = [r.url for r in spider.follow_entries(entries, "https://www.inform.kz/lenta/", "ru")]
    assert requested == [url(2), url(3), url(5)]


# -- the watermark
def test_watermark_is_the_newest_listed_time_of_a_finished_crawl(make_spider):
    spider = make_spider()
    follow(spider, page(1, 2, newest=NOW))
    spider._remember_progress(spider, "shutdown")
    assert spider.archive.index.get_state("example", "newest/ru") is None
    spider._remember_progress(spider, "finished")
    assert spider.archive.index.get_state("example", "newest/ru") == NOW.isoformat()
    assert make_spider().walk.watermark("ru") == NOW


def fail(spider: NewsSpider, n: int, status: int, listed: datetime) -> None:
    """Report an article request as failed with an HTTP status, as Scrapy's errback would."""
    request = Request(url(n), cb_kwargs={"edition": "ru"}, meta={"newscrawl_listed": listed})
    failure = Failure(HttpError(HtmlResponse(url(n), status=status, request=request), "Ignoring response"))
    failure.request = request
    spider.article_failed(failure)


def test_failed_articles_are_counted_and_one_that_may_work_later_holds_the_watermark(make_spider):
    spider = make_spider()
    follow(spider, page(1, 2, 3, newest=NOW))
    fail(spider, 1, 404, NOW)
    assert spider.walk.next_watermark("ru") == NOW  # gone for good: no reason to look again
    fail(spider, 2, 503, NOW - timedelta(minutes=10))
    assert spider.walk.next_watermark("ru") == NOW - timedelta(minutes=10, seconds=1)
    assert stat(spider, "newscrawl/failed/articles") == 2
    assert stat(spider, "newscrawl/failed/http_404") == 1 and stat(spider, "newscrawl/failed/http_503") == 1


def test_watermark_ignores_listed_times_far_in_the_future(make_spider):
    spider = make_spider()
    follow(spider, [(url(1), datetime.now(ALMATY) + timedelta(days=30)), (url(2), NOW)])
    assert spider.walk.next_watermark("ru") == NOW


def test_backfill_of_a_past_range_leaves_the_watermark_alone(make_spider):
    spider = make_spider(since="2025-08-14", until="2025-08-15")
    follow(spider, page(1, newest=datetime(2025, 8, 15, 10, 0, tzinfo=ALMATY)))
    assert spider.walk.next_watermark("ru") is None
    up_to_now = make_spider(since="2025-08-14")
    follow(up_to_now, page(2, newest=NOW))
    assert up_to_now.walk.next_watermark("ru") == NOW


# -- dates of pages that state none
UNDATED = """<html><head><title>Новость</title></head><body><h1>В регионе открыли завод</h1>
<p>АСТАНА. KAZINFORM – В регионе открыли завод по выпуску деталей для машин, сообщили в акимате.</p>
<p>На предприятии будут работать 300 человек, а первая продукция выйдет уже в следующем месяце.</p>
<aside><span class="date">12:00, 01 Январь 2020</span></aside></body></html>"""


class DatedUrls(Kazinform):
    """An outlet whose article URLs end with their publication time (``…-t202508151402``)."""

    def published_in_url(self, url: str) -> datetime | None:
        stamp = url.rpartition("-t")[2]
        return datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=ALMATY) if stamp.isdigit() else None


class DatedUrlSpider(ExampleSpider):
    outlet = DatedUrls(**{f.name: getattr(OUTLET, f.name) for f in fields(OUTLET)})


def undated_article(spider: NewsSpider, page_url: str, listed: datetime | None, redirected_from: str | None = None,
                    html: str = UNDATED):
    redirects = (redirected_from,) if redirected_from else ()
    return spider.reader.read(FetchedPage(page_url, html.encode(), listed=listed, redirects=redirects, edition="ru"))


def test_a_page_without_a_date_takes_the_listing_time_before_date_like_texts(make_spider):
    article = undated_article(make_spider(), url(1), NOW)
    assert (article.published, article.published_source) == (NOW, "listing")
    assert undated_article(make_spider(), url(1), None).published_source == "visible"  # the date-like text


def test_a_time_in_the_url_is_a_last_resort_after_the_listing_time(tmp_path):
    """A URL's time is when the item was created (Total.kz: real pages were published 4 minutes before to 3
    hours after it): a feed's or listing's time wins, the URL's only dates a page nothing else dates."""
    spider = DatedUrlSpider.from_crawler(project_crawler(DatedUrlSpider, ARCHIVE_DIR=str(tmp_path / "archive")))
    article = undated_article(spider, "https://www.inform.kz/ru/zavod-t202508141030", NOW)
    assert (article.published, article.published_source) == (NOW, "listing")
    alone = undated_article(spider, "https://www.inform.kz/ru/zavod-t202508141030", None)
    assert (alone.published, alone.published_source) == (datetime(2025, 8, 14, 10, 30, tzinfo=ALMATY), "url")
    moved = undated_article(spider, url(1), None, redirected_from="https://www.inform.kz/ru/zavod-t202508141030")
    assert moved.published_source == "url"


def test_a_page_that_states_its_date_keeps_it_before_the_listing_time(make_spider):
    stated = '<meta property="article:published_time" content="2025-08-15T10:00:00+05:00">'
    html = UNDATED.replace("<head>", f"<head>{stated}")
    article = undated_article(make_spider(), url(1), NOW, html=html)
    assert article.published == datetime(2025, 8, 15, 10, 0, tzinfo=ALMATY)
    assert article.published_source.startswith("meta")


def test_the_page_heading_taken_into_the_body_is_dropped(make_spider):
    page_fields = parse_page(UNDATED, url(1), OUTLET)
    page_fields.body = f"{page_fields.title}\n{page_fields.body}"
    article = make_spider().reader.article(FetchedPage(url(1), UNDATED.encode()), page_fields)
    assert article.body.startswith("АСТАНА. KAZINFORM")


# -- feeds
RSS = b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>T</title><link>https://www.inform.kz/ru</link>
<item><title>A</title><link>https://www.inform.kz/ru/a-3fa91c</link><pubDate>Fri, 15 Aug 2025 14:02:00 +0500</pubDate>
<content:encoded><![CDATA[<p><a href="https://example.org/x">x</a></p>]]></content:encoded>
<media:content url="https://static.inform.kz/a.jpg" medium="image"/></item>
<item><title>B</title><guid isPermaLink="true">https://www.inform.kz/ru/b-3fa91d</guid><dc:date>2025-08-15T13:00:00+05:00</dc:date></item>
<item><title>C</title><guid isPermaLink="false">3fa91e</guid></item>
</channel></rss>"""
ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>A</title><link rel="enclosure" href="https://static.inform.kz/a.jpg"/>
<link rel="alternate" href="https://qazinform.com/news/a-3fa91c"/><updated>2025-08-15T14:02:00+05:00</updated></entry>
</feed>"""


def test_feed_entries_of_rss_with_media_and_content_namespaces():
    assert feed_entries(RSS) == [("https://www.inform.kz/ru/a-3fa91c", "Fri, 15 Aug 2025 14:02:00 +0500"),
                                 ("https://www.inform.kz/ru/b-3fa91d", "2025-08-15T13:00:00+05:00")]


def test_feed_entries_of_atom_take_the_alternate_link():
    assert feed_entries(ATOM) == [("https://qazinform.com/news/a-3fa91c", "2025-08-15T14:02:00+05:00")]


@pytest.mark.parametrize("body", [b"", b"<html><body><p>Not a feed</p></body></html>", b"\x00\xff garbage"])
def test_feed_entries_of_something_else_are_none(body):
    assert feed_entries(body) == []


def test_card_date_reads_machine_and_visible_dates_in_the_outlet_zone(make_spider):
    spider = make_spider()
    assert spider.card_date("Fri, 15 Aug 2025 14:02:00 +0500") == datetime(2025, 8, 15, 14, 2, tzinfo=ALMATY)
    assert spider.card_date("14:02, 15 Август 2025").isoformat() == "2025-08-15T14:02:00+05:00"
    assert spider.card_date("23:10, 29 Февраль 2024").isoformat() == "2024-02-29T23:10:00+06:00"
    assert spider.card_date(None) is None


# -- listings are not articles
LISTING_PAGE = """<html><head><title>Экономика</title></head><body><nav><a href="/">Главная</a></nav>
<h1>Экономика</h1>{cards}</body></html>""".format(cards="".join(
    f'<div class="card"><a href="/ru/n-{i}"><span>10:0{i}, 15 Август 2025</span>'
    f"<span>В регионе открыли завод номер {i} по выпуску деталей</span></a></div>" for i in range(6)))
ARTICLE_PAGE = """<html><body><nav><a href="/">Главная</a></nav><h1>Заголовок</h1>
<p>АСТАНА. KAZINFORM – В регионе открыли <a href="/ru/zavod">завод</a> по выпуску деталей для машин.</p>
<p>На предприятии будут работать 300 человек, сообщили в акимате области.</p></body></html>"""


def test_link_text_share_tells_a_listing_from_an_article():
    assert link_text_share(html_tree(LISTING_PAGE), [f"В регионе открыли завод номер {i} по выпуску деталей"
                                          for i in range(6)]) == 1.0
    paragraphs = ["АСТАНА. KAZINFORM – В регионе открыли завод по выпуску деталей для машин.",
                  "На предприятии будут работать 300 человек, сообщили в акимате области."]
    assert link_text_share(html_tree(ARTICLE_PAGE), paragraphs) == 0
    assert link_text_share(html_tree(ARTICLE_PAGE), []) == 0


def test_is_listing_trusts_a_recognised_article_layout(make_spider):
    spider = make_spider()
    page_fields = parse_page(LISTING_PAGE, "https://www.inform.kz/ru/ekonomika-0e0e04", OUTLET)
    assert page_fields.layout is None and page_fields.link_share > 0.9
    assert spider.reader.is_listing(page_fields)
    page_fields.layout = "2023"
    assert not spider.reader.is_listing(page_fields)


@pytest.mark.parametrize("spider_cls", [KazinformSpider, QazaqTvSpider, TotalkzSpider, MosruSpider])
def test_an_outlet_spider_skips_a_page_cut_short_counts_it_and_fetches_it_again_next_time(tmp_path, spider_cls):
    """The one rule of the reader for every spider: a page cut short is no article; the watermark stays
    below it (like a page that could not be fetched), so the next incremental crawl fetches it again."""
    crawler = project_crawler(spider_cls, ARCHIVE_DIR=str(tmp_path / "archive"))
    spider = spider_cls.from_crawler(crawler)
    edition = spider.editions[0]
    listed = datetime(2025, 8, 15, 10, 0, tzinfo=ZoneInfo(spider.outlet.timezone))
    spider.walk.note_published(edition, listed + timedelta(hours=5))
    url = next(iter(spider.outlet.hosts))
    request = Request(f"https://{url}/news/a-story", meta={"newscrawl_listed": listed})
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Новость</title></head><body><article>"
            "<h1>Новость</h1>" + "<p>Текст новости о событии в городе, с подробностями и цитатами.</p>" * 20)
    cut = HtmlResponse(request.url, body=page.encode(), request=request)

    async def articles():
        return [a async for a in spider.parse_article(cut, edition)]

    assert asyncio.run(articles()) == []
    assert crawler.stats.get_value("newscrawl/skipped/truncated_page") == 1
    assert spider.walk.next_watermark(edition) < listed
