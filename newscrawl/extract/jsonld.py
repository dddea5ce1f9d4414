"""JSON-LD of a page: the blocks, their decoded values and the article object with its people and keywords."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from newscrawl.extract.html import Page, squash, tagged

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
