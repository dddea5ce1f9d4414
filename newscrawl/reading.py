"""The one reader: from a fetched page to an article, or to a counted skip with its reason.

Every path that turns a page into an article goes through :class:`PageReader`: the spiders (with
extraction in worker processes), ``newscrawl archive rebuild`` (pages of the raw archive),
``newscrawl extract`` (saved pages) and the tests. It decides, once and the same way everywhere:

1. whether the response is a page to read (:meth:`PageReader.html`): not text, empty, binary, cut
   short (refused when a later crawl can fetch it again), or the unrendered shell of a JavaScript
   application;
2. whether the extracted fields are an article (:meth:`PageReader.article`): a title and enough text,
   and not a listing of links served at an article's address;
3. the article itself: the outlet's facts (agency as author, edition, language prior), the page's
   heading dropped from the body, a canonical link that is no article ignored, the publication time
   resolved once (see :meth:`PageReader.published`) and the language.

What a reading notices on the way (a page in no documented layout, a canonical link ignored) is
reported through ``count`` as a stats key below ``newscrawl/``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from newscrawl.extract.dates import resolve_published
from newscrawl.extract.fields import MIN_BODY_CHARS, PageFields, parse_page
from newscrawl.extract.html import (
    canonical_link,
    decode_html,
    html_tree,
    is_unrendered_app,
    looks_binary,
    looks_truncated,
    squash,
)
from newscrawl.extract.language import detect_language
from newscrawl.items import Article
from newscrawl.outlets import Outlet, outlet_for_url, site_outlet
from newscrawl.outlets.api import ApiItem
from newscrawl.urls import bare_host, clean_url, host_of

logger = logging.getLogger(__name__)

#: a page in no known article layout whose text is mostly the text of its links is a listing (a
#: category page, a tag page, a front page), not an article
MAX_LINK_TEXT_SHARE = 0.5
#: letters in any script: an "author" without one is a view counter or a date in the author's place
_LETTER = re.compile(r"[^\W\d_]")

Count = Callable[[str], None]
#: why a page that gives no article now may give one when fetched again
FETCH_AGAIN = frozenset({"truncated_page"})


@dataclass(frozen=True)
class FetchedPage:
    """A fetched page and what the crawl knows of it."""

    #: the page's URL (after redirects)
    url: str
    body: bytes
    #: the Content-Type header, for decoding
    content_type: str | None = None
    #: the text when the fetcher decoded it already (Scrapy's ``TextResponse.text``)
    text: str | None = None
    #: False for a response that is no text at all (an image, a PDF)
    is_text: bool = True
    #: URLs that redirected to this page, first first
    redirects: tuple[str, ...] = ()
    #: the edition a listing found the page in (else told by the outlet's URL rules)
    edition: str | None = None
    #: the time a listing, feed or sitemap gave the article
    listed: datetime | None = None
    #: ``(source, value)`` dates an API gave for the article, before the page's own
    given_dates: tuple[tuple[str, str], ...] = ()
    #: where a page other than a web page came from (``api:graphql``)
    via: str | None = None
    #: whether a later crawl can fetch the page again: a truncated one is then refused, not read
    from_network: bool = True


@dataclass(frozen=True)
class Skip:
    """A page that gives no article, and why (counted as ``newscrawl/skipped/<reason>``)."""

    reason: str

    def __str__(self) -> str:
        return self.reason.replace("_", " ")

    @property
    def fetch_again(self) -> bool:
        """Whether a later crawl should fetch the page again (it was cut short on the way): the crawl
        keeps its watermark below it, as for a page that could not be fetched."""
        return self.reason in FETCH_AGAIN


def api_page(item: ApiItem, edition: str | None, api: str) -> FetchedPage:
    """An API item's document as a page to read: its dates come before the document's own."""
    document = item.document or ""
    return FetchedPage(url=item.url, body=document.encode("utf-8"), text=document, edition=edition,
                       given_dates=tuple(item.date_candidates), via=f"api:{api}")


def outlet_of(url: str, timezone_name: str = "UTC") -> Outlet:
    """The outlet of a URL: its module's, or, for a site without one, an outlet named after the host."""
    return outlet_for_url(url) or site_outlet(bare_host(host_of(url)), timezone_name)


