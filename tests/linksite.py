"""A site of linked article pages on 127.0.0.1 for the distributed-crawl tests, with its ground truth.

Page ``i`` (``/p/<i>.html``) is an article whose text is made from ``i`` alone and links to pages
``2i+1`` and ``2i+2`` (a binary tree of ``pages`` pages): a request lost anywhere loses the pages
below it. Every GET is counted per path, so a test knows what was fetched how often; responses can
be slowed (``delay``) so that crawls last long enough to be killed, and held (``pause``, ``resume``)
so that a crawl cannot end while a test restarts a node.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: seconds a held response waits at most
HOLD_TIMEOUT = 60.0
WORDS = ("город", "область", "проект", "развитие", "встреча", "соглашение", "экономика", "инвестиции",
         "строительство", "дороги", "жители", "школа", "больница", "культура", "спорт", "турнир", "выставка",
         "бюджет", "рынок", "энергия", "вода", "ремонт", "решение", "поддержка", "работа", "молодежь")


def page_path(i: int) -> str:
    return f"/p/{i}.html"


def page_title(i: int) -> str:
    return f"Новость номер {i}"


def page_body(i: int) -> str:
    """Three paragraphs of words drawn from ``i``: no two pages are near-duplicates."""
    rng = random.Random(i)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(40)) + f" {i}." for _ in range(3))


class LinkSite:
    """``with LinkSite(pages, delay) as site: ... site.base, site.fetches``"""

    def __init__(self, pages: int, delay: float = 0.0):
        self.pages = pages
        self.delay = delay
        self.fetches: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site._lock:
                    site.fetches[self.path] += 1
                body = site.page(self.path)
                site._running.wait(timeout=HOLD_TIMEOUT)
                if site.delay:
                    time.sleep(site.delay)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self, path: str) -> str | None:
        if not (path.startswith("/p/") and path.endswith(".html") and path[3:-5].isdigit()):
            return None
        i = int(path[3:-5])
        if i >= self.pages:
            return None
        links = "".join(f'<a href="{page_path(c)}">{c}</a>' for c in (2 * i + 1, 2 * i + 2) if c < self.pages)
        paragraphs = "".join(f"<p>{p}</p>" for p in page_body(i).split("\n"))
        return (f"<html><head><title>{page_title(i)}</title></head>"
                f"<body><h1>{page_title(i)}</h1>{paragraphs}{links}</body></html>")

    def pause(self) -> None:
        """Hold every response until :meth:`resume` (at most ``HOLD_TIMEOUT`` seconds)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def fetched(self) -> Counter[str]:
        """Article page -> how often it was fetched."""
        with self._lock:
            return Counter({p: n for p, n in self.fetches.items() if p.startswith("/p/")})

    def __enter__(self) -> LinkSite:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
