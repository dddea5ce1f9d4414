"""A small news site on 127.0.0.1 that misbehaves on purpose, with its ground truth.

The site has ``robots.txt`` naming a sitemap index, a news sitemap with publication dates, an RSS
feed whose links carry tracking parameters, and article pages in a realistic template (JSON-LD,
OpenGraph, ``<time datetime>``, navigation, sidebar, footer). Articles are built from their id
alone, so a test knows what every record must hold.

Faults, chosen by article id (``FAULTS``):

* ``error``: HTTP 500 on the first request (transient)
* ``cut``: full Content-Length announced, body cut and the connection closed (first request)
* ``truncated``: valid HTTP, HTML cut at 60 % (always: the article cannot be fetched whole)
* ``malformed``: unclosed and stray tags, unescaped ``&`` and ``<``, a second ``<body>``,
  undecodable bytes in the sidebar
* ``cp1251``: encoded in windows-1251 (declared in the header or only in ``<meta>``)
* ``redirect``: the sitemap lists ``/go/<id>/3``, a 302 → 307 → 301 chain to the article
* ``tracking``: listed again with ``?utm_source=…`` (feed and sitemap)
* ``reprint``: the same story again under another URL, in another template
* ``escape``: a title and URL made to reach outside the archive folder

Bad input, each listed in the sitemap like an article: ``/bad/huge.html`` (50 MB), ``/bad/binary.html``
(random bytes served as text/html), ``/bad/runaway.html`` (a page that keeps the extractor busy
for many seconds).

Everything runs in a daemon thread of the test process (``with FaultSite(n) as site``); the server
binds loopback only, answers at most ``max_requests`` requests and can slow article responses
(``delay``) so that a crawl lasts long enough to be killed at random moments.
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

ZONE = timezone(timedelta(hours=3))
NEWEST = datetime(2024, 5, 20, 18, 30, tzinfo=ZONE)
WORDS = (
    "город", "область", "правительство", "министр", "проект", "развитие", "сотрудничество", "встреча",
    "соглашение", "экономика", "инвестиции", "предприятие", "строительство", "дороги", "жители", "школа",
    "больница", "университет", "культура", "спорт", "турнир", "фестиваль", "выставка", "конференция",
    "бюджет", "рынок", "энергия", "вода", "ремонт", "цифровизация", "решение", "поддержка", "работа",
    "молодежь", "погода", "полиция", "суд", "граница", "торговля", "урожай",
)
#: fault kinds by article id
FAULTS: dict[str, tuple[int, ...]] = {
    "error": (1, 9), "cut": (2, 10), "truncated": (3,), "malformed": (4, 11), "cp1251": (5, 12),
    "redirect": (6, 13), "tracking": (7, 14), "reprint": (8,), "escape": (15,),
}
BAD_PAGES = ("/bad/huge.html", "/bad/binary.html", "/bad/runaway.html")
HUGE_BYTES = 50 * 1024 * 1024
ARTICLE_PATH = re.compile(r"^/news/(\d{4})/(\d+)-([^/]*)\.html$")


@dataclass
class Story:
    """The ground truth of one article."""

    id: int
    title: str
    lead: str
    paragraphs: list[str]
    published: datetime
    author: str
    faults: set[str] = field(default_factory=set)
    #: id of the article this one reprints
    reprint_of: int | None = None

    @property
    def slug(self) -> str:
        return "..%2F..%2F..%2Fescape" if "escape" in self.faults else f"story-{self.id}"

    @property
    def path(self) -> str:
        return f"/news/{self.published:%Y}/{self.id}-{self.slug}.html"

    @property
    def body(self) -> list[str]:
        """The paragraphs a record must hold: lead first."""
        return [self.lead, *self.paragraphs]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def make_story(i: int) -> Story:
    """Article ``i``, the same every time."""
    rng = random.Random(f"faultsite:{i}")
    faults = {kind for kind, ids in FAULTS.items() if i in ids}
    title = f"Новость {i}: " + " ".join(rng.choice(WORDS) for _ in range(6))
    if "escape" in faults:
        title = "../../../../tmp/escape " + title + " /etc/passwd"
    lead = _sentence(rng, 18)
    paragraphs = [" ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(2, 4)))
                  for _ in range(rng.randint(4, 8))]
    published = NEWEST - timedelta(hours=5 * i, minutes=7 * i)
    return Story(i, title, lead, paragraphs, published, f"Автор {i % 5}", faults)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class FaultSite:
    """The site's model and its server."""

    def __init__(self, n: int = 20, *, delay: float = 0.0, max_requests: int = 20000, bad_pages: bool = False):
        self.stories = [make_story(i) for i in range(n)]
        self.reprints: dict[str, Story] = {}
        for story in self.stories:
            if "reprint" in story.faults:
                original = self.stories[(story.id + 1) % n]
                copy = Story(story.id, original.title, original.lead, original.paragraphs, story.published,
                             original.author, {"reprint"}, reprint_of=original.id)
                self.stories[story.id] = copy
        self.delay = delay
        self.max_requests = max_requests
        self.bad_pages = bad_pages
        self.attempts: dict[str, int] = {}
        self.requests = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # -- ground truth
    def fetchable(self) -> list[Story]:
        """Articles a crawl can get whole: every one but the truncated, reprints counted once."""
        return [s for s in self.stories if "truncated" not in s.faults and s.reprint_of is None]

    def truth_by_title(self) -> dict[str, list[Story]]:
        """Fetchable stories by title: the original first, then its reprints (either may be archived)."""
        found = {s.title: [s] for s in self.fetchable()}
        for s in self.stories:
            if s.reprint_of is not None and s.title in found:
                found[s.title].append(s)
        return found

    # -- pages
    def article_html(self, story: Story, variant: int = 0) -> str:
        iso = story.published.isoformat()
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
                         "datePublished": iso, "author": {"@type": "Person", "name": story.author}},
                        ensure_ascii=False)
        nav = "".join(f'<li><a href="/section/{k}/">{w.capitalize()}</a></li>' for k, w in enumerate(WORDS[:12]))
        side = "".join(f'<li><a href="{s.path}">{_esc(s.title)}</a></li>' for s in self.stories[:6])
        paragraphs = "".join(f"<p>{_esc(p)}</p>" for p in story.paragraphs)
        wrapper = ("article", "main-article") if variant == 0 else ("div", "post-content")
        return (
            f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{_esc(story.title)} | Тестовый портал'
            f'</title><meta property="og:title" content="{_esc(story.title)}">'
            f'<meta property="article:published_time" content="{iso}"><link rel="canonical" href="{story.path}">'
            f'<script type="application/ld+json">{ld}</script></head><body>'
            f'<header><a href="/">Тестовый портал</a><nav><ul>{nav}</ul></nav></header>'
            f'<{wrapper[0]} class="{wrapper[1]}"><h1>{_esc(story.title)}</h1>'
            f'<div class="meta"><span class="author">{_esc(story.author)}</span> '
            f'<time datetime="{iso}">{story.published:%d.%m.%Y %H:%M}</time></div>'
            f'<p class="lead"><strong>{_esc(story.lead)}</strong></p>{paragraphs}</{wrapper[0]}>'
            f'<aside class="sidebar"><h3>Самое читаемое</h3><ul>{side}</ul></aside>'
            f'<footer><p>© 2024 Тестовый портал. Все права защищены.</p></footer></body></html>'
        )

    def article_bytes(self, story: Story) -> tuple[bytes, str]:
        """The page as served, and its Content-Type."""
        html = self.article_html(story, variant=1 if story.reprint_of is not None else 0)
        if "malformed" in story.faults:
            html = (html.replace("</p>", "</span></div></p>", 2)
                    .replace('<div class="meta">', '<div class="meta"><b>', 1)
                    .replace("Все права защищены.", "AT&T < 5 && x<y", 1)
                    .replace("<header>", '<html><body class="again"><header>', 1))
            data = html.encode("utf-8").replace(b"<h3>", b"<h3>\xff\xfe\xc3\x28", 1)
            return data.replace(b"</div>", b"", 1), "text/html; charset=utf-8"
        if "cp1251" in story.faults:
            html = html.replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
            ctype = "text/html; charset=windows-1251" if story.id % 2 else "text/html"
            return html.encode("cp1251"), ctype
        data = html.encode("utf-8")
        if "truncated" in story.faults:
            data = data[: int(len(data) * 0.6)]
        return data, "text/html; charset=utf-8"

    def sitemap_index(self, base: str) -> str:
        return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>{NEWEST.isoformat()}</lastmod></sitemap>"
                "</sitemapindex>")

    def news_sitemap(self, base: str) -> str:
        urls = []
        for s in self.stories:
            loc = f"{base}/go/{s.id}/3" if "redirect" in s.faults else f"{base}{s.path}"
            urls.append(f"<url><loc>{_esc(loc)}</loc><news:news><news:publication><news:name>Тест</news:name>"
                        f"<news:language>ru</news:language></news:publication>"
                        f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
                        f"<news:title>{_esc(s.title)}</news:title></news:news></url>")
            if "tracking" in s.faults:
                urls.append(f"<url><loc>{base}{s.path}?utm_source=sitemap&amp;utm_medium=seo</loc></url>")
        if self.bad_pages:
            urls += [f"<url><loc>{base}{p}</loc><lastmod>{NEWEST.isoformat()}</lastmod></url>" for p in BAD_PAGES]
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(urls) + "</urlset>")

    def feed(self, base: str) -> str:
        items = "".join(f"<item><title>{_esc(s.title)}</title>"
                        f"<link>{base}{s.path}?utm_source=rss&amp;utm_medium=feed</link>"
                        f"<pubDate>{s.published.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate></item>"
                        for s in self.stories[:8])
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Тест</title>'
                f"{items}</channel></rss>")

    def home(self) -> str:
        return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Тестовый портал</title>'
                '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
                '<body><h1>Тестовый портал</h1></body></html>')

    def first_time(self, key: str) -> bool:
        """Whether this is the first request for ``key`` (transient faults fail only then)."""
        with self.lock:
            seen = self.attempts.get(key, 0)
            self.attempts[key] = seen + 1
        return seen == 0

    # -- serving
    def __enter__(self) -> FaultSite:
        site = self

        class Handler(_Handler):
            pass

        Handler.site = site
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: FaultSite

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", *,
             headers: dict[str, str] | None = None, cut: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])
        if cut is not None:
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self) -> None:
        site = self.site
        with site.lock:
            site.requests += 1
            over = site.requests > site.max_requests
        if over:
            self.send(503, b"request budget spent")
            return
        base = f"http://{self.headers.get('Host')}"
        path = urlsplit(self.path).path
        if path == "/robots.txt":
            self.send(200, f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain")
        elif path == "/":
            self.send(200, site.home().encode())
        elif path == "/rss.xml":
            self.send(200, site.feed(base).encode(), "application/rss+xml; charset=utf-8")
        elif path == "/sitemap.xml":
            self.send(200, site.sitemap_index(base).encode(), "application/xml")
        elif path == "/sitemap-news.xml":
            self.send(200, site.news_sitemap(base).encode(), "application/xml")
        elif m := re.match(r"^/go/(\d+)/(\d+)$", path):
            i, hops = int(m.group(1)), int(m.group(2))
            target = site.stories[i].path if hops == 1 else f"/go/{i}/{hops - 1}"
            self.send((301, 302, 307)[hops % 3], b"", headers={"Location": base + target})
        elif path.startswith("/bad/"):
            self.bad(path)
        elif (m := ARTICLE_PATH.match(self.path.split("?")[0])) and int(m.group(2)) < len(site.stories) \
                and site.stories[int(m.group(2))].path == self.path.split("?")[0]:
            self.article(site.stories[int(m.group(2))])
        else:
            self.send(404, b"<html><body><h1>Not found</h1></body></html>")

    def article(self, story: Story) -> None:
        site = self.site
        if site.delay:
            time.sleep(site.delay)
        body, ctype = site.article_bytes(story)
        if "error" in story.faults and site.first_time(f"error:{story.id}"):
            self.send(500, b"<html><body><h1>Internal Server Error</h1></body></html>")
        elif "cut" in story.faults and site.first_time(f"cut:{story.id}"):
            self.send(200, body, ctype, cut=len(body) // 3)
        else:
            self.send(200, body, ctype)

    def bad(self, path: str) -> None:
        if path == "/bad/huge.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            try:
                for _ in range(HUGE_BYTES // len(chunk)):
                    self.wfile.write(chunk)
                self.wfile.write(b" " * (HUGE_BYTES % len(chunk)))
            except OSError:  # the client gives up, as it should
                self.close_connection = True
        elif path == "/bad/binary.html":
            self.send(200, random.Random(7).randbytes(200_000))
        elif path == "/bad/runaway.html":
            self.send(200, runaway_page())
        else:
            self.send(404, b"")


def runaway_page(paragraphs: int = 60000) -> bytes:
    """A valid article-like page of tens of thousands of paragraphs: trafilatura takes many seconds on it."""
    body = "".join(f"<div><p>Абзац {i} текст текст текст ещё несколько слов здесь.</p></div>"
                   for i in range(paragraphs))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Runaway</title></head><body><h1>Runaway</h1>'
            f"<article>{body}</article></body></html>").encode()
