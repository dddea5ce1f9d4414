"""``scrapy crawl mosds`` replayed from saved sites built of the hand-written press-centre templates:
paging by the page's own links or the guessed ``?PAGEN_1=``, ``since``, archived articles skipped,
failures counted, a site whose markup differs from the guess, and seed 003 rebuilt as a page."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path
from string import Template

from support import FIXTURES, SitePage, run_crawl, write_site_warc

from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.items import Article

TEMPLATES = FIXTURES / "mosds" / "templates"
NEWS = "https://mosds.mos.ru/presscenter/news/"
ROBOTS = SitePage("https://mosds.mos.ru/robots.txt", b"User-agent: *\nDisallow: /bitrix/\n", content_type="text/plain")
SEED_003 = "003_ecedd4c3073f5851.txt"


def detail(news_id: int) -> str:
    return f"{NEWS}detail/{news_id}.html"


def article_page(title: str, day: date, paragraphs: list[str], canonical: str | None = None) -> bytes:
    """An article page from the hand-written template; paragraphs are HTML."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"        <p>{p}</p>\n" for p in paragraphs)
    return Template((TEMPLATES / "article.html").read_text(encoding="utf-8")).substitute(
        title=html.escape(title), day=f"{day:%d.%m.%Y}", body=body, canonical=link).encode("utf-8")


def listing_page(cards: list[tuple[int, date]], pages: list[int] = ()) -> bytes:
    """A listing page from the hand-written template, with Bitrix pagination links to ``pages``."""
    items = "".join(f'        <li><p><span class="date">{day:%d.%m.%Y}</span> <a class="rubr" href="{NEWS}?rubric=1">'
                    f'События</a> <a href="detail/{news_id}.html">Новость {news_id}</a></p></li>\n'
                    for news_id, day in cards)
    nav = "".join(f'<a href="/presscenter/news/?PAGEN_1={n}">{n}</a>' for n in pages)
    return Template((TEMPLATES / "listing.html").read_text(encoding="utf-8")).substitute(
        items=items, pagination=f'<div class="modern-page-navigation">{nav}</div>' if nav else "").encode("utf-8")


def story(news_id: int) -> list[str]:
    return [f"В Московском доме соотечественника прошла встреча номер {news_id} с представителями диаспор.",
            f"Участники встречи {news_id} обсудили культурные программы и поддержку русских школ за рубежом."]


def records(archive: Path) -> dict[str, object]:
    return {r.url: r for r in (read_record(p) for p in sorted(archive.glob("[0-9][0-9][0-9]*_*.txt")))}


def test_incremental_crawl_follows_pagination_links_until_archived_articles(tmp_path):
    day = {news_id: date(2021, 4, 30) - timedelta(days=i) for i, news_id in enumerate(range(101, 109))}
    archive = tmp_path / "archive"
    held = Archiver.open(archive, fsync=False)
    for news_id in (107, 108):
        held.add(Article(url=detail(news_id), outlet="mosds", title=f"Новость {news_id}",
                         body="\n".join(story(news_id))))
    held.close()
    pages = [
        ROBOTS,
        SitePage(NEWS, listing_page([(n, day[n]) for n in (101, 102, 103)], pages=[2, 3])),
        SitePage(f"{NEWS}?PAGEN_1=2", listing_page([(n, day[n]) for n in (104, 105, 106)], pages=[1, 3])),
        SitePage(f"{NEWS}?PAGEN_1=3", listing_page([(n, day[n]) for n in (107, 108)], pages=[1, 2, 4])),
        SitePage(detail(104), b"<html><body>404 Not Found</body></html>", status=404),
        SitePage(detail(105), b"<html><body>500 Internal Server Error</body></html>", status=500),
    ]
    pages += [SitePage(detail(n), article_page(f"Новость {n}", day[n], story(n))) for n in (101, 102, 103, 106)]
    run = run_crawl("mosds", tmp_path / "run", archive=archive, replay=write_site_warc(tmp_path / "site.warc", pages))

    assert run.returncode == 0, run.log[-3000:]
    assert sorted(item["url"] for item in run.items) == [detail(n) for n in (101, 102, 103, 106)]
    assert run.stat("newscrawl/listings/pages") == 3  # page 3 holds only archived articles: page 4 is not read
    assert run.stat("newscrawl/skipped/already_archived") == 2
    assert run.stat("newscrawl/failed/http_404") == 1 and run.stat("newscrawl/failed/http_500") == 1
    assert run.stat("newscrawl/replay/missing") == 0
    record = records(archive)[detail(101)]
    assert record.published.isoformat() == "2021-04-30T00:00:00+03:00"
    assert record.author == "Московский дом соотечественника"


