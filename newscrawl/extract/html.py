"""Reading HTML pages: decoding, forgiving lxml trees, the page index, selectors, meta tags and links.
Nothing here knows an outlet or imports Scrapy."""

from __future__ import annotations

import re
from collections.abc import Iterable

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement
from w3lib.encoding import html_to_unicode

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes of a page as text: HTTP charset, BOM, ``<meta charset>``, then detection (w3lib)."""
    _, text = html_to_unicode(content_type, body)
    return text


#: share of control or undecodable characters above which a "page" is binary data
BINARY_SHARE = 0.02


_BINARY_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def looks_binary(text: str, sample: int = 8192) -> bool:
    """Whether decoded "HTML" is really binary data (an image or archive served as text/html):
    too many control characters or undecodable bytes (U+FFFD) in its start."""
    head = text[:sample]
    return bool(head) and len(_BINARY_CHAR.findall(head)) > BINARY_SHARE * len(head)


#: how far from its end a page is searched for its closing tags
TAIL_BYTES = 4096


_CLOSING_TAG = re.compile(rb"</(?:html|body)\s*>", re.IGNORECASE)


def looks_truncated(body: bytes) -> bool:
    """Whether an HTML document was cut short (a server that sent a valid response of part of a
    page): it has neither ``</body>`` nor ``</html>`` near its end."""
    return not _CLOSING_TAG.search(body[-TAIL_BYTES:])


def html_tree(html: str | bytes) -> HtmlElement | None:
    """A forgiving lxml tree of a page; None for an empty or unparsable document."""
    if isinstance(html, str):
        html = _XML_DECL.sub("", html, count=1)
    if not html or not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    return tree


def extraction_tree(html: str | bytes) -> HtmlElement | None:
    """The page parsed as trafilatura parses it (its lxml parser: comments and processing
    instructions dropped), so that one tree serves the selectors and then trafilatura itself
    (``page_text(tree=...)``); None when trafilatura cannot read the document."""
    return trafilatura.utils.load_html(html)


def squash(text: str | None) -> str:
    """Text with runs of white space collapsed and ends stripped; undecodable bytes of a broken page
    (U+FFFD) are dropped, as they carry no text."""
    return _SPACE.sub(" ", (text or "").replace("\ufffd", "")).strip()


def text_of(element: HtmlElement | None) -> str:
    """The visible text of an element, white space collapsed."""
    if element is None:
        return ""
    return squash(element.text_content())


class PageIndex:
    """The elements of one parsed page that article fields are read from (``<meta>``, ``<link>``,
    ``<script>``, ``<time>``, ``<h1>``, ``<title>``), found in a single walk over its tree: every
    XPath or CSS query walks the whole document, and a dozen of them cost more than the walk.

    The helpers below take a page index wherever they take a tree. An index describes its tree as
    it was: build it before anything (trafilatura) prunes the tree."""

    TAGS = ("meta", "link", "script", "time", "h1", "title")

    def __init__(self, tree: HtmlElement):
        self.tree = tree
        self.by_tag: dict[str, list[HtmlElement]] = {tag: [] for tag in self.TAGS}
        for el in tree.iter(*self.TAGS):
            self.by_tag[el.tag].append(el)

    def elements(self, tag: str) -> list[HtmlElement]:
        """The page's elements of one of :data:`TAGS`, in document order."""
        return self.by_tag[tag]


Page = HtmlElement | PageIndex


def tagged(page: Page, tag: str) -> Iterable[HtmlElement]:
    """The elements of a tag in document order, from a page index (``tag`` one of its TAGS) or a tree."""
    return page.elements(tag) if isinstance(page, PageIndex) else page.iter(tag)


def tree_of(page: Page) -> HtmlElement:
    """The tree of a page index, or the tree itself."""
    return page.tree if isinstance(page, PageIndex) else page


def css_first(tree: HtmlElement, selectors: Iterable[str]) -> HtmlElement | None:
    """The first element matching the first selector that matches anything."""
    for sel in selectors:
        found = tree.cssselect(sel)
        if found:
            return found[0]
    return None


def css_text(tree: HtmlElement, selectors: Iterable[str]) -> str | None:
    """The text of the first non-empty element the selectors find."""
    for sel in selectors:
        for el in tree.cssselect(sel):
            text = text_of(el)
            if text:
                return text
    return None


def css_texts(tree: HtmlElement, selectors: Iterable[str]) -> list[str]:
    """Texts of all elements the first matching selector finds (non-empty, in order)."""
    for sel in selectors:
        texts = [t for t in (text_of(el) for el in tree.cssselect(sel)) if t]
        if texts:
            return texts
    return []


def css_texts_all(tree: HtmlElement, selectors: Iterable[str]) -> list[str]:
    """Distinct texts of the elements the first matching selector finds, in order."""
    return list(dict.fromkeys(css_texts(tree, selectors)))


def meta_content(page: Page, *keys: str) -> str | None:
    """The content of the first ``<meta>`` whose property, name or itemprop is one of ``keys`` (keys
    first, then the attributes, then document order)."""
    metas = list(tagged(page, "meta"))
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            for el in metas:
                if el.get(attr) == key:
                    value = squash(el.get("content"))
                    if value:
                        return value
    return None


def canonical_link(page: Page) -> str | None:
    """The page's ``<link rel="canonical">`` target, if any."""
    for el in tagged(page, "link"):
        href = el.get("href")
        if href is not None and "canonical" in (el.get("rel") or "").split() and href.strip():
            return href.strip()
    return None


def drop_elements(root: HtmlElement, selectors: Iterable[str]) -> None:
    """Remove the elements matching the selectors from the tree, keeping their tails."""
    for sel in selectors:
        for el in root.cssselect(sel):
            if el.getparent() is not None:
                el.drop_tree()


def link_text_share(tree: HtmlElement, paragraphs: Iterable[str]) -> float:
    """The share of the paragraphs' characters that belongs to paragraphs which are (part of) the
    text of a link on the page: the cards, menus and link lists of a listing page."""
    return share_in_links(link_texts(tree), paragraphs)


def link_texts(tree: HtmlElement) -> str:
    """The texts of the page's links, one per line, white space collapsed (see ``squash``)."""
    return squash("\n".join(lxml.etree.tostring(a, method="text", encoding=str, with_tail=False)
                             for a in tree.iter("a")))


def share_in_links(links: str, paragraphs: Iterable[str]) -> float:
    """The share of the paragraphs' characters in paragraphs that are (part of) one of the ``links``
    (``link_texts``): see ``link_text_share``."""
    paragraphs = [p for p in paragraphs if p]
    total = sum(len(p) for p in paragraphs)
    if not total:
        return 0.0
    return sum(len(p) for p in paragraphs if p in links) / total

#: a page whose body has less text than this once scripts and ``<noscript>`` notes are gone is an
#: application shell, not a rendered page
UNRENDERED_MAX_CHARS = 40


def is_unrendered_app(html: str) -> bool:
    """Whether a page is the shell of a JavaScript application as served before its scripts ran:
    without scripts, styles and ``<noscript>`` notes its body holds (almost) no text."""
    tree = html_tree(html)
    if tree is None:
        return True
    body = tree.find("body")
    if body is None:
        return True
    drop_elements(body, ("script", "style", "noscript", "template"))
    return len(text_of(body)) < UNRENDERED_MAX_CHARS
