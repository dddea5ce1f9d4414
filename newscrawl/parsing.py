"""Shared helpers for reading article pages: HTML trees, JSON-LD, meta tags, selectors and the
main text of a body container. Outlet modules combine them; nothing here knows an outlet."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement
from w3lib.encoding import html_to_unicode

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
BLOCK_TAGS = ("p", "blockquote", "h2", "h3", "h4", "h5", "li", "pre", "td")
#: social-media embeds and ad slots: never article text, whatever the outlet
EMBEDS = ("script", "style", "noscript", "iframe", "template", "amp-ad", "amp-embed", "amp-img",
          "blockquote.instagram-media", "blockquote.twitter-tweet", "blockquote.tiktok-embed",
          "blockquote.telegram-post", "div.fb-post", "div.fb-video", "[class*=adfox]", "[id*=adfox]")


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


ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenews",
        "reportagenewsarticle",
        "blogposting",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "scholarlyarticle",
        "report",
    }
)


def _types(obj: dict[str, Any]) -> set[str]:
    """Lower-cased schema.org types of a JSON-LD object (``"schema:NewsArticle"`` -> ``newsarticle``)."""
    raw = obj.get("@type", ())
    names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return {str(n).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for n in names}


_JSONLD_WRAPPER = re.compile(  # <!-- … --> and <![CDATA[ … ]]> (also inside /* */) around the JSON
    r"^\s*(?:<!--|/\*\s*<!\[CDATA\[\s*\*/|<!\[CDATA\[)|(?:-->|/\*\s*\]\]>\s*\*/|\]\]>)\s*$"
)


_JSON_DECODER = json.JSONDecoder(strict=False)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def decode_json_values(raw: str) -> list[Any]:
    """The JSON values in ``raw``, tolerating several values in a row, ``;`` and trailing commas.

    Decoding stops at the first undecodable value; what was decoded before it is returned.
    """
    values: list[Any] = []
    for text in (raw, _TRAILING_COMMA.sub(r"\1", raw)):
        pos = 0
        values = []
        while pos < len(text):
            try:
                value, pos = _JSON_DECODER.raw_decode(text, pos)
            except ValueError:
                break
            values.append(value)
            pos = len(text) - len(text[pos:].lstrip(" \t\r\n;,"))
        if values and pos >= len(text):
            return values
    return values


_LD_TYPE_CASE = str.maketrans("LDJSON", "ldjson")


def jsonld_scripts(page: Page) -> Iterator[str]:
    """The text of each JSON-LD ``<script>`` (a type naming ``ld+json``), without HTML-comment or CDATA
    wrappers."""
    for script in tagged(page, "script"):
        if "ld+json" not in (script.get("type") or "").translate(_LD_TYPE_CASE):
            continue
        raw = _JSONLD_WRAPPER.sub("", (script.text or "").strip())
        if raw:
            yield raw


def jsonld_objects(page: Page) -> Iterator[Any]:
    """Decoded JSON-LD values of a page; undecodable parts of a block are skipped."""
    for raw in jsonld_scripts(page):
        yield from decode_json_values(raw)


def article_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Article objects of one JSON-LD block: top level, lists, ``@graph`` and ``mainEntity``.

    Nested properties such as ``itemListElement``, ``hasPart`` or ``relatedLink`` are not entered: the
    articles there are other pages.
    """
    if isinstance(data, list):
        for item in data:
            yield from article_nodes(item)
    elif isinstance(data, dict):
        if _types(data) & ARTICLE_TYPES:
            yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from article_nodes(data[key])


def first_string(value: Any) -> str | None:
    """A JSON-LD value as one string (first item of a list, ``@value`` of an object)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def news_article_jsonld(page: Page) -> dict | None:
    """The page's JSON-LD article object (NewsArticle preferred), if any."""
    objects = [o for value in jsonld_objects(page) for o in article_nodes(value)]
    for preferred in ("newsarticle", "reportagenews", "article", "blogposting"):
        for obj in objects:
            if preferred in _types(obj) and (obj.get("headline") or obj.get("articleBody")):
                return obj
    return next((o for o in objects if o.get("headline")), None)


def jsonld_people(value: Any) -> list[str]:
    """Names in a JSON-LD ``author``/``creator`` value (string, object or list)."""
    if isinstance(value, str):
        return [squash(value)] if squash(value) else []
    if isinstance(value, dict):
        return jsonld_people(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in jsonld_people(item)]
    return []


def jsonld_keywords(value: Any) -> list[str]:
    """Keywords of a JSON-LD object: a comma-separated string or a list."""
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [k.strip() for k in value if isinstance(k, str) and k.strip()]
    return []


def drop_elements(root: HtmlElement, selectors: Iterable[str]) -> None:
    """Remove the elements matching the selectors from the tree, keeping their tails."""
    for sel in selectors:
        for el in root.cssselect(sel):
            if el.getparent() is not None:
                el.drop_tree()


