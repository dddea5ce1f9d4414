"""Every outlet's article pages give their expected items, read by the one reader as a crawl reads them.

One suite over all outlets (Fundus's ``TestParser`` over its publisher collection is the model): each
outlet module has fixtures ``tests/fixtures/<outlet>/articles/<case>.html`` written by hand in the
outlet's page structure (marked so at their top), each with ``<case>.expected.json``, the item the
page must give. An outlet without a fixture, or a fixture page without its expected item, fails."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from support import FIXTURES

from newscrawl.extract.html import decode_html, squash
from newscrawl.outlets import get_outlet, outlet_modules
from newscrawl.reading import extract_article

MARKER = "<!-- Hand-written fixture"
FIELDS = ("title", "author", "published", "language", "tags", "canonical_url", "edition", "outlet")


def articles(outlet: str) -> Path:
    return FIXTURES / outlet / "articles"


def cases(outlet: str) -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in articles(outlet).glob("*.expected.json"))


CASES = [pytest.param(outlet, name, id=f"{outlet}/{name}") for outlet in outlet_modules() for name in cases(outlet)]


@cache
def read(outlet: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item the reader makes of a fixture page, and the expected one."""
    expected = json.loads((articles(outlet) / f"{name}.expected.json").read_text(encoding="utf-8"))
    return extract_article((articles(outlet) / f"{name}.html").read_bytes(), expected["url"]), expected


@pytest.mark.parametrize("outlet", outlet_modules())
def test_every_outlet_has_article_fixtures(outlet):
    assert cases(outlet), f"tests/fixtures/{outlet}/articles/ has no <case>.html with <case>.expected.json"


@pytest.mark.parametrize("outlet", outlet_modules())
def test_every_fixture_page_has_its_expected_item_and_every_item_its_page(outlet):
    pages = {p.name.removesuffix(".html") for p in articles(outlet).glob("*.html")}
    assert pages == set(cases(outlet))


@pytest.mark.parametrize(("outlet", "name"), CASES)
def test_fixture_says_it_is_hand_written(outlet, name):
    head = (articles(outlet) / f"{name}.html").read_bytes().lstrip()[:200].decode("utf-8", "replace")
    assert head.startswith(MARKER)


@pytest.mark.parametrize(("outlet", "name"), CASES)
def test_body_is_exactly_the_article_paragraphs(outlet, name):
    got, expected = read(outlet, name)
    assert got["body"].split("\n") == expected["body"]


@pytest.mark.parametrize(("outlet", "name"), CASES)
def test_related_news_ads_credits_and_widgets_never_reach_the_body(outlet, name):
    got, expected = read(outlet, name)
    for junk in expected["body_must_not_contain"]:
        assert junk not in got["body"], junk


@pytest.mark.parametrize(("outlet", "name"), CASES)
def test_the_expected_texts_and_the_unwanted_ones_are_really_on_the_page(outlet, name):
    _, expected = read(outlet, name)
    html = decode_html((articles(outlet) / f"{name}.html").read_bytes())
    visible = squash(lxml.html.document_fromstring(html).text_content())
    for text in expected["body"]:
        assert squash(text) in visible, text
    for junk in expected["body_must_not_contain"]:  # a text, or markup (an embed's class)
        assert squash(junk) in visible or junk in html, junk


@pytest.mark.parametrize(("outlet", "name"), CASES)
@pytest.mark.parametrize("field", FIELDS)
def test_fields_match_the_expected_item(outlet, name, field):
    got, expected = read(outlet, name)
    want = expected[field]
    if field == "author" and want is None:  # a page naming no person: the edition's agency
        want = get_outlet(outlet).agency_for(expected["edition"])
    assert got[field] == want


@pytest.mark.parametrize(("outlet", "name"), CASES)
def test_layout_is_recognised(outlet, name):
    got, expected = read(outlet, name)
    assert (got["layout"] or "fallback") == expected["layout"]