class PageReader:
    """Reads the pages of one outlet (``outlet.generic``: a site without an outlet module)."""

    def __init__(self, outlet: Outlet, count: Count | None = None):
        self.outlet = outlet
        self.zone = ZoneInfo(outlet.timezone)
        self.count: Count = count or (lambda key: None)
        #: what extraction is told of the outlet's pages (nothing for a site without a module)
        self.page_facts: Outlet | None = None if outlet.generic else outlet
        self._warned: set[str] = set()

    # -- 1. the page
    def html(self, page: FetchedPage) -> str | Skip:
        """The page's HTML to extract, or why it is not a page to read."""
        if not page.is_text:
            return Skip("not_html")
        if not page.body.strip() and not (page.text or "").strip():
            return Skip("empty_page")
        html = page.text if page.text is not None else decode_html(page.body, page.content_type)
        if looks_binary(html):
            return Skip("binary_page")
        if page.body and looks_truncated(page.body):
            if page.from_network:
                return Skip("truncated_page")  # a later crawl fetches it again
            self.count("pages/truncated_read")
        if self.outlet.needs_javascript and page.via is None and is_unrendered_app(html):
            return Skip("unrendered_page")
        return html

    # -- 2. the fields
    def extract(self, html: str, page: FetchedPage) -> PageFields | Skip:
        """The fields of a page, extracted in this process (spiders use their worker processes)."""
        fields = parse_page(html, page.url, self.page_facts)
        return fields if fields is not None else Skip("unparsable_page")

    def article(self, page: FetchedPage, fields: PageFields | Skip) -> Article | Skip:
        """The article of a page's fields, or why they are none."""
        if isinstance(fields, Skip):
            return fields
        if len(fields.body) < MIN_BODY_CHARS or not fields.title or self.is_listing(fields):
            return Skip("not_an_article")
        outlet = self.outlet
        if fields.layout is None and outlet.layouts:
            self.count("layout/fallback")
            self._warn_once("layout", "%s: no documented %s page layout matched; fields taken from JSON-LD, meta "
                            "tags and trafilatura", page.url, outlet.name)
        body = fields.body
        first, _, rest = body.partition("\n")
        if rest and squash(first) == squash(fields.title):
            body = rest  # the page's heading, taken into the text by trafilatura
        canonical = fields.canonical_url
        if not outlet.generic and canonical != clean_url(page.url) and not outlet.is_article_url(canonical):
            # a template's slip: every article with it would share one canonical URL
            self.count("canonical/not_an_article")
            logger.info("canonical link of %s is not an article (%s): ignored", page.url, canonical)
            canonical = clean_url(page.url)
        edition = page.edition or (None if outlet.generic else outlet.edition_of(page.url))
        sources = dict(fields.sources)
        author = fields.author if fields.author and _LETTER.search(fields.author) else None
        if not author and not outlet.generic:
            author = outlet.agency_for(edition)
            sources["author"] = "agency"
        if page.via:
            sources["item"] = page.via
        article = Article(
            url=page.url, outlet=outlet.name, canonical_url=canonical, edition=edition, title=fields.title,
            author=author, body=body, lead=fields.lead, tags=fields.tags, fetched_at=datetime.now(timezone.utc),
            date_candidates=[*page.given_dates, *fields.date_candidates], visible_dates=fields.visible_dates,
            timezone=outlet.timezone, language_hint=outlet.language_of(edition), sources=sources,
            aliases=[u for u in page.redirects if u != page.url], layout=fields.layout,
        )
        article.published, article.published_source = self.published(page, fields)
        article.language = fields.language or detect_language(f"{article.title or ''}\n{article.body or ''}",
                                                              prior=article.language_hint)
        if fields.text_keys is not None:
            article.text_keys = fields.text_keys
        if page.listed is not None:
            article.listed = page.listed
        return article

    def is_listing(self, fields: PageFields) -> bool:
        """Whether a page that matched no article layout is a listing of links (a category page served
        at an article's address, say) rather than an article."""
        return not fields.layout and fields.link_share > MAX_LINK_TEXT_SHARE

    def published(self, page: FetchedPage, fields: PageFields) -> tuple[datetime | date | None, str | None]:
        """The publication time and where it comes from, in this order: the dates an API gave; for an
        outlet's page, its machine-readable dates and its layout's visible date, then the time a listing
        gave (``listing``), the time in its URL (``url``: after redirects, else before), date-like
        texts found anywhere on the page (``visible``) and the page-level rules of htmldate (``page``);
        for a page of a site without an outlet module, the page-level rules first, then the listing's
        time. For sites without a module a time keeps the offset the page (or its listing) states."""
        zone = self.zone
        if self.outlet.generic:
            found, source = resolve_published(page.given_dates, zone)
            if found is not None:
                return found, source
            if fields.page_date is not None:
                return _in_zone(fields.page_date, zone), "page"
            return (_in_zone(page.listed, zone), "listing") if page.listed is not None else (None, None)
        date_like = fields.sources.get("date") == "date-like"
        found, source = resolve_published([*page.given_dates, *fields.date_candidates], zone,
                                          [] if date_like else fields.visible_dates)
        if found is not None:
            return found, source
        if page.listed is not None:  # a feed's or listing's publication time
            return page.listed.astimezone(zone), "listing"
        # a URL's time is when the item was created (Total.kz: minutes to hours before it was published)
        for url in (page.url, *reversed(page.redirects)):
            when = self.outlet.published_in_url(url)
            if when is not None:
                return when, "url"
        if date_like:
            found, source = resolve_published((), zone, fields.visible_dates)
            if found is not None:
                return found, source
        if fields.page_date is not None:
            return _in_zone(fields.page_date, zone), "page"
        return None, None

    def read(self, page: FetchedPage) -> Article | Skip:
        """All of it in this process: the page, its fields and its article."""
        html = self.html(page)
        if isinstance(html, Skip):
            return html
        return self.article(page, self.extract(html, page))

    def _warn_once(self, key: str, message: str, *args: Any) -> None:
        logger.log(logging.INFO if key in self._warned else logging.WARNING, message, *args)
        self._warned.add(key)


