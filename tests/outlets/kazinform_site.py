"""Kazinform test sites: pages built from the hand-written templates in
``tests/fixtures/kazinform/site/`` (article pages of two layouts, the all-news listing, the old
daily archive, RSS feeds, a category page), written as WARC files for ``-s REPLAY=``.

Templates hold ``{{name}}`` placeholders, and blocks between ``<!-- repeat:NAME -->`` and
``<!-- end:NAME -->`` that are repeated once per row (cards, feed items, pagination links).
The news texts are invented here; every story gets its own numbers, so no two bodies share a
fingerprint.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from support import FIXTURES, CrawlRun, SitePage, write_site_warc

from newscrawl.archive.records import RECORD_NAME, Record, read_record

SITE_TEMPLATES = FIXTURES / "kazinform" / "site"
ARTICLES = FIXTURES / "kazinform" / "articles"
ALMATY = ZoneInfo("Asia/Almaty")

#: month names as the 2023+ site prints them ("15 Август 2025") and as the 2019-2021 pages do
#: ("1 Декабря 2020")
RU_MONTHS = ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
             "Ноябрь", "Декабрь")
#: month names of the 2023+ site per edition
MONTHS = {
    "ru": RU_MONTHS,
    "kz": ("Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз", "Қыркүйек", "Қазан", "Қараша",
           "Желтоқсан"),
    "qz": ("Qańtar", "Aqpan", "Naýryz", "Sáýir", "Mamyr", "Maýsym", "Shilde", "Tamyz", "Qyrkúıek", "Qazan", "Qarasha",
           "Jeltoqsan"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
RU_MONTHS_GENITIVE = ("Января", "Февраля", "Марта", "Апреля", "Мая", "Июня", "Июля", "Августа", "Сентября",
                      "Октября", "Ноября", "Декабря")
#: every host the spider may contact; each gets a robots.txt so that replay misses mean real misses
HOSTS = ("https://www.inform.kz", "http://www.inform.kz", "https://qz.inform.kz", "https://qazinform.com")
ALL_NEWS_RU = "https://www.inform.kz/lenta/"
DAILY_ARCHIVE_RU = "https://www.inform.kz/ru/archive"

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
#: (dateline city, city after "в")
_CITIES = (("АСТАНА", "Астане"), ("АЛМАТЫ", "Алматы"), ("ШЫМКЕНТ", "Шымкенте"), ("КАРАГАНДА", "Караганде"),
           ("АКТОБЕ", "Актобе"), ("ПАВЛОДАР", "Павлодаре"), ("КОСТАНАЙ", "Костанае"), ("ТАРАЗ", "Таразе"),
           ("УРАЛЬСК", "Уральске"), ("СЕМЕЙ", "Семее"), ("АТЫРАУ", "Атырау"), ("КЫЗЫЛОРДА", "Кызылорде"),
           ("ПЕТРОПАВЛОВСК", "Петропавловске"), ("ТАЛДЫКОРГАН", "Талдыкоргане"), ("АКТАУ", "Актау"),
           ("ТУРКЕСТАН", "Туркестане"))
_THINGS = (("novuyu-shkolu", "новую школу"), ("polikliniku", "поликлинику"),
           ("sportivnyy-kompleks", "спортивный комплекс"), ("detskiy-sad", "детский сад"),
           ("biblioteku", "библиотеку"), ("ledovuyu-arenu", "ледовую арену"), ("bassein", "бассейн"))


@cache
def template(name: str) -> str:
    """The text of a template file."""
    return (SITE_TEMPLATES / name).read_text(encoding="utf-8")


def fill(text: str, values: Mapping[str, str]) -> str:
    """``{{name}}`` placeholders replaced by the values (inserted as given); every one must be known."""
    def value(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise KeyError(f"template placeholder {m.group(0)} has no value")
        return values[m.group(1)]

    return _PLACEHOLDER.sub(value, text)


def repeat(text: str, block: str, rows: Iterable[Mapping[str, str]]) -> str:
    """The ``repeat:block`` part of a template, filled once per row."""
    pattern = re.compile(rf"<!-- repeat:{block} -->\n?(.*?)[ \t]*<!-- end:{block} -->", re.S)
    match = pattern.search(text)
    if match is None:
        raise KeyError(f"template has no block {block!r}")
    body = "".join(fill(match.group(1), row) for row in rows)
    return text[:match.start()] + body + text[match.end():]


def esc(text: str) -> str:
    """Text for HTML and XML."""
    return html.escape(text, quote=True)


def in_json(text: str) -> str:
    """Text inside a JSON string (the JSON-LD of a page)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def visible_date(when: datetime, edition: str = "ru") -> str:
    """A date as the 2023+ site prints it: ``14:02, 15 Август 2025`` (``30 Qańtar 2026`` in qz)."""
    local = when.astimezone(ALMATY)
    return f"{local:%H:%M}, {local.day:02d} {MONTHS[edition][local.month - 1]} {local.year}"


