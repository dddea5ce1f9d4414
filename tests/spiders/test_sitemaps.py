"""Sitemaps, sitemap indexes and news sitemaps (newscrawl/spiders/sitemaps.py)."""

from __future__ import annotations

import gzip

from support import FIXTURES

from newscrawl.spiders.sitemaps import sitemap_entries

SITE = FIXTURES / "qazaqtv" / "site"


def test_sitemap_index_and_urlset_are_read_and_anything_else_is_not_a_sitemap():
    kind, entries = sitemap_entries((SITE / "sitemap.xml").read_bytes())
    assert kind == "sitemapindex"
    assert (entries[0]["loc"], entries[0]["lastmod"]) == ("https://qazaqtv.com/sitemap-2025-10.xml",
                                                          "2025-10-07T12:05:00+05:00")
    body = (SITE / "sitemap-2021-06.xml").read_bytes()
    assert sitemap_entries(gzip.compress(body)) == sitemap_entries(body)
    assert sitemap_entries(body)[0] == "urlset"
    assert sitemap_entries(b"<html><body>Not found</body></html>") == (None, [])
    assert sitemap_entries(b"") == (None, [])