def _in_zone(found: date | datetime, zone: ZoneInfo) -> date | datetime:
    """A page-level date: a naive time is local to the zone; a stated offset is kept; a day stays a day."""
    if isinstance(found, datetime) and found.tzinfo is None:
        return found.replace(tzinfo=zone)
    return found


# -- saved pages: ``newscrawl extract`` and the quality benchmarks
def article_json(article: Article) -> dict[str, Any]:
    """The item fields of an article as JSON-ready values."""
    return {
        "url": article.url,
        "canonical_url": article.canonical_url,
        "outlet": article.outlet,
        "edition": article.edition,
        "title": article.title,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "body": article.body,
        "tags": article.tags,
        "fetched_at": article.fetched_at.isoformat() if article.fetched_at else None,
    }


def read_saved_page(body: bytes | str, url: str | None, count: Count | None = None) -> tuple[Article | Skip, Outlet]:
    """The article of a saved page (a file, not a response: a truncated one is read, and counted),
    and the outlet it was read as. Without ``url`` the page's canonical link names it."""
    text = body if isinstance(body, str) else decode_html(body)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if not url:
        tree = html_tree(text)
        url = (canonical_link(tree) if tree is not None else None) or ""
    outlet = outlet_of(url) if url else site_outlet("")
    reader = PageReader(outlet, count)
    return reader.read(FetchedPage(url=url, body=raw, text=text, from_network=False)), outlet


def extract_article(html: str | bytes, url: str | None) -> dict[str, Any]:
    """The item fields a crawl makes of one saved page (see :class:`PageReader`), plus ``layout``,
    ``sources``, ``published_source`` and the body and day also as ``text`` and ``date`` (the names
    benchmarks expect); a page that gives no article has an empty body and ``skipped`` saying why."""
    counted: list[str] = []
    result, outlet = read_saved_page(html, url, counted.append)
    if "pages/truncated_read" in counted:
        logger.warning("the page looks cut short; read as far as it goes (a crawl refuses such a page and "
                       "fetches it again)")
    if isinstance(result, Skip):
        return {"url": url or None, "outlet": None if outlet.generic else outlet.name, "title": None, "body": "",
                "text": "", "published": None, "date": None, "language": None, "skipped": result.reason}
    out = article_json(result)
    day = result.published.isoformat()[:10] if result.published else None
    out.update(text=result.body, date=day, layout=result.layout, sources=result.sources,
               published_source=result.published_source, truncated="pages/truncated_read" in counted)
    return out


__all__ = [
    "FETCH_AGAIN",
    "MAX_LINK_TEXT_SHARE",
    "FetchedPage",
    "PageReader",
    "Skip",
    "api_page",
    "article_json",
    "extract_article",
    "outlet_of",
    "read_saved_page",
]
