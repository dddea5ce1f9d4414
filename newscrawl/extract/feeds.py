"""RSS and Atom feeds: their entries, and the feeds a page announces."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.etree

from newscrawl.extract.html import html_tree

#: feeds a page announces in its head
FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")


def feed_entries(body: bytes) -> list[tuple[str, str | None]]:
    """``(link, published)`` of every item of an RSS or Atom feed; [] when it is not a feed.

    The link is an item's ``<link>`` (Atom: the ``alternate`` one, not enclosures or replies), else
    its ``<guid>`` when that is a URL.
    """
    try:
        root = lxml.etree.fromstring(body, parser=lxml.etree.XMLParser(recover=True, resolve_entities=False,
                                                                      no_network=True, huge_tree=False))
    except (lxml.etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    entries = []
    for item in root.iter("{*}item", "{*}entry"):
        link = entry_link(item)
        published = None
        for tag in ("pubDate", "published", "updated", "date"):
            el = next(item.iter(f"{{*}}{tag}"), None)
            if el is not None and (el.text or "").strip():
                published = el.text.strip()
                break
        if link:
            entries.append((link, published))
    return entries


def entry_link(item: lxml.etree._Element) -> str | None:
    """The page a feed item points to."""
    for el in item.iter("{*}link"):
        if el.get("rel") not in (None, "alternate"):
            continue
        link = (el.text or "").strip() or (el.get("href") or "").strip()
        if link:
            return link
    guid = next(item.iter("{*}guid", "{*}id"), None)
    text = (guid.text or "").strip() if guid is not None else ""
    return text if text.startswith(("http://", "https://")) and guid.get("isPermaLink") != "false" else None


def feed_links(html: str, base_url: str) -> list[str]:
    """The feeds a page announces with ``<link rel="alternate" type="application/rss+xml">``."""
    tree = html_tree(html)
    if tree is None:
        return []
    links = []
    for el in tree.xpath("//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"):
        if (el.get("type") or "").split(";")[0].strip().lower() in FEED_LINK_TYPES:
            links.append(urljoin(base_url, el.get("href").strip()))
    return list(dict.fromkeys(links))
