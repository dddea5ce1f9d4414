"""Sitemaps, sitemap indexes and news sitemaps, read with Scrapy's sitemap machinery."""

from __future__ import annotations

from typing import Any

import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

#: the largest sitemap read, uncompressed (the protocol's limit is 50 MB)
MAX_SITEMAP_BYTES = 64 * 1024 * 1024


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, also keeping a news sitemap's ``news:publication_date``
    (Scrapy's reader keeps only the direct children of ``<url>``)."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        published = next((el.text for el in elem.iter("{*}publication_date") if el.text), None)
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published.strip()
        return entry


def read_sitemap(body: bytes) -> NewsSitemap | None:
    """A sitemap or sitemap index (gzipped or not); None when the body is neither."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        except (OSError, ValueError):
            return None
    try:
        sitemap = NewsSitemap(body)
    except (lxml.etree.XMLSyntaxError, ValueError, TypeError):
        return None
    return sitemap if sitemap.type in ("urlset", "sitemapindex") else None


def sitemap_entries(body: bytes) -> tuple[str | None, list[dict[str, Any]]]:
    """The type of a sitemap (``urlset`` or ``sitemapindex``) and its entries (``loc``, ``lastmod``,
    ``publication_date``); ``(None, [])`` when the body is not a sitemap."""
    sitemap = read_sitemap(body)
    if sitemap is None:
        return None, []
    try:
        return sitemap.type, [entry for entry in sitemap if entry.get("loc")]
    except (lxml.etree.XMLSyntaxError, StopIteration, ValueError, TypeError):
        return None, []