def block_paragraphs(container: HtmlElement) -> list[str]:
    """Paragraph texts of a container: its block elements, or its text split on line breaks."""
    paragraphs: list[str] = []
    blocks = [el for el in container.iter(*BLOCK_TAGS)
              if not any(anc.tag in BLOCK_TAGS for anc in el.iterancestors())]
    if blocks:
        paragraphs = [text_of(el) for el in blocks]
    else:
        for br in container.iter("br"):
            br.tail = "\n" + (br.tail or "")
        paragraphs = [squash(line) for line in container.text_content().split("\n")]
    return [p for p in paragraphs if p]


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


def drop_related(paragraphs: list[str], headings: Iterable[str]) -> list[str]:
    """Paragraphs without the ones that are "read also"-style links to other articles."""
    prefixes = tuple(h.casefold() for h in headings)
    return [p for p in paragraphs if not p.casefold().startswith(prefixes)] if prefixes else paragraphs


def container_paragraphs(container: HtmlElement, remove: Iterable[str] = (),
                         related: Iterable[str] = ()) -> list[str]:
    """The main text of an outlet's body container as paragraphs.

    Unwanted blocks (related news, embeds, ads, captions) are removed first; trafilatura then
    extracts the text of what remains. When trafilatura keeps clearly less than the container's own
    paragraphs (it may drop short containers as boilerplate), the container's paragraphs are used.
    """
    fragment = copy.deepcopy(container)
    drop_elements(fragment, (*EMBEDS, *remove))
    own = block_paragraphs(copy.deepcopy(fragment))
    html = "<html><body><article>" + lxml.html.tostring(fragment, encoding="unicode") + "</article></body></html>"
    text = trafilatura.extract(html, include_comments=False, include_tables=True, include_images=False,
                               favor_recall=True, deduplicate=False, with_metadata=False) or ""
    extracted = [squash(line) for line in text.split("\n") if squash(line)]
    own, extracted = drop_related(own, related), drop_related(extracted, related)
    own_size, got_size = sum(map(len, own)), sum(map(len, extracted))
    if own and got_size < 0.8 * own_size:
        return own
    return extracted


def _looks_like_table_dump(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and sum(line.lstrip().startswith("|") for line in lines) > len(lines) / 2


def _mean_paragraph_length(text: str) -> float:
    lines = [line for line in text.split("\n") if line.strip()]
    return sum(map(len, lines)) / len(lines) if lines else 0.0


def leading_text(element: HtmlElement) -> str:
    """The text at the start of an element, up to its first block-level child (an unclosed
    ``<p>`` in broken markup swallows what follows it)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag in ("p", "div", "figure", "ul", "ol", "blockquote", "section", "table", "article", "h2"):
            break
        parts.append(child.text_content())
        parts.append(child.tail or "")
    return squash("".join(parts))


def densest_block(tree: HtmlElement) -> list[str]:
    """Paragraphs of the element holding the most non-link text of its own: a last resort for
    old table-layout pages where text sits in cells separated by line breaks."""
    best, best_score = None, 0
    for el in tree.iter("td", "div", "article", "section"):
        own = "".join(el.itertext())
        links = sum(len(a.text_content()) for a in el.iter("a"))
        nested = sum(len(c.text_content()) for c in el.iter("td", "div", "article", "section") if c is not el)
        score = len(own) - links - nested
        if score > best_score:
            best, best_score = el, score
    if best is None:
        return []
    fragment = copy.deepcopy(best)
    for child in list(fragment):
        if child.tag in ("td", "div", "table", "ul", "ol", "article", "section", "script", "style"):
            child.drop_tree()
    return block_paragraphs(fragment)


def page_text(html: str, url: str | None = None, *, with_metadata: bool = True,
              tree: HtmlElement | None = None, favor_recall: bool = False) -> dict[str, Any]:
    """trafilatura on a whole page: ``{"text", "title", "author", "date", "tags", "description"}``
    (without ``with_metadata``, only ``text``: a quarter faster). ``tree``: the page already parsed
    by ``extraction_tree``, which trafilatura then uses instead of parsing again, and prunes.
    ``favor_recall``: trafilatura's recall mode, which also trusts its own extraction of a long text
    without comparing it with readability's."""
    doc = trafilatura.bare_extraction(html if tree is None else tree, url=url, with_metadata=with_metadata,
                                      include_comments=False, include_tables=True, favor_recall=favor_recall)
    if doc is None:
        return {}
    text = doc.text or ""
    tree = html_tree(html) if _looks_like_table_dump(text) else None
    # nested tables lay out an old-style page: its text is not tabular data
    if tree is not None and tree.xpath("//td//table"):
        without_tables = trafilatura.extract(html, url=url, include_comments=False, include_tables=False) or ""
        dense = "\n".join(densest_block(tree))
        # article text comes in long paragraphs; menus and link lists in short lines
        text = max((without_tables, dense), key=_mean_paragraph_length)
    return {
        "text": text,
        "title": doc.title,
        "author": doc.author,
        "date": doc.date,
        "tags": [t.strip() for t in (doc.tags or []) if t and t.strip()],
        "description": doc.description,
    }
