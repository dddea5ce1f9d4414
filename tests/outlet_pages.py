"""Article pages read as a spider's crawl reads them (its one reader), without running a crawl."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from support import project_crawler

from newscrawl.reading import FetchedPage, Skip, article_json
from newscrawl.spiders.base import NewsSpider


def make_spider(spider_cls: type[NewsSpider], workdir: Path, **kwargs: Any) -> NewsSpider:
    """A spider bound to a crawler with an empty archive in ``workdir``."""
    crawler = project_crawler(spider_cls, ARCHIVE_DIR=str(workdir / "archive"))
    return spider_cls.from_crawler(crawler, **kwargs)


def page_item(spider: NewsSpider, html: str | bytes, url: str, listed: datetime | None = None) -> dict[str, Any]:
    """The item fields (as JSON values) the spider's reader makes of a page served at ``url``, plus
    ``layout``, ``sources`` and ``published_source``."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    article = spider.reader.read(FetchedPage(url=url, body=body, listed=listed, from_network=False))
    assert not isinstance(article, Skip), article
    result = article_json(article)
    result.update(layout=article.layout or "fallback", sources=article.sources,
                  published_source=article.published_source)
    return result


def fixture_cases(folder: Path) -> list[str]:
    """Names of the article fixtures of a folder (``<name>.html`` beside ``<name>.expected.json``)."""
    return sorted(p.name.removesuffix(".expected.json") for p in folder.glob("*.expected.json"))


def load_case(folder: Path, name: str) -> tuple[bytes, dict[str, Any]]:
    """A fixture page's bytes and its expected item."""
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))
    return (folder / f"{name}.html").read_bytes(), expected