def visible_date_2019(when: datetime, lang: str = "ru") -> str:
    """A date as the 2019-2021 pages print it: ``1 Декабря 2020 14:02`` (``25 September 2015 10:00`` in en)."""
    local = when.astimezone(ALMATY)
    month = RU_MONTHS_GENITIVE[local.month - 1] if lang == "ru" else f"{local:%B}"
    return f"{local.day} {month} {local.year} {local:%H:%M}"


@dataclass(frozen=True)
class Story:
    """One invented article of a test site."""

    url: str
    title: str
    published: datetime
    paragraphs: tuple[str, ...]
    lead: str | None = None
    author: str = "Динара Жумабаева"
    layout: str = "2023"  # or "a2019", the "_a" pages of 2019-2021
    lang: str = "ru"

    @property
    def path(self) -> str:
        """The URL's path (cards link relative paths)."""
        return urlsplit(self.url).path

    @property
    def body(self) -> list[str]:
        """The paragraphs a record of the story holds."""
        return [self.lead, *self.paragraphs] if self.lead else list(self.paragraphs)

    @property
    def image(self) -> str:
        """An image id, from the URL's tail."""
        return re.sub(r"\W", "", self.url.rsplit("-", 1)[-1].rsplit("_", 1)[-1])[-8:] or "0"

    def html(self) -> str:
        """The article page."""
        paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in self.paragraphs)
        lead = self.lead or self.paragraphs[0][:160]
        values = {"url": esc(self.url), "title": esc(self.title), "lead": esc(lead), "author": esc(self.author),
                  "published": self.published.isoformat(), "image": self.image, "lang": self.lang,
                  "paragraphs": paragraphs, "url_json": in_json(self.url), "title_json": in_json(self.title),
                  "lead_json": in_json(lead), "author_json": in_json(self.author)}
        if self.layout == "a2019":
            return fill(template("article_a2019.html"),
                        {**values, "visible_date": visible_date_2019(self.published, self.lang)})
        return fill(template("article_2023.html"), {**values, "visible_date": visible_date(self.published)})

    def page(self, **kw) -> SitePage:
        """The article page as a site response."""
        return SitePage(self.url, self.html().encode("utf-8"), **kw)


def ru_stories(count: int, newest: datetime, *, step: timedelta = timedelta(minutes=50), seed: int = 0,
               layout: str = "2023") -> list[Story]:
    """``count`` invented ru stories, newest first, ``step`` apart; ``seed`` keeps sets apart."""
    stories = []
    for i in range(count):
        n = 120 + 37 * i + 1009 * seed
        (dateline, city), (thing_slug, thing) = _CITIES[(i + seed) % len(_CITIES)], _THINGS[(i + 3 * seed) % 7]
        when = (newest - i * step).astimezone(ALMATY)
        if layout == "a2019":
            url = f"https://www.inform.kz/ru/v-gorode-otkryli-{thing_slug}-na-{n}-mest_a{3700000 + n}"
        else:
            url = f"https://www.inform.kz/ru/v-gorode-otkryli-{thing_slug}-na-{n}-mest-{0xa10000 + n:06x}"
        stories.append(Story(
            url=url,
            title=f"В {city} открыли {thing} на {n} мест",
            published=when,
            lead=f"Объект на {n} мест построили за {n % 11 + 7} месяцев." if layout == "2023" else None,
            paragraphs=(
                f"{dateline}. KAZINFORM – В {city} открыли {thing} на {n} мест, сообщили в пресс-службе "
                f"городского акимата.",
                f"Строительство обошлось в {n * 7 % 900 + 100} млн тенге. Работы начались весной и завершились "
                f"на {n % 5 + 2} недели раньше срока, подрядчик уже сдал все документы.",
                f"«До конца года мы планируем открыть еще {n % 9 + 2} подобных объектов в разных районах "
                f"города», – отметили в управлении строительства.",
            ),
            layout=layout,
        ))
    return stories


