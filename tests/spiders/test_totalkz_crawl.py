"""``scrapy crawl totalkz`` replayed from saved sites built of the hand-written Total.kz templates:
discovery through the feed and paged listings, backfill with a page search, ``-a url=`` with a
redirect from the rewritten URL form, failures counted, and seed 001 rebuilt as a page."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from support import FIXTURES, SitePage, run_crawl, write_site_warc

from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.items import Article

TEMPLATES = FIXTURES / "totalkz" / "templates"
ALMATY = ZoneInfo("Asia/Almaty")
SITE = "https://total.kz"
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря")
ROBOTS = SitePage(f"{SITE}/robots.txt", b"User-agent: *\nDisallow: /admin/\n", content_type="text/plain")
SEED_001 = "001_45e820025c7afbec.txt"


def visible(when: datetime) -> str:
    """A date as Total.kz prints it: "5 ноября 2019, 10:31"."""
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}, {when:%H:%M}"


def dated_url(section: str, slug: str, when: datetime) -> str:
    return f"{SITE}/ru/news/{section}/{slug}_date_{when:%Y_%m_%d_%H_%M_%S}"


def article_page(title: str, paragraphs: list[str], *, canonical: str, when: datetime | None = None,
                 author: str | None = None, lead: str | None = None) -> bytes:
    """An article page from the hand-written template (date and author shown only when given)."""
    meta = f'<span class="gray-text meta__date">{visible(when)}</span>' if when else ""
    if author:
        meta += f'\n        <span class="gray-text">{html.escape(author)}</span>'
    body = f"        <strong><p>\n        {html.escape(lead)}\n      </p></strong>\n" if lead else ""
    body += "".join(f"        <p>{html.escape(p)}</p>\n" for p in paragraphs)
    page = Template((TEMPLATES / "article.html").read_text(encoding="utf-8")).substitute(
        title=html.escape(title), canonical=canonical, meta=meta, body=body,
        tags='<li><a href="/ru/tag/novosti">#новости</a></li>')
    return page.encode("utf-8")


def listing_page(cards: list[tuple[str, datetime]], featured: str | None = None) -> bytes:
    """A listing page from the hand-written template: one card per (URL, date)."""
    items = "".join(
        f'      <div class="b-news-list__item"><a href="{url}"><h3 class="item-title">Новость {n}</h3></a>'
        f'<div class="item-date"><span>{visible(when)}</span></div></div>\n'
        for n, (url, when) in enumerate(cards))
    feat = f'<a class="image-news-card" href="{featured}"><span>Выбор редакции</span></a>' if featured else ""
    page = Template((TEMPLATES / "listing.html").read_text(encoding="utf-8")).substitute(
        heading="Все новости", featured=feat, cards=items)
    return page.encode("utf-8")


def story(n: int) -> list[str]:
    return [f"Первый абзац новости номер {n}: в Алматы прошло заседание городского маслихата.",
            f"Второй абзац новости номер {n}: депутаты обсудили бюджет и программу благоустройства на год."]


def records(archive: Path) -> dict[str, object]:
    """The archive's records by URL."""
    found = (read_record(p) for p in sorted(archive.glob("[0-9][0-9][0-9]*_*.txt")))
    return {r.url: r for r in found}


def test_incremental_crawl_reads_feed_and_listing_until_archived_articles(tmp_path):
    t0 = datetime(2021, 8, 24, 16, 0, tzinfo=ALMATY)
    when = {k: t0 - timedelta(hours=i) for i, k in enumerate("ABCDEFGHIJ")}
    urls = {k: dated_url("obshchestvo_sobitiya", f"story_{k.lower()}", when[k]) for k in "ABDEGHIJ"}
    urls["F"] = dated_url("redaktsiya_tandau", "vibor_redaktsii", t0 - timedelta(days=30))  # pinned, old
    urls["C"] = dated_url("tehno", "story_c", when["C"])
    rewritten_c = f"{SITE}/news/tehno/story_c"  # listed in the rewritten form, redirected
    archive = tmp_path / "archive"
    with_archived = Archiver.open(archive, fsync=False)
    for k in "HI":
        with_archived.add(Article(url=urls[k], outlet="totalkz", title=f"Новость {k}", body="\n".join(story(ord(k))),
                                  published=when[k]))
    with_archived.close()
    feed = ("<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Total.kz</title>"
            + "".join(f"<item><title>{k}</title><link>{urls[k]}</link><pubDate>{when[k]:%a, %d %b %Y %H:%M:%S %z}"
                      "</pubDate></item>" for k in "AB") + "</channel></rss>")
    pages = [
        ROBOTS,
        SitePage(f"{SITE}/rss", feed.encode(), content_type="application/rss+xml; charset=utf-8"),
        SitePage(f"{SITE}/ru/news", listing_page([(urls["A"], when["A"]), (urls["B"], when["B"]),
                                                  (rewritten_c, when["C"])], featured=urls["F"])),
        SitePage(f"{SITE}/ru/news/page-2", listing_page([(urls[k], when[k]) for k in "DEG"])),
        SitePage(f"{SITE}/ru/news/page-3", listing_page([(urls[k], when[k]) for k in "HI"])),
        SitePage(f"{SITE}/ru/news/page-4", listing_page([(urls["J"], when["J"])])),
        SitePage(rewritten_c, b"", status=301, headers=[("Location", urls["C"])]),
        SitePage(urls["D"], b"<html><body>Not found</body></html>", status=404),
        SitePage(urls["E"], b"<html><body>Server error</body></html>", status=500),
    ]
    for k in "ABCFGJ":
        pages.append(SitePage(urls[k], article_page(f"Новость {k}", story(ord(k)), canonical=urls[k], when=when.get(k),
                                                    lead=f"Лид новости {k}.")))
    run = run_crawl("totalkz", tmp_path / "run", archive=archive, replay=write_site_warc(tmp_path / "site.warc", pages))

    assert run.returncode == 0, run.log[-3000:]
    assert sorted(item["title"] for item in run.items) == ["Новость A", "Новость B", "Новость C", "Новость F",
                                                           "Новость G"]
    assert run.stat("newscrawl/archived") == 5
    assert run.stat("newscrawl/skipped/already_archived") == 2  # H and I, never requested
    assert run.stat("newscrawl/failed/http_404") == 1 and run.stat("newscrawl/failed/http_500") == 1
    assert run.stat("newscrawl/listings/pages") == 3  # page 3 holds only archived articles: page 4 is not read
    assert run.stat("newscrawl/replay/missing") == 0
    held = records(archive)
    assert urls["C"] in held and rewritten_c not in held  # the record keeps the page's canonical URL
    assert held[urls["A"]].published == when["A"] and held[urls["A"]].author == "ИА Тотал Казахстан"


