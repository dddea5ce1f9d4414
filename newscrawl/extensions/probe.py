"""What a ``newscrawl check`` crawl saw (``CHECK``): every discovery route (URL, HTTP status, kind, article
links, newest entry) and every article read (layout, where each field came from, missing fields), and
the outlet's verdict (:func:`judge`), put in the crawl's stats
(``newscrawl/check/verdict``, ``…/reason``) for the health checks and written to ``CHECK_OUTPUT`` as JSON.

``ProbeRecorder`` is the extension; ``ProbeMiddleware``, a downloader middleware near the engine, tells
it the final status of each route request (after redirects and retries).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newscrawl.items import Article

#: request meta: what a discovery route is (``feed``, ``sitemap``, ``robots.txt``, ``home page`` …) and
#: whose route it is (``own`` or ``standard``); the spiders set them, this extension reads them
ROUTE_KIND = "newscrawl_route"
ROUTE_ORIGIN = "newscrawl_route_origin"
#: request meta: the editions a discovery route is read for, when its callback's arguments do not say
ROUTE_EDITIONS = "newscrawl_route_editions"

#: the fields an article must have
REQUIRED_FIELDS = ("title", "body", "published", "language")
WORKS, DEGRADED, BROKEN = "works", "degraded", "broken"

#: what a route is, by the callback that reads it, for requests that do not say (outlet spiders' own routes)
KIND_OF_CALLBACK = {
    "parse_feed": "feed", "parse_announced_feed": "feed", "parse_listing": "listing", "parse_probe": "listing",
    "parse_daily_archive": "listing", "parse_web_listing": "listing", "parse_sitemap": "sitemap",
    "parse_robots": "robots.txt", "parse_home": "home page", "parse_list": "API", "parse_graphql_list": "API",
    "parse_rest_list": "API",
}


def route_of(request: Request) -> tuple[str, str] | None:
    """The kind and origin (``own``/``standard``) of a discovery request; None for other requests."""
    if request.meta.get("newscrawl_article"):
        return None
    kind = request.meta.get(ROUTE_KIND) or KIND_OF_CALLBACK.get(getattr(request.callback, "__name__", ""))
    return (kind, request.meta.get(ROUTE_ORIGIN, "own")) if kind else None


def editions_of(request: Request) -> list[str]:
    """The editions a discovery request is for: as its meta says (``ROUTE_EDITIONS``), else its callback's
    arguments."""
    kwargs = request.cb_kwargs
    found = request.meta.get(ROUTE_EDITIONS) or kwargs.get("editions") or [kwargs.get("edition")
                                                                           or kwargs.get("listing")]
    return [e for e in found if e]


class ProbeRecorder:
    """The check's record of a crawl (on when ``CHECK`` is set)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.routes: dict[str, dict[str, Any]] = {}
        self.articles: list[dict[str, Any]] = []
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProbeRecorder:
        if not crawler.settings.getbool("CHECK"):
            raise NotConfigured  # not a check
        return cls(crawler)

    def route_answered(self, request: Request, status: int | str) -> None:
        route = route_of(request)
        if route is None:
            return
        entry = self.routes.setdefault(request.url, {"url": request.url, "kind": route[0], "origin": route[1],
                                                     "editions": [], "links": 0, "generic_links": 0,
                                                     "newest": None})
        entry["status"] = status
        entry["editions"] = sorted(set(entry["editions"]) | set(editions_of(request)))

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        if not isinstance(item, Article):
            return
        present = {"title": item.title, "body": item.body, "published": item.published, "language": item.language}
        self.articles.append({
            "url": item.url, "edition": item.edition, "title": item.title, "layout": item.layout,
            "sources": dict(item.sources), "language": item.language,
            "published": item.published.isoformat() if item.published else None,
            "missing": [name for name in REQUIRED_FIELDS if not present[name]]})

    def report(self, spider: Spider) -> dict[str, Any]:
        """What the check saw of this crawl."""
        log = getattr(spider, "routes", None)
        for url, noted in (log.as_dict() if log is not None else {}).items():
            entry = self.routes.setdefault(url, {"url": url, "kind": noted["kind"], "origin": noted["origin"] or "own",
                                                 "editions": [], "status": None})
            entry["kind"] = noted["kind"] or entry["kind"]
            entry["editions"] = sorted(set(entry["editions"]) | set(noted["editions"]))
            entry.update(links=noted["links"], generic_links=noted["generic_links"], newest=noted["newest"],
                         by_edition=noted["by_edition"])
        editions = list(getattr(spider, "editions", []))
        if len(editions) == 1:  # a crawl of one edition reads every route for it
            for entry in self.routes.values():
                entry["editions"] = entry["editions"] or editions
        outlet = getattr(spider, "outlet", None)
        stats = self.crawler.stats.get_stats()
        return {"spider": spider.name, "editions": editions,
                "has_layouts": bool(outlet and outlet.layouts), "routes": list(self.routes.values()),
                "articles": self.articles,
                "stats": {k: v for k, v in stats.items() if isinstance(v, int | float) and (
                    k.startswith(("newscrawl/", "downloader/response_status_count/")))}}

    def spider_closed(self, spider: Spider, reason: str) -> None:
        report = self.report(spider)
        report["finish_reason"] = reason
        verdict, reasons = judge(report)
        report.update(verdict=verdict, reasons=reasons)
        self.crawler.stats.set_value("newscrawl/check/verdict", verdict)
        self.crawler.stats.set_value("newscrawl/check/reason", "; ".join(reasons))
        output = self.crawler.settings.get("CHECK_OUTPUT")
        if output:
            Path(output).write_text(json.dumps(report, ensure_ascii=False, default=str), encoding="utf-8")


class ProbeMiddleware:
    """Tells the check's recorder the final status of every discovery request."""

    def __init__(self, recorder: ProbeRecorder):
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProbeMiddleware:
        recorder = crawler.get_extension(ProbeRecorder)
        if recorder is None:
            raise NotConfigured  # not a check
        return cls(recorder)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        self.recorder.route_answered(request, response.status)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        self.recorder.route_answered(request, type(exception).__name__)


def judge(report: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The verdict on one outlet from what its check crawl saw, and the reasons."""
    articles, routes = report.get("articles", []), report.get("routes", [])
    if not articles:
        listed = sum(r.get("links") or 0 for r in routes)
        if not listed:
            answered = [r for r in routes if r.get("status") == 200]
            return BROKEN, [f"no discovery route listed an article ({len(answered)} of {len(routes)} routes answered)"]
        return BROKEN, [f"{listed} article links found, no article read"]
    reasons = []
    read = {a.get("edition") for a in articles}
    for edition in report.get("editions", []):
        if edition not in read:
            reasons.append(f"edition {edition}: no article read")
    incomplete = [a for a in articles if a.get("missing")]
    if incomplete:
        missing = sorted({m for a in incomplete for m in a["missing"]})
        reasons.append(f"{len(incomplete)} of {len(articles)} articles lack {', '.join(missing)}")
    if report.get("has_layouts"):
        unknown = [a for a in articles if not a.get("layout")]
        if unknown:
            reasons.append(f"{len(unknown)} of {len(articles)} articles in no known layout")
    if not any((r.get("links") or 0) for r in routes if r.get("origin") == "own"):
        reasons.append("only the standard routes found articles (the outlet's own routes found none)")
    return (DEGRADED, reasons) if reasons else (WORKS, [f"{len(articles)} articles read"])
