"""Article pages through an outlet spider as a crawl reads them, without running a crawl: the
spider's ``article_from_fields`` (with its date fallbacks) and the language and date tagging of the
pipelines."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newscrawl.extract.fields import article_json, parse_page
from newscrawl.extract.html import decode_html
from newscrawl.pipelines.dates import tag_published
from newscrawl.pipelines.language import tag_language
from newscrawl.spiders.base import NewsSpider


def make_spider(spider_cls: type[NewsSpider], workdir: Path, **kwargs: Any) -> NewsSpider:
    """A spider bound to a crawler with an empty archive in ``workdir``."""
    crawler = get_crawler(spider_cls, {"ARCHIVE_DIR": str(workdir / "archive"), "ARCHIVE_FSYNC": False})
    return spider_cls.from_crawler(crawler, **kwargs)


def page_item(spider: NewsSpider, html: str | bytes, url: str, listed: datetime | None = None) -> dict[str, Any]:
    """The item fields (as JSON values) the spider makes of a page served at ``url``, plus ``layout``,
    ``sources`` and ``published_source``."""
    text = decode_html(html) if isinstance(html, bytes) else html
    response = HtmlResponse(url, body=text.encode("utf-8"), encoding="utf-8",
                            request=Request(url, meta={"newscrawl_listed": listed}))
    fields = parse_page(text, url, spider.outlet.name)
    article = spider.article_from_fields(response, spider.outlet.edition_of(url), fields)
    adapter = ItemAdapter(article)
    tag_language(adapter)
    if article.published is None:
        tag_published(adapter)
    result = article_json(article)
    result.update(layout=fields["layout"] or "fallback", sources=article.sources,
                  published_source=article.published_source)
    return result


def fixture_cases(folder: Path) -> list[str]:
    """Names of the article fixtures of a folder (``<name>.html`` beside ``<name>.expected.json``)."""
    return sorted(p.name.removesuffix(".expected.json") for p in folder.glob("*.expected.json"))


def load_case(folder: Path, name: str) -> tuple[bytes, dict[str, Any]]:
    """A fixture page's bytes and its expected item."""
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))
    return (folder / f"{name}.html").read_bytes(), expected