# -- listings
@dataclass
class ListingPage:
    """One page of a listing: its stories (cards) and what its pagination shows."""

    stories: Sequence[Story]
    number: int
    shown_pages: Sequence[int]
    hrefs: Mapping[str, str] = field(default_factory=dict)  # story URL -> the href the card links


def all_news_url(page: int, start: date | None = None, end: date | None = None, base: str = ALL_NEWS_RU) -> str:
    """The URL of a page of the all-news listing, date-ranged when ``start``/``end`` are given."""
    query: dict[str, str | int] = {"page": page}
    if start is not None:
        query["start_date"] = start.isoformat()
    if end is not None:
        query["end_date"] = end.isoformat()
    return f"{base}?{urlencode(query)}"


def all_news_html(page: ListingPage, start: date | None = None, end: date | None = None,
                  base: str = ALL_NEWS_RU, edition: str = "ru") -> str:
    """A page of the 2023+ all-news listing of an edition."""
    cards = [{"href": esc(page.hrefs.get(s.url, s.path)), "title": esc(s.title),
              "time": visible_date(s.published, edition), "image": s.image} for s in page.stories]
    links = [{"href": esc(all_news_url(n, start, end, base)), "number": str(n),
              "active": " active" if n == page.number else ""} for n in page.shown_pages]
    text = repeat(repeat(template("all_news.html"), "card", cards), "page", links)
    lang = {"kz": "kk", "qz": "kk"}.get(edition, edition)
    return fill(text, {"lang": lang, "start_date": start.isoformat() if start else "",
                       "end_date": end.isoformat() if end else ""})


