"""``scrapy crawl mfakz`` replayed from hand-written gov.kz API responses (see
tests/fixtures/mfakz/README.md): GraphQL paging per edition, ``since``, incremental stops, ``-a url=``
and the fallbacks (REST list, web pages) when an API fails. The GraphQL POSTs are stored with the
exact bodies the spider sends, so replay finds them by their body digest."""

from __future__ import annotations

import pytest
from support import FIXTURES, SitePage, run_crawl, write_site_warc

from newscrawl.outlets import mfakz

FIX = FIXTURES / "mfakz"
JSON = "application/json; charset=utf-8"
ROBOTS = SitePage("https://www.gov.kz/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")


def fixture(name: str) -> bytes:
    return (FIX / "api" / name).read_bytes()


def graphql(query: str, name: str, status: int = 200) -> SitePage:
    """The stored answer to one GraphQL query."""
    return SitePage(mfakz.GRAPHQL_URL, fixture(name), status=status, content_type=JSON, method="POST",
                    request_body=mfakz.graphql_body(query))


def graphql_page(edition: str, page: int, name: str, status: int = 200) -> SitePage:
    return graphql(mfakz.graphql_query(edition, page), name, status)


def rest(url: str, name: str, status: int = 200) -> SitePage:
    return SitePage(url, fixture(name), status=status, content_type=JSON)


def spa_shell(url: str) -> SitePage:
    return SitePage(url, (FIX / "pages" / "spa_shell.html").read_bytes())


def site() -> list[SitePage]:
    return [ROBOTS,
            graphql_page("ru", 1, "graphql_ru_page1.json"), graphql_page("ru", 2, "graphql_ru_page2.json"),
            graphql_page("ru", 3, "graphql_ru_page3.json"),
            graphql_page("kk", 1, "graphql_kk_page1.json"), graphql_page("kk", 2, "graphql_empty.json"),
            graphql_page("en", 1, "graphql_en_page1.json"), graphql_page("en", 2, "graphql_empty.json")]


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """An incremental crawl of every edition into an empty archive."""
    root = tmp_path_factory.mktemp("mfakz")
    warc = write_site_warc(root / "site.warc.gz", site())
    run = run_crawl("mfakz", root / "run1", archive=root / "archive", replay=warc)
    return run, root / "archive", warc


def test_graphql_pages_of_every_edition_are_read_until_an_empty_page(first_crawl):
    run, _, _ = first_crawl
    assert run.returncode == 0, run.log
    assert {(item["edition"], item["url"]) for item in run.items} == {
        ("ru", mfakz.article_url(1273258, "ru")), ("ru", mfakz.article_url(1273101, "ru")),
        ("ru", mfakz.article_url(1272950, "ru")), ("kk", mfakz.article_url(1273259, "kk")),
        ("en", mfakz.article_url(1273260, "en"))}
    assert run.stat("newscrawl/api/pages/graphql") == 7
    assert run.stat("newscrawl/archived") == 5
    assert run.stat("newscrawl/replay/missing") == 0
    languages = {item["edition"]: item["language"] for item in run.items}
    assert languages == {"ru": "ru", "kk": "kk", "en": "en"}


def test_utc_created_dates_are_stored_in_almaty_time(first_crawl):
    run, _, _ = first_crawl
    published = {item["url"]: item["published"] for item in run.items}
    assert published[mfakz.article_url(1273258, "ru")] == "2025-11-03T15:15:00+05:00"  # "…T10:15:00Z"
    assert published[mfakz.article_url(1273101, "ru")] == "2025-11-01T18:40:00+05:00"  # no offset: local


def test_incremental_crawl_stops_at_a_page_whose_items_are_all_archived(first_crawl, tmp_path):
    _, archive, warc = first_crawl
    run = run_crawl("mfakz", tmp_path / "run2", archive=archive, replay=warc, args={"edition": "ru"})
    assert run.returncode == 0, run.log
    assert run.items == []
    assert run.stat("newscrawl/api/pages/graphql") == 1
    assert run.stat("newscrawl/skipped/already_archived") == 2


