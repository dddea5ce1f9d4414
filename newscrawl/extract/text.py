"""The main text of a page: paragraphs of a body container, related-news lines, and trafilatura on a
whole page."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement

from newscrawl.extract.html import drop_elements, html_tree, squash, text_of

BLOCK_TAGS = ("p", "blockquote", "h2", "h3", "h4", "h5", "li", "pre", "td")


#: social-media embeds and ad slots: never article text, whatever the outlet
EMBEDS = ("script", "style", "noscript", "iframe", "template", "amp-ad", "amp-embed", "amp-img",
          "blockquote.instagram-media", "blockquote.twitter-tweet", "blockquote.tiktok-embed",
          "blockquote.telegram-post", "div.fb-post", "div.fb-video", "[class*=adfox]", "[id*=adfox]")


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