def all_news_site(stories: Sequence[Story], *, per_page: int, start: date | None = None, end: date | None = None,
                  beyond_end: bool = True, shown_pages: int | None = None, base: str = ALL_NEWS_RU,
                  hrefs: Mapping[str, str] | None = None, edition: str = "ru") -> list[SitePage]:
    """The pages of the all-news listing over ``stories`` (newest first), ``per_page`` cards each.

    ``beyond_end`` adds the page after the last, answered as the site does: the last page again, its
    pagination marking the last page active. ``shown_pages`` is how many page links the pagination
    shows (default: all pages; more than that imitates a stale page count).
    """
    count = max(1, -(-len(stories) // per_page))
    shown = list(range(1, (shown_pages or count) + 1))
    pages = []
    for number in range(1, count + 1):
        chunk = stories[(number - 1) * per_page:number * per_page]
        listing = ListingPage(chunk, number, shown, hrefs or {})
        pages.append(SitePage(all_news_url(number, start, end, base),
                              all_news_html(listing, start, end, base, edition).encode()))
    if beyond_end:
        last = ListingPage(stories[(count - 1) * per_page:], count, shown, hrefs or {})
        pages.append(SitePage(all_news_url(count + 1, start, end, base),
                              all_news_html(last, start, end, base, edition).encode()))
    return pages


def daily_archive_url(day: date, page: int = 1, base: str = DAILY_ARCHIVE_RU) -> str:
    """The URL of a page of the 2019-2021 daily archive."""
    return f"{base}{f'/{page}' if page > 1 else ''}?date={day:%d.%m.%Y}"


def daily_archive_site(day: date, stories: Sequence[Story], *, per_page: int,
                       base: str = DAILY_ARCHIVE_RU) -> list[SitePage]:
    """The pages of one day of the 2019-2021 daily archive, links relative as on the site."""
    count = max(1, -(-len(stories) // per_page))
    pages = []
    for number in range(1, count + 1):
        items = [{"href": esc(s.path), "title": esc(s.title), "time": f"{s.published.astimezone(ALMATY):%H:%M}"}
                 for s in stories[(number - 1) * per_page:number * per_page]]
        links = [{"href": esc(urlsplit(daily_archive_url(day, n, base))._replace(scheme="", netloc="").geturl()),
                  "number": str(n), "active": ' class="active"' if n == number else ""}
                 for n in range(1, count + 1)]
        text = repeat(repeat(template("daily_archive.html"), "item", items), "page", links)
        pages.append(SitePage(daily_archive_url(day, number, base),
                              fill(text, {"lang": "ru", "day": f"{day:%d.%m.%Y}"}).encode()))
    return pages


def rss_feed(url: str, stories: Sequence[Story], *, template_name: str = "rss_p_ru.xml",
             links: Mapping[str, str] | None = None) -> SitePage:
    """An RSS feed over the stories; ``links`` may give a story's feed link another form."""
    items = [{"title": esc(s.title), "link": esc((links or {}).get(s.url, s.url)), "lead": esc(s.lead or s.title),
              "pub_date": format_datetime(s.published), "image": s.image, "author": esc(s.author)}
             for s in stories]
    body = repeat(template(template_name), "item", items)
    return SitePage(url, body.encode(), content_type="application/rss+xml; charset=utf-8")


def category_page(url: str, name: str, stories: Sequence[Story]) -> SitePage:
    """A 2023+ category page (a list of cards: not an article)."""
    cards = [{"href": esc(s.path), "title": esc(s.title), "time": visible_date(s.published), "image": s.image}
             for s in stories]
    body = fill(repeat(template("category.html"), "card", cards), {"title": esc(name), "url": esc(url)})
    return SitePage(url, body.encode())


# -- whole sites
def robots_pages(hosts: Iterable[str] = HOSTS) -> list[SitePage]:
    """A permissive robots.txt for every host."""
    return [SitePage(f"{host}/robots.txt", b"User-agent: *\nDisallow: /search\n", content_type="text/plain")
            for host in hosts]


def write_site(path: Path, pages: Iterable[SitePage]) -> Path:
    """A WARC of the pages plus every host's robots.txt (a later page of one URL replaces an earlier one)."""
    by_url = {p.url: p for p in [*robots_pages(), *pages]}
    return write_site_warc(path, list(by_url.values()))


def moved(story: Story, **changes) -> Story:
    """A copy of a story with some fields changed."""
    return replace(story, **changes)


# -- what a crawl did
_CRAWLED = re.compile(r"Crawled \((\d{3})\) <(\w+) (\S+)>")
_REDIRECTED = re.compile(r"Redirecting \((\d{3})\) to <\w+ \S+> from <(\w+) (\S+)>")


def requested_urls(run: CrawlRun) -> list[str]:
    """Every URL the crawl downloaded (each retry and each redirect hop once), robots.txt left out;
    needs the crawl's log at DEBUG level."""
    urls = [m.group(3) for m in _CRAWLED.finditer(run.log)] + [m.group(3) for m in _REDIRECTED.finditer(run.log)]
    return [u for u in urls if not u.endswith("/robots.txt")]


def fixture_page(name: str, **kw) -> tuple[Story, SitePage]:
    """A hand-written article page of ``tests/fixtures/kazinform/articles`` as a story (for cards and
    feed items) and the page serving it."""
    expected = json.loads((ARTICLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    story = Story(url=expected["url"], title=expected["title"], published=datetime.fromisoformat(expected["published"]),
                  paragraphs=tuple(expected["body"]), author=expected["author"] or "Kazinform",
                  lang=expected["language"])
    return story, SitePage(expected["url"], (ARTICLES / f"{name}.html").read_bytes(), **kw)


def records(folder: Path) -> dict[str, Record]:
    """The records of an archive folder by file name."""
    return {p.name: read_record(p) for p in sorted(folder.iterdir()) if RECORD_NAME.match(p.name)}