def test_backfill_of_a_past_range_searches_the_section_listing_then_walks_to_since(tmp_path):
    newest = datetime(2019, 10, 20, 12, 0, tzinfo=ALMATY)
    cards = [(dated_url("vneshnyaya_politika", f"story_{k}", newest - timedelta(days=k)), newest - timedelta(days=k))
             for k in range(24)]  # two a page, one a day, pages 1 to 12
    base = f"{SITE}/ru/news/vneshnyaya_politika"
    pages = [ROBOTS]
    for page in range(1, 13):
        url = base if page == 1 else f"{base}/page-{page}"
        pages.append(SitePage(url, listing_page(cards[2 * page - 2:2 * page])))
    in_range = [(url, when) for url, when in cards if datetime(2019, 10, 3).date() <= when.date()
                <= datetime(2019, 10, 5).date()]
    for k, (url, when) in enumerate(in_range):
        pages.append(SitePage(url, article_page(f"Дипломатия {k}", story(100 + k), canonical=url, when=when)))
    run = run_crawl("totalkz", tmp_path / "run", archive=tmp_path / "archive",
                    replay=write_site_warc(tmp_path / "site.warc", pages),
                    args={"section": "vneshnyaya_politika", "since": "2019-10-03", "until": "2019-10-05"})

    assert run.returncode == 0, run.log[-3000:]
    assert sorted(item["url"] for item in run.items) == sorted(url for url, _ in in_range)
    assert [item["published"][:10] for item in sorted(run.items, key=lambda i: i["published"])] == [
        "2019-10-03", "2019-10-04", "2019-10-05"]
    assert run.stat("newscrawl/listings/probes") == 6  # pages 1, 2, 4, 8, 6, 7
    assert run.stat("newscrawl/listings/pages") == 4  # walked 7 to 10; page 10 is older than since
    assert run.stat("newscrawl/replay/missing") == 0  # no article outside the range was requested


def test_url_argument_follows_the_redirect_and_dates_the_page_by_its_url(tmp_path):
    target = f"{SITE}/ru/news/mir/v_zheneve_nachalis_peregovori_date_2023_03_02_08_15_00"
    source = f"{SITE}/news/mir/v_zheneve_nachalis_peregovori"
    pages = [ROBOTS, SitePage(source, b"", status=301, headers=[("Location", target)]),
             SitePage(target, article_page("В Женеве начались переговоры", story(7), canonical=target,
                                           author="Анна Ким"))]
    run = run_crawl("totalkz", tmp_path / "run", archive=tmp_path / "archive",
                    replay=write_site_warc(tmp_path / "site.warc", pages), args={"url": source})

    assert run.returncode == 0, run.log[-3000:]
    [item] = run.items
    assert item["url"] == target and item["author"] == "Анна Ким"
    assert item["published"] == "2023-03-02T08:15:00+06:00"
    assert run.stat("newscrawl/dates/given") == 1


def test_seed_001_rebuilt_as_a_page_gives_the_seed_record_with_the_true_offset(tmp_path, shared):
    seed = read_record(shared / "seeds" / SEED_001)
    lead, *paragraphs = seed.paragraphs()
    local = seed.published.replace(tzinfo=None)  # the seed writes local time as +00:00
    page = article_page(seed.title, paragraphs, canonical=seed.url, when=local.replace(tzinfo=ALMATY), lead=lead)
    run = run_crawl("totalkz", tmp_path / "run", archive=tmp_path / "archive",
                    replay=write_site_warc(tmp_path / "site.warc", [ROBOTS, SitePage(seed.url, page)]),
                    args={"url": seed.url})

    assert run.returncode == 0, run.log[-3000:]
    [record] = records(tmp_path / "archive").values()
    assert (record.title, record.author, record.url) == (seed.title, seed.author, seed.url)
    assert record.paragraphs() == seed.paragraphs()
    assert record.published.replace(tzinfo=None) == local == datetime(2019, 11, 5, 10, 31)
    assert record.published.utcoffset() == timedelta(hours=6)
    assert record.outlet_name == seed.outlet_name == "Тотал"