def test_backfill_walks_the_guessed_pages_back_to_since(tmp_path):
    first = date(2020, 3, 20)
    cards = [(200 + k, first - timedelta(days=k)) for k in range(9)]  # three a page, pages 1 to 3
    pages = [ROBOTS, SitePage(NEWS, listing_page(cards[:3])),
             SitePage(f"{NEWS}?PAGEN_1=2", listing_page(cards[3:6])),
             SitePage(f"{NEWS}?PAGEN_1=3", listing_page(cards[6:9]))]
    wanted = [(n, d) for n, d in cards if d >= date(2020, 3, 15)]
    pages += [SitePage(detail(n), article_page(f"Новость {n}", d, story(n))) for n, d in wanted]
    run = run_crawl("mosds", tmp_path / "run", archive=tmp_path / "archive",
                    replay=write_site_warc(tmp_path / "site.warc", pages), args={"since": "2020-03-15"})

    assert run.returncode == 0, run.log[-3000:]
    assert sorted(item["url"] for item in run.items) == sorted(detail(n) for n, _ in wanted)
    # page 2 ends on the since day, which may go on on page 3; page 3 is older than since: the walk ends
    assert run.stat("newscrawl/listings/pages") == 3
    assert run.stat("newscrawl/listings/guessed_pages") == 2  # the listing shows no pagination links
    assert run.stat("newscrawl/replay/missing") == 0
    assert "no pagination links" in run.log


def test_site_unlike_the_guess_still_gives_records_and_every_miss_is_counted(tmp_path):
    listing = (FIXTURES / "mosds" / "listing" / "news_unknown_markup.html").read_bytes()
    redesigned = (FIXTURES / "mosds" / "articles" / "changed_layout.html").read_bytes()
    pages = [ROBOTS, SitePage(NEWS, listing), SitePage(f"{NEWS}?PAGEN_1=2", listing),  # the parameter is ignored
             SitePage(detail(11250077), redesigned), SitePage(detail(11250012), b"", status=404),
             SitePage(detail(11249830), article_page("Лекция об истории русской эмиграции", date(2023, 9, 29),
                                                     story(11249830)))]
    run = run_crawl("mosds", tmp_path / "run", archive=tmp_path / "archive",
                    replay=write_site_warc(tmp_path / "site.warc", pages))

    assert run.returncode == 0, run.log[-3000:]
    by_url = {item["url"]: item for item in run.items}
    assert set(by_url) == {detail(11250077), detail(11249830)}
    assert by_url[detail(11250077)]["title"] == "Соотечественники из 20 стран обсудили сохранение русского языка"
    assert by_url[detail(11250077)]["published"] == "2023-10-06T14:30:00+03:00"
    assert all(item["body"] and item["title"] for item in run.items)
    assert run.stat("newscrawl/listings/layout_fallback") == 2
    assert run.stat("newscrawl/listings/repeated_pages") == 1
    assert run.stat("newscrawl/layout/fallback") == 1
    assert run.stat("newscrawl/failed/http_404") == 1
    assert "no documented mosds page layout matched" in run.log and "repeats earlier pages" in run.log


def test_seed_003_rebuilt_as_a_page_gives_its_title_day_and_url(tmp_path, shared):
    seed = read_record(shared / "seeds" / SEED_003)
    # the seed keeps a link as Markdown ("[Дни культуры Москвы](#)"); on the page it is a link again
    paragraphs = [re.sub(r"\[([^\]]+)\]\(([^)]*)\)", r'<a href="\2">\1</a>', html.escape(p, quote=False))
                  for p in seed.paragraphs()]
    https_url = seed.url.replace("http://", "https://")
    page = article_page(seed.title, seed.published, paragraphs, canonical=seed.url)
    run = run_crawl("mosds", tmp_path / "run", archive=tmp_path / "archive",
                    replay=write_site_warc(tmp_path / "site.warc", [ROBOTS, SitePage(https_url, page)]),
                    args={"url": https_url})

    assert run.returncode == 0, run.log[-3000:]
    [record] = records(tmp_path / "archive").values()
    assert record.title == seed.title
    assert record.published.date() == seed.published == date(2019, 11, 15)
    assert record.url == seed.url == "http://mosds.mos.ru/presscenter/news/detail/8494146.html"
    text = [re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", p) for p in seed.paragraphs()]
    assert record.paragraphs() == [p for p in text if not p.startswith("Фото:")]