def test_backfill_stops_at_the_first_page_reaching_past_since(tmp_path):
    warc = write_site_warc(tmp_path / "site.warc.gz", site())
    run = run_crawl("mfakz", tmp_path / "run", archive=tmp_path / "archive", replay=warc,
                    args={"edition": "ru", "since": "2025-11-01", "until": "2025-11-03"})
    assert run.returncode == 0, run.log
    assert {item["url"] for item in run.items} == {mfakz.article_url(1273258, "ru"), mfakz.article_url(1273101, "ru")}
    assert run.stat("newscrawl/api/pages/graphql") == 2


def test_url_argument_tries_graphql_then_the_rest_detail_then_the_page(tmp_path):
    pages = [ROBOTS,
             graphql(mfakz.graphql_query("ru", 1, 1, "1273258"), "graphql_item_1273258.json"),
             graphql(mfakz.graphql_query("ru", 1, 1, "1273300"), "graphql_errors.json"),
             rest(mfakz.rest_item_url("1273300", "ru"), "rest_item_1273300.json"),
             # the id filter ignored: the answer is the latest news, not the article asked for
             graphql(mfakz.graphql_query("en", 1, 1, "1273400"), "graphql_en_page1.json"),
             rest(mfakz.rest_item_url("1273400", "en"), "rest_unauthorized.json", status=401),
             spa_shell(mfakz.article_url(1273400, "en"))]
    warc = write_site_warc(tmp_path / "site.warc.gz", pages)
    urls = ",".join(["https://www.gov.kz/memleket/entities/mfa/press/news/details/1273258?lang=ru",
                     "https://www.gov.kz/memleket/entities/mfa/press/news/details/1273300?lang=ru",
                     "https://www.gov.kz/memleket/entities/mfa/press/news/details/1273400?lang=en"])
    run = run_crawl("mfakz", tmp_path / "run", archive=tmp_path / "archive", replay=warc, args={"url": urls})
    assert run.returncode == 0, run.log
    assert {item["url"]: item["title"] for item in run.items} == {
        mfakz.article_url(1273258, "ru"): "Казахстан и Узбекистан обсудили подготовку к заседанию "
                                          "межправительственной комиссии",
        mfakz.article_url(1273300, "ru"): "Казахстан и Монголия подписали план консультаций между министерствами "
                                          "иностранных дел на 2026–2027 годы"}
    assert run.stat("newscrawl/api/articles/graphql") == 1 and run.stat("newscrawl/api/articles/rest") == 1
    assert run.stat("newscrawl/api/failed/graphql") == 2 and run.stat("newscrawl/api/failed/rest") == 1
    # the unrendered page of a JavaScript application holds no article: counted, never archived
    assert run.stat("newscrawl/render/without_splash") == 1
    assert run.stat("newscrawl/skipped/unrendered_page") == 1
    assert run.stat("newscrawl/replay/missing") == 0


def test_failing_graphql_is_counted_and_the_rest_list_then_the_web_listing_are_asked(tmp_path):
    pages = [ROBOTS,
             graphql_page("ru", 1, "graphql_errors.json"),
             rest(mfakz.rest_list_url("ru", 1), "rest_ru_page1.json"),
             rest(mfakz.rest_list_url("ru", 2), "rest_ru_page2.json"),
             graphql_page("kk", 1, "graphql_errors.json", status=500),
             rest(mfakz.rest_list_url("kk", 1), "rest_unauthorized.json", status=401),
             spa_shell(mfakz.listing_url("kk", 1))]
    warc = write_site_warc(tmp_path / "site.warc.gz", pages)
    run = run_crawl("mfakz", tmp_path / "run", archive=tmp_path / "archive", replay=warc,
                    args={"edition": "ru,kk"})
    assert run.returncode == 0, run.log
    assert {item["url"] for item in run.items} == {mfakz.article_url(1273258, "ru"), mfakz.article_url(1273101, "ru")}
    assert run.stat("newscrawl/api/failed/graphql") == 2
    assert run.stat("newscrawl/api/failed/rest") == 1
    assert run.stat("newscrawl/api/pages/rest") == 2
    assert run.stat("newscrawl/listings/no_entries") == 1
    # kk found nothing: its standard routes were tried (the saved site has neither its home page nor a sitemap)
    assert run.stat("newscrawl/discovery/fallback") == 1 and run.stat("newscrawl/replay/missing") == 2
